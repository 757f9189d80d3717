import { LocalObjectStore } from './object-store-server';
import { S3FaultProxy } from './s3-fault-proxy';

let bucketCount = 0;

/** What one test has to itself: a bucket on the suite's server, reached through a fault proxy of its own. */
interface TestBucket {
  proxy: S3FaultProxy;
  bucket: string;
}

/**
 * The local S3 server of a suite, and for each test a fresh bucket reached through a fresh fault
 * proxy: the code under test talks to the proxy, the test looks at the server directly.
 */
export class LocalBuckets {
  private started?: LocalObjectStore;
  private current?: TestBucket;

  private constructor() {}

  /**
   * Starts the server before the suite and stops it after; gives each test its own bucket, named
   * from `prefix`, and proxy, stopped after the test. Call it in a `describe`.
   */
  static perTest(prefix: string): LocalBuckets {
    const buckets = new LocalBuckets();
    before(async () => {
      buckets.started = await LocalObjectStore.start();
    });
    after(async () => {
      await buckets.started?.stop();
    });
    beforeEach(async () => {
      const bucket = `${prefix}-${++bucketCount}`;
      await buckets.server.createBucket(bucket);
      buckets.current = { proxy: await S3FaultProxy.start(buckets.server.endpoint), bucket };
    });
    afterEach(async () => {
      const test = buckets.current;
      buckets.current = undefined;
      await test?.proxy.stop();
    });
    return buckets;
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
}
