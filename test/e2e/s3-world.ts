import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { LocalBuckets } from '../support/local-buckets';
import { LOCAL_STORE_CREDENTIALS, type LocalObjectStore } from '../support/object-store-server';
import type { S3FaultProxy } from '../support/s3-fault-proxy';

/**
 * The local S3 server of a suite, and for each test a fresh bucket reached by `twilio` through a
 * fresh fault proxy: the command talks to the proxy, the test looks at the server directly.
 */
export class S3World {
  private constructor(private readonly buckets: LocalBuckets) {}

  /**
   * Starts the server before the suite and stops it after; gives each test its own bucket and
   * proxy, and stops the proxy after the test. Call it in a `describe`, and use it in tests.
   */
  static perTest(): S3World {
    return new S3World(LocalBuckets.perTest(`e2e-recordings-${process.pid}`));
  }

  get server(): LocalObjectStore {
    return this.buckets.server;
  }

  get proxy(): S3FaultProxy {
    return this.buckets.proxy;
  }

  get bucket(): string {
    return this.buckets.bucket;
  }

  /** The variables a user of an S3-compatible store sets; none of the developer's own AWS settings leak in. */
  get env(): Record<string, string | undefined> {
    return {
      AWS_ENDPOINT_URL_S3: this.proxy.endpoint,
      AWS_ENDPOINT_URL: undefined,
      AWS_ACCESS_KEY_ID: LOCAL_STORE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_STORE_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_REGION: 'us-east-1',
    };
  }

  url(prefix = 'archive'): string {
    return `s3://${this.bucket}/${prefix}`;
  }

  keys(): Promise<string[]> {
    return this.server.keys(this.bucket);
  }

  /** The keys of stored media: everything but the runs' manifests. */
  async mediaKeys(): Promise<string[]> {
    return (await this.keys()).filter((key) => !key.includes('/.manifests/'));
  }

  /** PUTs of media objects (single or parts) through the proxy, manifests left out. */
  mediaPuts(): number {
    return this.proxy.seen.filter(
      (seen) =>
        (seen.operation === 'PutObject' || seen.operation === 'UploadPart') && !seen.key.includes('/.manifests/'),
    ).length;
  }

  async bytesAt(key: string): Promise<Buffer> {
    const answer = await this.server.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  }

  async sha256At(key: string): Promise<string> {
    return createHash('sha256')
      .update(await this.bytesAt(key))
      .digest('hex');
  }

  /** Writes an object straight to the server, as another run (or a person) would have left it. */
  async putObject(key: string, text: string): Promise<void> {
    await this.server.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text }));
  }

  async head(key: string): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.server.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if ((error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  }

  /** Every line of every run's manifest under `prefix`, in key order. */
  async manifestLines(prefix = 'archive'): Promise<Array<Record<string, unknown>>> {
    const keys = (await this.keys()).filter((key) => key.startsWith(`${prefix}/.manifests/`)).sort();
    const lines: Array<Record<string, unknown>> = [];
    for (const key of keys) {
      for (const line of (await this.bytesAt(key)).toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
    return lines;
  }
}
