import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** Any keys do: the local store does not check credentials (see docs/s3.md). */
export const LOCAL_STORE_CREDENTIALS = { accessKeyId: 'local-access-key', secretAccessKey: 'local-secret-key' };

const REPO_ROOT = resolve(__dirname, '../..');

// The SDK warns on Node 20 about its own future releases, as the plugin's client does not.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// fauxqs is an ES module; a child process keeps it out of the tests' own heap and CPU accounting.
const LAUNCH = `
const { startFauxqs } = await import('fauxqs');
const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
process.send({ port: server.port });
process.on('disconnect', () => server.stop().finally(() => process.exit(0)));
`;

/**
 * A real S3-compatible server (fauxqs, in memory) on a free loopback port, in its own
 * process. `stop()` ends it; nothing is left on disk.
 */
export class LocalObjectStore {
  private constructor(
    private readonly child: ChildProcess,
    readonly endpoint: string,
    readonly client: S3Client,
  ) {}

  static async start(): Promise<LocalObjectStore> {
    const child = spawn(process.execPath, ['--input-type=module', '-e', LAUNCH], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolvePort, reject) => {
      child.once('message', (message: { port: number }) => resolvePort(message.port));
      child.once('exit', (code) => reject(new Error(`the local object store exited (${code}): ${stderr}`)));
    });
    const endpoint = `http://127.0.0.1:${port}`;
    return new LocalObjectStore(child, endpoint, localStoreClient(endpoint));
  }

  async createBucket(name: string): Promise<void> {
    await this.client.send(new CreateBucketCommand({ Bucket: name }));
  }

  /** The keys in the bucket, in order. */
  async keys(bucket: string): Promise<string[]> {
    const answer = await this.client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (answer.Contents ?? []).map((item) => item.Key!);
  }

  /**
   * Whether any multipart upload in the bucket is neither completed nor aborted. The server
   * has no listing of uploads, but refuses to delete a bucket that has one: the bucket is
   * emptied and deleted, so call this last.
   */
  async hasUploadsInProgress(bucket: string): Promise<boolean> {
    for (const key of await this.keys(bucket))
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    try {
      await this.client.send(new DeleteBucketCommand({ Bucket: bucket }));
      return false;
    } catch (error) {
      if ((error as Error).name === 'BucketNotEmpty') return true;
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.client.destroy();
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    this.child.disconnect();
    await exited;
  }
}

/** A client for the local store (or a proxy in front of it), as tests use it to look at what was stored. */
export function localStoreClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: LOCAL_STORE_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
