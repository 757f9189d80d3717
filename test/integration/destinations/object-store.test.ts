import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingObjectMetadata } from '../../../src/destinations/object-metadata';
import { ObjectUploadError, type ObjectSource, type ObjectStore } from '../../../src/destinations/object-store';
import { LOCAL_STORE_CREDENTIALS } from '../../support/object-store-server';
import { aRecording } from '../../unit/recording-fixture';
import { bytesOf, expectedFor, PART_BYTES, sha256Of, StoreWorld } from './store-world';

describe('ObjectStore against a local S3 server (integration)', () => {
  const world = StoreWorld.perTest();
  let store: ObjectStore;
  let folder: string;

  beforeEach(async () => {
    store = await world.open();
    folder = mkdtempSync(join(tmpdir(), 'object-source-'));
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  /** The bytes as the destination hands them over: held in memory, or in a spool file. */
  function sourceOf(kind: 'memory' | 'file', bytes: Buffer): ObjectSource {
    if (kind === 'memory') return bytes;
    const path = join(folder, `body-${sha256Of(bytes).slice(0, 8)}`);
    writeFileSync(path, bytes);
    return { path };
  }

  /** Puts and expects a rejection; the error, for the test to check. */
  async function failedPut(
    name: string,
    source: ObjectSource,
    expected = expectedFor(Buffer.isBuffer(source) ? source : Buffer.alloc(0)),
    signal?: AbortSignal,
  ): Promise<ObjectUploadError> {
    const error = await store.put(name, source, expected, signal).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).to.be.instanceOf(ObjectUploadError);
    return error as ObjectUploadError;
  }

  for (const kind of ['memory', 'file'] as const) {
    describe(`storing from ${kind}`, () => {
      it('stores a small body in one PUT with the same bytes under the prefix, and asks nothing more', async () => {
        const bytes = bytesOf(300 * 1024);
        const stored = await store.put('2026-01-14/RE1.wav', sourceOf(kind, bytes), expectedFor(bytes));
        expect(stored).to.include({ key: 'archive/2026-01-14/RE1.wav', bytes: bytes.length, outcome: 'uploaded' });
        expect((await world.bytesAt('archive/2026-01-14/RE1.wav')).equals(bytes)).to.equal(true);
        expect(world.proxy.seen.map((seen) => seen.operation)).to.deep.equal(['ListObjectsV2', 'PutObject']);
      });

      it("keeps the recording's metadata and the bytes' SHA-256 on the object", async () => {
        const bytes = bytesOf(1024);
        const metadata = recordingObjectMetadata(
          aRecording({ sid: 'RE00000000000000000000000000000001' }),
          sha256Of(bytes),
        );
        await store.put('RE1.wav', sourceOf(kind, bytes), expectedFor(bytes, metadata));
        const head = await world.head('archive/RE1.wav');
        expect(head?.Metadata).to.deep.equal(metadata);
        expect(head?.Metadata?.sha256).to.equal(sha256Of(bytes));
      });

      it('stores a body above the part size in parts, with the same bytes, confirmed by a HEAD', async () => {
        const bytes = bytesOf(2 * PART_BYTES + 123_457, 2);
        await store.put('big.wav', sourceOf(kind, bytes), expectedFor(bytes));
        expect(world.proxy.count('UploadPart')).to.equal(3);
        expect(world.proxy.count('CompleteMultipartUpload')).to.equal(1);
        expect(world.proxy.count('HeadObject')).to.equal(1);
        expect((await world.bytesAt('archive/big.wav')).equals(bytes)).to.equal(true);
      });

      it('refuses bytes whose SHA-256 is not the expected one before sending anything', async () => {
        const bytes = bytesOf(2 * PART_BYTES, 3);
        const error = await failedPut('big.wav', sourceOf(kind, bytes), {
          sha256: sha256Of(bytesOf(10)),
          size: bytes.length,
        });
        expect(error.reason).to.match(/do not have the SHA-256/);
        expect(world.proxy.count('CreateMultipartUpload') + world.proxy.count('PutObject')).to.equal(0);
      });

      it('refuses more bytes than announced before sending anything', async () => {
        const bytes = bytesOf(PART_BYTES + 10, 4);
        const error = await failedPut('big.wav', sourceOf(kind, bytes), {
          sha256: sha256Of(bytes),
          size: PART_BYTES + 5,
        });
        expect(error.reason).to.match(/more bytes arrived/);
        expect(await world.head('archive/big.wav')).to.equal(undefined);
      });

      it('sends a part again after the store answered 500, and completes the object', async () => {
        world.proxy.inject({
          operation: 'UploadPart',
          nth: [2],
          fault: { kind: 'answer', status: 500, code: 'InternalError' },
        });
        const bytes = bytesOf(2 * PART_BYTES + 10, 5);
        await store.put('big.wav', sourceOf(kind, bytes), expectedFor(bytes));
        expect(world.proxy.count('UploadPart')).to.equal(4);
        expect((await world.bytesAt('archive/big.wav')).equals(bytes)).to.equal(true);
      });

      it('fails a part that fails on every try, aborting the upload and storing nothing', async () => {
        world.proxy.inject({
          operation: 'UploadPart',
          nth: [1, 2, 3, 4],
          keyIncludes: 'big.wav',
          fault: { kind: 'answer', status: 503, code: 'SlowDown' },
        });
        const error = await failedPut(
          'big.wav',
          sourceOf(kind, bytesOf(2 * PART_BYTES, 6)),
          expectedFor(bytesOf(2 * PART_BYTES, 6)),
        );
        expect(error.reason).to.match(/SlowDown/);
        expect(world.proxy.count('AbortMultipartUpload')).to.equal(1);
        expect(await world.head('archive/big.wav')).to.equal(undefined);
        expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
      });

      it('sends a single PUT again after the connection dropped mid-body', async () => {
        world.proxy.inject({ operation: 'PutObject', nth: [1], fault: { kind: 'drop' } });
        const bytes = bytesOf(700 * 1024, 7);
        await store.put('RE1.wav', sourceOf(kind, bytes), expectedFor(bytes));
        expect(world.proxy.count('PutObject')).to.equal(2);
        expect((await world.bytesAt('archive/RE1.wav')).equals(bytes)).to.equal(true);
      });

      it('fails a single PUT whose connection keeps dropping, and leaves no object', async () => {
        world.proxy.inject({ operation: 'PutObject', nth: [1, 2], fault: { kind: 'drop' } });
        const bytes = bytesOf(4096, 8);
        await failedPut('RE1.wav', sourceOf(kind, bytes), expectedFor(bytes));
        expect(await world.head('archive/RE1.wav')).to.equal(undefined);
      });

      it('fails a part the store took with other bytes than were sent, and leaves no object and no upload', async () => {
        world.proxy.inject({ operation: 'UploadPart', nth: [1], fault: { kind: 'corrupt' } });
        const bytes = bytesOf(2 * PART_BYTES, 9);
        const error = await failedPut('big.wav', sourceOf(kind, bytes), expectedFor(bytes));
        expect(error.reason).to.match(/MD5 other than that of the bytes sent|BadDigest/);
        expect(await world.head('archive/big.wav')).to.equal(undefined);
        expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
      });

      it('fails a single PUT whose bytes changed on the way', async () => {
        world.proxy.inject({ operation: 'PutObject', nth: [1], fault: { kind: 'corrupt' } });
        const bytes = bytesOf(4096, 10);
        const error = await failedPut('RE1.wav', sourceOf(kind, bytes), expectedFor(bytes));
        expect(error.reason).to.match(/MD5 other than that of the bytes sent|BadDigest/);
      });

      it('stops an upload held up by a store that does not answer, and leaves no object and no upload', async () => {
        world.proxy.inject({ operation: 'UploadPart', nth: [2], fault: { kind: 'hold' } });
        const stop = new AbortController();
        void world.proxy.nextHeld().then(() => stop.abort());
        const bytes = bytesOf(3 * PART_BYTES, 11);
        const error = await failedPut('big.wav', sourceOf(kind, bytes), expectedFor(bytes), stop.signal);
        expect(error.reason).to.equal('stopped');
        expect(await world.head('archive/big.wav')).to.equal(undefined);
        expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(false);
      });

      it('gives up a PUT the store never answers once its connection has been idle on every try', async () => {
        const idle = await world.open({
          connection: {
            endpoint: world.proxy.endpoint,
            credentials: LOCAL_STORE_CREDENTIALS,
            maxAttempts: 2,
            idleTimeoutMs: 500,
          },
        });
        world.proxy.inject({ operation: 'PutObject', nth: [1, 2], fault: { kind: 'hold' } });
        const bytes = bytesOf(4096, 12);
        const error = await idle
          .put('RE1.wav', sourceOf(kind, bytes), expectedFor(bytes))
          .catch((thrown: unknown) => thrown);
        expect(error).to.be.instanceOf(ObjectUploadError);
        expect(world.proxy.count('PutObject')).to.equal(2);
        expect(await world.head('archive/RE1.wav')).to.equal(undefined);
      });
    });
  }

  it('signs a PUT from memory with the SHA-256 the media checks computed, for the store to check', async () => {
    const bytes = bytesOf(4096, 14);
    await store.put('RE1.wav', bytes, expectedFor(bytes));
    const put = world.proxy.seen.find((seen) => seen.operation === 'PutObject');
    expect(put?.headers['x-amz-content-sha256']).to.equal(sha256Of(bytes));
  });

  it('fails when the file to store cannot be read, sending nothing', async () => {
    const bytes = bytesOf(1024);
    const error = await failedPut('RE1.wav', { path: join(folder, 'gone') }, expectedFor(bytes));
    expect(error.reason).to.match(/^the file to store could not be read \(.*ENOENT/);
    expect(world.proxy.count('PutObject')).to.equal(0);
  });

  it('confirms a single PUT by a HEAD when the store answers with an ETag of its own making', async () => {
    world.proxy.inject({ operation: 'PutObject', nth: [1], fault: { kind: 'etag', etag: '"store-made-etag"' } });
    const bytes = bytesOf(2048, 13);
    await store.put('RE1.wav', bytes, expectedFor(bytes));
    expect(world.proxy.count('HeadObject')).to.equal(1);
  });

  describe('finding what is already stored', () => {
    it('finds a stored object by HEAD, without fetching it', async () => {
      const bytes = bytesOf(2048);
      await store.put('RE1.wav', bytes, expectedFor(bytes));
      const found = await store.has('RE1.wav', { sha256: sha256Of(bytes), size: bytes.length });
      expect(found).to.include({ key: 'archive/RE1.wav', outcome: 'already-present' });
      expect(world.proxy.count('GetObject')).to.equal(0);
    });

    it('does not count an object with another SHA-256 as stored', async () => {
      const bytes = bytesOf(2048);
      await store.put('RE1.wav', bytes, expectedFor(bytes));
      expect(await store.has('RE1.wav', { sha256: sha256Of(bytesOf(2048, 9)) })).to.equal(undefined);
    });

    it('does not count a missing object as stored', async () => {
      expect(await store.has('RE2.wav', { sha256: sha256Of(bytesOf(1)) })).to.equal(undefined);
    });
  });

  describe('cleaning up after a killed run', () => {
    it('can tell an upload left in progress (the check the tests above rely on)', async () => {
      await world.server.client.send(
        new CreateMultipartUploadCommand({ Bucket: world.bucket, Key: 'archive/left.wav' }),
      );
      expect(await world.server.hasUploadsInProgress(world.bucket)).to.equal(true);
    });

    it('says when the store cannot list multipart uploads, rather than claim there were none', async () => {
      // The local server answers ListMultipartUploads with a listing of objects.
      const cleanUp = await store.abortIncompleteUploads();
      expect(cleanUp).to.deep.equal({ aborted: 0, unsupported: true });
    });
  });
});
