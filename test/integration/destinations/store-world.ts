import { GetObjectCommand, HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { ObjectStore, type ExpectedObject, type ObjectStoreOptions } from '../../../src/destinations/object-store';
import { parseS3Url } from '../../../src/destinations/s3-url';
import { LocalBuckets } from '../../support/local-buckets';
import { LOCAL_STORE_CREDENTIALS, type LocalObjectStore } from '../../support/object-store-server';
import type { S3FaultProxy } from '../../support/s3-fault-proxy';

export const MiB = 1024 * 1024;

/** The smallest part S3 (and the local store) takes. */
export const PART_BYTES = 5 * MiB;

/**
 * The local S3 server of a suite, and for each test a fresh bucket reached through a fresh fault
 * proxy: the store under test talks to the proxy, the test looks at the server directly.
 */
export class StoreWorld {
  private constructor(
    private readonly buckets: LocalBuckets,
    /** The stores the running test opened, closed after it. */
    private readonly stores: ObjectStore[],
  ) {}

  /**
   * Starts the server before the suite and stops it after; gives each test its own bucket and
   * proxy, and closes the stores the test opened. Call it in a `describe`, and use it in tests.
   */
  static perTest(): StoreWorld {
    const stores: ObjectStore[] = [];
    // Before the bucket's hooks, so that each test's stores are closed before its proxy stops.
    afterEach(() => {
      for (const store of stores.splice(0)) store.close();
    });
    return new StoreWorld(LocalBuckets.perTest('recordings-test'), stores);
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
    this.stores.push(store);
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
