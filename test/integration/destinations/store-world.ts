import { GetObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { ObjectStore, type ExpectedObject, type ObjectStoreOptions } from '../../../src/destinations/object-store';
import { parseS3Url } from '../../../src/destinations/s3-url';
import { LOCAL_STORE_CREDENTIALS, LocalObjectStore } from '../../support/object-store-server';
import { S3FaultProxy } from '../../support/s3-fault-proxy';

export const MiB = 1024 * 1024;

/** The smallest part S3 (and the local store) takes. */
export const PART_BYTES = 5 * MiB;

let bucketCount = 0;

/** What one test has to itself: a bucket, the fault proxy in front of the server, and the stores it opened. */
interface TestBucket {
  proxy: S3FaultProxy;
  bucket: string;
  stores: ObjectStore[];
}

/**
 * The local S3 server of a suite, and for each test a fresh bucket reached through a fresh fault
 * proxy: the store under test talks to the proxy, the test looks at the server directly.
 */
export class StoreWorld {
  private started?: LocalObjectStore;
  private current?: TestBucket;

  private constructor() {}

  /**
   * Starts the server before the suite and stops it after; gives each test its own bucket and
   * proxy, and closes the stores the test opened. Call it in a `describe`, and use it in tests.
   */
  static perTest(): StoreWorld {
    const world = new StoreWorld();
    before(async () => {
      world.started = await LocalObjectStore.start();
    });
    after(async () => {
      await world.started?.stop();
    });
    beforeEach(async () => {
      const bucket = `recordings-test-${++bucketCount}`;
      await world.server.createBucket(bucket);
      world.current = { proxy: await S3FaultProxy.start(world.server.endpoint), bucket, stores: [] };
    });
    afterEach(async () => {
      const test = world.current;
      world.current = undefined;
      for (const store of test?.stores ?? []) store.close();
      await test?.proxy.stop();
    });
    return world;
  }

  get server(): LocalObjectStore {
    if (!this.started) throw new Error('the local S3 server runs only while its suite does');
    return this.started;
  }

  get proxy(): S3FaultProxy {
    return this.test.proxy;
  }

  get bucket(): string {
    return this.test.bucket;
  }

  private get test(): TestBucket {
    if (!this.current) throw new Error("a test's bucket exists only while the test runs");
    return this.current;
  }

  /**
   * An object store on `s3://bucket/archive/` through the proxy, with small parts and two uploads
   * at once; closed after the test.
   */
  async open(options: Partial<ObjectStoreOptions> = {}): Promise<ObjectStore> {
    const store = await ObjectStore.open({
      location: parseS3Url(`s3://${this.bucket}/archive`),
      connection: { endpoint: this.proxy.endpoint, credentials: LOCAL_STORE_CREDENTIALS, maxAttempts: 2 },
      partBytes: PART_BYTES,
      uploadConcurrency: 2,
      env: {},
      ...options,
    });
    this.test.stores.push(store);
    return store;
  }

  async bytesAt(key: string): Promise<Buffer> {
    const answer = await this.server.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  }

  async head(key: string): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.server.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if ((error as Error).name === 'NotFound') return undefined;
      throw error;
    }
  }
}

/** `size` bytes that differ from one seed to the next. */
export function bytesOf(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset++) bytes[offset] = (offset * 31 + (offset >> 9) * 7 + seed * 101) & 0xff;
  return bytes;
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What `put` expects for these bytes. */
export function expectedFor(bytes: Buffer, metadata: Record<string, string> = {}): ExpectedObject {
  return { sha256: sha256Of(bytes), size: bytes.length, metadata };
}
