import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectUploadError, type ObjectStore } from '../../../src/destinations/object-store';
import { LocalObjectStore } from '../../support/object-store-server';
import { bytesOf, expectedFor, PART_BYTES, sha256Of, StoreWorld } from './store-world';

describe('ObjectStore.putFile against a local S3 server (integration)', () => {
  let server: LocalObjectStore;
  let world: StoreWorld;
  let store: ObjectStore;
  let folder: string;

  before(async () => {
    server = await LocalObjectStore.start();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    world = await StoreWorld.create(server);
    store = await world.open();
    folder = mkdtempSync(join(tmpdir(), 'put-file-'));
  });
  afterEach(async () => {
    store.close();
    await world.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  function fileOf(bytes: Buffer): string {
    const path = join(folder, `body-${sha256Of(bytes).slice(0, 8)}`);
    writeFileSync(path, bytes);
    return path;
  }

  async function failedPutFile(name: string, bytes: Buffer, expected = expectedFor(bytes)): Promise<ObjectUploadError> {
    const error = await store.putFile(name, fileOf(bytes), expected).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).to.be.instanceOf(ObjectUploadError);
    return error as ObjectUploadError;
  }

  it('stores a small file in one PUT with the same bytes', async () => {
    const bytes = bytesOf(300 * 1024);
    const stored = await store.putFile('RE1.wav', fileOf(bytes), expectedFor(bytes));
    expect(stored).to.include({ key: 'archive/RE1.wav', bytes: bytes.length, outcome: 'uploaded' });
    expect((await world.bytesAt('archive/RE1.wav')).equals(bytes)).to.equal(true);
    expect(world.proxy.count('PutObject')).to.equal(1);
  });

  it('stores a file above the part size in parts, with the same bytes and its SHA-256 in the metadata', async () => {
    const bytes = bytesOf(2 * PART_BYTES + 123_457, 2);
    await store.putFile('big.wav', fileOf(bytes), expectedFor(bytes));
    expect(world.proxy.count('UploadPart')).to.equal(3);
    expect((await world.bytesAt('archive/big.wav')).equals(bytes)).to.equal(true);
    expect((await world.head('archive/big.wav'))?.Metadata?.sha256).to.equal(sha256Of(bytes));
  });

  it('sends a part again from the file after the store answered 500, and completes the object', async () => {
    world.proxy.inject({
      operation: 'UploadPart',
      nth: [2],
      fault: { kind: 'answer', status: 500, code: 'InternalError' },
    });
    const bytes = bytesOf(2 * PART_BYTES + 10, 4);
    await store.putFile('big.wav', fileOf(bytes), expectedFor(bytes));
    expect(world.proxy.count('UploadPart')).to.equal(4);
    expect((await world.bytesAt('archive/big.wav')).equals(bytes)).to.equal(true);
  });

  it('sends a single PUT again after the connection dropped mid-body', async () => {
    world.proxy.inject({ operation: 'PutObject', nth: [1], fault: { kind: 'drop' } });
    const bytes = bytesOf(700 * 1024, 5);
    await store.putFile('RE1.wav', fileOf(bytes), expectedFor(bytes));
    expect(world.proxy.count('PutObject')).to.equal(2);
    expect((await world.bytesAt('archive/RE1.wav')).equals(bytes)).to.equal(true);
  });

  it('fails a part that fails on every try, aborting the upload and storing nothing', async () => {
    world.proxy.inject({
      operation: 'UploadPart',
      nth: [1, 2, 3, 4],
      keyIncludes: 'big.wav',
      fault: { kind: 'answer', status: 503, code: 'SlowDown' },
    });
    const bytes = bytesOf(2 * PART_BYTES, 6);
    const error = await failedPutFile('big.wav', bytes);
    expect(error.reason).to.match(/SlowDown/);
    expect(world.proxy.count('AbortMultipartUpload')).to.equal(1);
    expect(await world.head('archive/big.wav')).to.equal(undefined);
    expect(await server.hasUploadsInProgress(world.bucket)).to.equal(false);
  });

  it('fails a part the store took with other bytes than were sent, without sending it again', async () => {
    world.proxy.inject({ operation: 'UploadPart', nth: [1], fault: { kind: 'corrupt' } });
    const bytes = bytesOf(2 * PART_BYTES, 7);
    const error = await failedPutFile('big.wav', bytes);
    expect(error.reason).to.match(/MD5 other than that of the bytes sent/);
    expect(world.proxy.count('UploadPart')).to.equal(2);
    expect(await world.head('archive/big.wav')).to.equal(undefined);
    expect(await server.hasUploadsInProgress(world.bucket)).to.equal(false);
  });

  it('refuses a file whose SHA-256 is not the expected one before sending anything', async () => {
    const bytes = bytesOf(1024, 8);
    const error = await failedPutFile('RE1.wav', bytes, { sha256: sha256Of(bytesOf(10)), size: bytes.length });
    expect(error.reason).to.match(/do not have the SHA-256/);
    expect(world.proxy.count('PutObject')).to.equal(0);
  });
});
