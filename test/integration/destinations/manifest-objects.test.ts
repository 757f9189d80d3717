import { expect } from 'chai';
import { readManifests, RunManifest } from '../../../src/destinations/manifest-objects';
import { ObjectUploadError, type ObjectStore } from '../../../src/destinations/object-store';
import { ExitStatus, RecordingsError } from '../../../src/errors';
import { StoreWorld } from './store-world';

describe('Run manifests in the bucket (integration)', () => {
  const world = StoreWorld.perTest();
  let store: ObjectStore;

  beforeEach(async () => {
    store = await world.open();
  });

  async function allLines(): Promise<Array<Record<string, unknown>>> {
    const lines = [];
    for await (const line of readManifests(store)) lines.push(line);
    return lines;
  }

  it('starts a run by storing its first line, run-started', async () => {
    const manifest = await RunManifest.start(store, new Date('2026-01-01T00:00:00Z'));
    expect(await allLines()).to.deep.equal([
      { event: 'run-started', runId: manifest.runId, startedAt: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it('refuses to start a run where it may not write, with exit 2', async () => {
    world.proxy.inject({
      operation: 'PutObject',
      nth: [1],
      fault: { kind: 'answer', status: 403, code: 'AccessDenied' },
    });
    const error = await RunManifest.start(store).catch((thrown: RecordingsError) => thrown);
    expect(error).to.be.instanceOf(RecordingsError);
    expect((error as RecordingsError).exitStatus).to.equal(ExitStatus.BadInput);
  });

  it('stores a line before append resolves', async () => {
    const manifest = RunManifest.create(store);
    await manifest.append({ event: 'downloaded', sid: 'RE1' });
    expect(await allLines()).to.deep.equal([{ event: 'downloaded', sid: 'RE1' }]);
  });

  it('puts lines appended together into one segment', async () => {
    const manifest = RunManifest.create(store);
    await Promise.all(Array.from({ length: 10 }, (_, index) => manifest.append({ index })));
    expect(world.proxy.count('PutObject')).to.equal(1);
    expect((await allLines()).map((line) => line.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stores several segments at once, and a line appended after another resolved in a later segment', async () => {
    const manifest = RunManifest.create(store);
    const held = world.proxy.nextHeld();
    world.proxy.inject({ operation: 'PutObject', nth: [1], fault: { kind: 'hold' } });
    // The first segment never gets an answer; the next ones are stored meanwhile, in order.
    void manifest.append({ index: 0 }).catch(() => undefined);
    await held;
    await manifest.append({ index: 1 });
    await manifest.append({ index: 2 });
    expect((await allLines()).map((line) => line.index)).to.deep.equal([1, 2]);
    const keys = await world.server.keys(world.bucket);
    expect(keys.map((key) => key.slice(-15))).to.deep.equal(['000000002.jsonl', '000000003.jsonl']);
  });

  it("reads every run's lines, earlier runs first", async () => {
    const later = RunManifest.create(store, new Date('2026-02-01T00:00:00Z'));
    const earlier = RunManifest.create(store, new Date('2026-01-01T00:00:00Z'));
    await later.append({ run: 'later', line: 1 });
    await earlier.append({ run: 'earlier', line: 1 });
    await later.append({ run: 'later', line: 2 });
    expect(await allLines()).to.deep.equal([
      { run: 'earlier', line: 1 },
      { run: 'later', line: 1 },
      { run: 'later', line: 2 },
    ]);
  });

  it('keeps the manifests under .manifests/ beside the objects, one folder per run', async () => {
    const manifest = RunManifest.create(store, new Date('2026-01-01T00:00:00Z'));
    await manifest.append({ event: 'run-started' });
    expect(await world.server.keys(world.bucket)).to.deep.equal([
      `archive/.manifests/${manifest.runId}/000000001.jsonl`,
    ]);
    expect(manifest.runId).to.match(/^20260101T000000000Z-[0-9a-f]{8}$/);
  });

  it('rejects the lines of a segment the store took with other bytes than were sent', async () => {
    world.proxy.inject({ operation: 'PutObject', nth: [1], fault: { kind: 'corrupt' } });
    const manifest = RunManifest.create(store);
    const error = await manifest.append({ event: 'delete-intent', sid: 'RE1' }).catch((thrown: Error) => thrown);
    expect(error).to.be.instanceOf(ObjectUploadError);
    expect((error as ObjectUploadError).reason).to.match(/MD5 other than that of the bytes sent/);
  });

  it('rejects the lines of a segment the store refused, and every later append', async () => {
    world.proxy.inject({
      operation: 'PutObject',
      nth: [1, 2, 3, 4],
      fault: { kind: 'answer', status: 403, code: 'AccessDenied' },
    });
    const manifest = RunManifest.create(store);
    const first = await manifest.append({ line: 1 }).catch((error: Error) => error);
    const later = await manifest.append({ line: 2 }).catch((error: Error) => error);
    expect(first).to.be.instanceOf(Error);
    expect(later).to.equal(first);
    expect(await world.server.keys(world.bucket)).to.deep.equal([]);
  });
});
