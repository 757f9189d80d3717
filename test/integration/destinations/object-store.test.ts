import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { recordingObjectMetadata } from '../../../src/destinations/object-metadata';
import { ObjectUploadError, type ObjectStore } from '../../../src/destinations/object-store';
import { aRecording } from '../../unit/recording-fixture';
import { bytesOf, chunksOf, expectedFor, PART_BYTES, sha256Of, StoreWorld } from './store-world';

describe('ObjectStore against a local S3 server (integration)', () => {
  const world = StoreWorld.perTest();
  let store: ObjectStore;

  beforeEach(async () => {
    store = await world.open();
  });

  /** Puts and expects a rejection; the reason, for the test to check. */
  async function failedPut(
    name: string,
    bytes: Buffer,
    signal?: AbortSignal,
    expected = expectedFor(bytes),
  ): Promise<ObjectUploadError> {
    const error = await store.put(name, chunksOf(bytes), expected, signal).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).to.be.instanceOf(ObjectUploadError);
    return error as ObjectUploadError;
  }

  describe('storing', () => {
    it('stores a small body in one PUT with the same bytes under the prefix', async () => {
      const bytes = bytesOf(300 * 1024);
      const stored = await store.put('2026-01-14/RE1.wav', chunksOf(bytes), expectedFor(bytes));
      expect(stored).to.include({ key: 'archive/2026-01-14/RE1.wav', bytes: bytes.length, outcome: 'uploaded' });
      expect(sha256Of(await world.bytesAt('archive/2026-01-14/RE1.wav'))).to.equal(sha256Of(bytes));
      expect(world.proxy.count('PutObject')).to.equal(1);
    });

    it("keeps the recording's metadata and the bytes' SHA-256 on the object", async () => {
      const bytes = bytesOf(1024);
      const metadata = recordingObjectMetadata(
        aRecording({ sid: 'RE00000000000000000000000000000001' }),
        sha256Of(bytes),
      );
      await store.put('RE1.wav', chunksOf(bytes), expectedFor(bytes, metadata));
      const head = await world.head('archive/RE1.wav');
      expect(head?.Metadata).to.deep.equal(metadata);
      expect(head?.Metadata?.sha256).to.equal(sha256Of(bytes));
    });

    it('stores a body above the part size in parts, with the same bytes', async () => {
      const bytes = bytesOf(2 * PART_BYTES + 123_457, 2);
      await store.put('big.wav', chunksOf(bytes), expectedFor(bytes));
      expect(world.proxy.count('UploadPart')).to.equal(3);
      expect(world.proxy.count('CompleteMultipartUpload')).to.equal(1);
      expect((await world.bytesAt('archive/big.wav')).equals(bytes)).to.equal(true);
    });

    it('refuses bytes whose SHA-256 is not the expected one, storing nothing', async () => {
      const bytes = bytesOf(2 * PART_BYTES, 3);
      const error = await failedPut('big.wav', bytes, undefined, { sha256: sha256Of(bytesOf(10)), size: bytes.length });
      expect(error.reason).to.match(/do not have the SHA-256/);
      expect(await world.head('archive/big.wav')).to.equal(undefined);
      expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
    });

    it('refuses a body longer than announced, storing nothing', async () => {
      const bytes = bytesOf(PART_BYTES + 10, 4);
      const error = await failedPut('big.wav', bytes, undefined, { sha256: sha256Of(bytes), size: PART_BYTES + 5 });
      expect(error.reason).to.match(/more bytes arrived/);
      expect(await world.head('archive/big.wav')).to.equal(undefined);
    });
  });

  it('fails when the bytes stop arriving mid-object, and leaves no object and no upload', async () => {
    const bytes = bytesOf(3 * PART_BYTES, 13);
    async function* broken(): AsyncGenerator<Buffer> {
      yield* chunksOf(bytes.subarray(0, 2 * PART_BYTES));
      throw new Error('the connection to Twilio broke');
    }
    const error = (await store
      .put('big.wav', broken(), expectedFor(bytes))
      .catch((thrown: unknown) => thrown)) as ObjectUploadError;
    expect(error).to.be.instanceOf(ObjectUploadError);
    expect(error.reason).to.equal('the bytes to store stopped arriving (the connection to Twilio broke)');
    expect(await world.head('archive/big.wav')).to.equal(undefined);
    expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
  });

  describe('finding what is already stored', () => {
    it('finds a stored object by HEAD, without fetching it', async () => {
      const bytes = bytesOf(2048);
      await store.put('RE1.wav', chunksOf(bytes), expectedFor(bytes));
      const found = await store.has('RE1.wav', { sha256: sha256Of(bytes), size: bytes.length });
      expect(found).to.include({ key: 'archive/RE1.wav', outcome: 'already-present' });
      expect(world.proxy.count('GetObject')).to.equal(0);
    });

    it('does not count an object with another SHA-256 as stored', async () => {
      const bytes = bytesOf(2048);
      await store.put('RE1.wav', chunksOf(bytes), expectedFor(bytes));
      expect(await store.has('RE1.wav', { sha256: sha256Of(bytesOf(2048, 9)) })).to.equal(undefined);
    });

    it('does not count a missing object as stored', async () => {
      expect(await store.has('RE2.wav', { sha256: sha256Of(bytesOf(1)) })).to.equal(undefined);
    });
  });

  describe('store faults', () => {
    it('can tell an upload left in progress (the check the tests below rely on)', async () => {
      await world.server.client.send(
        new CreateMultipartUploadCommand({ Bucket: world.bucket, Key: 'archive/left.wav' }),
      );
      expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(true);
    });

    it('retries a part the store answered with a 500, and stores the same bytes', async () => {
      world.proxy.inject({
        operation: 'UploadPart',
        nth: [2],
        fault: { kind: 'answer', status: 500, code: 'InternalError' },
      });
      const bytes = bytesOf(2 * PART_BYTES + 1, 5);
      await store.put('big.wav', chunksOf(bytes), expectedFor(bytes));
      expect((await world.bytesAt('archive/big.wav')).equals(bytes)).to.equal(true);
    });

    it('fails a part the store keeps answering with a 500, and leaves no object and no upload', async () => {
      world.proxy.inject({
        operation: 'UploadPart',
        nth: [2, 3, 4],
        fault: { kind: 'answer', status: 500, code: 'InternalError' },
      });
      const error = await failedPut('big.wav', bytesOf(3 * PART_BYTES, 6));
      expect(error.reason).to.match(/InternalError \(HTTP 500\)/);
      expect(world.proxy.count('AbortMultipartUpload')).to.equal(1);
      expect(await world.head('archive/big.wav')).to.equal(undefined);
      expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
    });

    it('retries a part whose connection dropped mid-upload, and stores the same bytes', async () => {
      world.proxy.inject({ operation: 'UploadPart', nth: [1], fault: { kind: 'drop' } });
      const bytes = bytesOf(PART_BYTES + 77, 7);
      await store.put('big.wav', chunksOf(bytes), expectedFor(bytes));
      expect((await world.bytesAt('archive/big.wav')).equals(bytes)).to.equal(true);
    });

    it('fails when the connection keeps dropping mid-upload, and leaves no object and no upload', async () => {
      world.proxy.inject({ operation: 'UploadPart', nth: [1, 2, 3, 4], fault: { kind: 'drop' } });
      await failedPut('big.wav', bytesOf(PART_BYTES + 77, 8));
      expect(await world.head('archive/big.wav')).to.equal(undefined);
      expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
    });

    it('fails a single PUT whose connection keeps dropping, and leaves no object', async () => {
      world.proxy.inject({ operation: 'PutObject', nth: [1, 2], fault: { kind: 'drop' } });
      await failedPut('RE1.wav', bytesOf(4096));
      expect(await world.head('archive/RE1.wav')).to.equal(undefined);
    });

    it('fails a part whose bytes changed on the way, and leaves no object and no upload', async () => {
      world.proxy.inject({ operation: 'UploadPart', nth: [2], fault: { kind: 'corrupt' } });
      const error = await failedPut('big.wav', bytesOf(2 * PART_BYTES + 9, 10));
      expect(error.reason).to.match(/MD5 other than that of the bytes sent/);
      expect(await world.head('archive/big.wav')).to.equal(undefined);
      expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
    });

    it('fails a single PUT whose bytes changed on the way', async () => {
      world.proxy.inject({ operation: 'PutObject', nth: [1], fault: { kind: 'corrupt' } });
      const error = await failedPut('RE1.wav', bytesOf(4096));
      expect(error.reason).to.match(/MD5 other than that of the bytes sent/);
    });

    it('stops an upload held up by a store that does not answer, and leaves no object and no upload', async () => {
      world.proxy.inject({ operation: 'UploadPart', nth: [2], fault: { kind: 'hold' } });
      const stop = new AbortController();
      void world.proxy.nextHeld().then(() => stop.abort());
      const error = await failedPut('big.wav', bytesOf(3 * PART_BYTES, 11), stop.signal);
      expect(error.reason).to.equal('stopped');
      expect(await world.head('archive/big.wav')).to.equal(undefined);
      expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
    });
  });

  describe('memory', () => {
    it('reads a large body no further ahead than the parts in flight', async () => {
      const partsAhead = 2 /* uploads at once */ + 1; /* the part being read */
      const chunk = bytesOf(256 * 1024, 12);
      const total = 12 * PART_BYTES;
      let produced = 0;
      let mostAhead = 0;
      async function* body(): AsyncGenerator<Buffer> {
        while (produced < total) {
          mostAhead = Math.max(mostAhead, produced - world.proxy.bytesAnswered);
          produced += chunk.length;
          yield chunk;
        }
      }
      const whole = Buffer.concat(Array.from({ length: total / chunk.length }, () => chunk));
      await store.put('long.wav', body(), expectedFor(whole));
      expect(mostAhead).to.be.at.most(partsAhead * PART_BYTES);
      expect(world.proxy.count('UploadPart')).to.equal(12);
    });
  });

  describe('cleaning up after a killed run', () => {
    it('says when the store cannot list multipart uploads, rather than claim there were none', async () => {
      // The local server answers ListMultipartUploads with a listing of objects.
      const cleanUp = await store.abortIncompleteUploads();
      expect(cleanUp).to.deep.equal({ aborted: 0, unsupported: true });
    });
  });
});
