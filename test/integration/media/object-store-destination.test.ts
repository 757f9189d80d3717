import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMedia, startSandbox, type Sandbox } from '../../../sandbox';
import { readManifests } from '../../../src/destinations/manifest-objects';
import {
  ObjectStoreDestination,
  type ObjectStoreDestinationOptions,
} from '../../../src/media/object-store-destination';
import { deletionIntent } from '../../../src/journal/deletion-log';
import { reconcileDeletions } from '../../../src/journal/reconciliation';
import type { Recording } from '../../../src/recordings/recording';
import type { TwilioApi } from '../../../src/twilio/twilio-api';
import { LOCAL_STORE_CREDENTIALS } from '../../support/object-store-server';
import { sha256Of, StoreWorld } from '../destinations/store-world';
import { allRecordings } from '../../unit/media/media-test-kit';
import { sandboxApi } from '../../support/sandbox-api';
import { MediaSaveError } from '../../../src/errors';

describe('ObjectStoreDestination with the sandbox and a local S3 server (integration)', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let api: TwilioApi;
  let recordings: Recording[];
  const world = StoreWorld.perTest();
  let spoolRoot: string;
  const opened: ObjectStoreDestination[] = [];

  before(async () => {
    sandbox = await startSandbox({
      recordings: { count: 6, statusMix: { completed: 1 }, maxDurationSeconds: 8 },
      subaccounts: 0,
    });
    api = sandboxApi(sandbox);
    recordings = await allRecordings(api);
  });
  after(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    spoolRoot = mkdtempSync(join(tmpdir(), 'spool-root-'));
    sandbox.resetCounters();
  });
  afterEach(async () => {
    for (const destination of opened.splice(0)) await destination.close().catch(() => undefined);
    rmSync(spoolRoot, { recursive: true, force: true });
  });

  async function open(options: Partial<ObjectStoreDestinationOptions> = {}): Promise<ObjectStoreDestination> {
    const destination = await ObjectStoreDestination.open({
      url: `s3://${world.bucket}/archive`,
      format: 'wav',
      layout: '{date}/{sid}.{ext}',
      api,
      s3: { connection: { endpoint: world.proxy.endpoint, credentials: LOCAL_STORE_CREDENTIALS, maxAttempts: 2 } },
      env: {},
      spoolRoot,
      ...options,
    });
    opened.push(destination);
    return destination;
  }

  const mediaOf = (recording: Recording) => expectedMedia(sandbox.store.getRecording(recording.sid)!, 'wav');
  const keyOf = (destination: ObjectStoreDestination, recording: Recording) =>
    `archive/${destination.plannedPath(recording)}`;

  async function manifestLines(): Promise<Array<Record<string, unknown>>> {
    const store = await world.open();
    const lines: Array<Record<string, unknown>> = [];
    for await (const line of readManifests(store)) lines.push(line);
    store.close();
    return lines;
  }

  it("stores the recording's bytes under the layout, with its metadata, and lists it in the run's manifest", async () => {
    const destination = await open();
    const recording = recordings[0]!;
    const saved = await destination.save(recording);
    await destination.close();
    const key = keyOf(destination, recording);
    expect(sha256Of(await world.bytesAt(key))).to.equal(mediaOf(recording).sha256);
    expect(saved).to.include({ outcome: 'downloaded', sha256: mediaOf(recording).sha256 });
    expect(saved.absolutePath).to.equal(`s3://${world.bucket}/${key}`);
    const head = await world.head(key);
    expect(head?.Metadata).to.include({
      sid: recording.sid,
      'account-sid': recording.accountSid,
      sha256: saved.sha256,
    });
    expect(head?.ContentType).to.equal('audio/x-wav');
    const downloaded = (await manifestLines()).filter((line) => line.event === 'downloaded');
    expect(downloaded).to.have.length(1);
    expect(downloaded[0]).to.include({ sid: recording.sid, path: saved.path, sha256: saved.sha256 });
  });

  it('finds what an earlier run stored by HEAD, fetching no media and uploading nothing', async () => {
    const first = await open();
    for (const recording of recordings) await first.save(recording);
    await first.close();
    sandbox.resetCounters();
    const putsBefore = world.proxy.count('PutObject');
    const second = await open();
    const outcomes = [];
    for (const recording of recordings) outcomes.push((await second.save(recording)).outcome);
    expect(outcomes).to.deep.equal(recordings.map(() => 'already-present'));
    expect(sandbox.counters.requests.media).to.equal(0);
    // The second run stores only its own manifest's first line.
    expect(world.proxy.count('PutObject') - putsBefore).to.equal(1);
  });

  it('stores again a recording the manifest lists but whose object is gone', async () => {
    const first = await open();
    const recording = recordings[1]!;
    await first.save(recording);
    await first.close();
    await world.server.client.send(new DeleteObjectCommand({ Bucket: world.bucket, Key: keyOf(first, recording) }));
    const second = await open();
    expect(await second.presentCopy(recording)).to.equal(undefined);
    expect((await second.save(recording)).outcome).to.equal('downloaded');
    expect(sha256Of(await world.bytesAt(keyOf(second, recording)))).to.equal(mediaOf(recording).sha256);
  });

  it('opened read-only, writes no manifest and refuses to save', async () => {
    const destination = await open({ readOnly: true });
    expect(await destination.presentCopy(recordings[0]!)).to.equal(undefined);
    const error = await destination.save(recordings[0]!).catch((thrown: unknown) => thrown);
    expect(error).to.be.instanceOf(Error);
    expect(world.proxy.count('PutObject')).to.equal(0);
    expect(await world.server.keys(world.bucket)).to.deep.equal([]);
  });

  it('fails a recording whose upload fails on every try, with no object, no manifest line and no spool file left', async () => {
    const recording = recordings[2]!;
    world.proxy.inject({
      operation: 'PutObject',
      nth: [1, 2],
      keyIncludes: recording.sid,
      fault: { kind: 'answer', status: 500, code: 'InternalError' },
    });
    const destination = await open();
    const error = await destination.save(recording).catch((thrown: unknown) => thrown);
    expect(error).to.be.instanceOf(MediaSaveError);
    expect((error as MediaSaveError).reason).to.match(/InternalError/);
    expect(await world.head(keyOf(destination, recording))).to.equal(undefined);
    expect((await manifestLines()).filter((line) => line.event === 'downloaded')).to.deep.equal([]);
    const spoolFolders = readdirSync(spoolRoot);
    expect(spoolFolders.flatMap((folder) => readdirSync(join(spoolRoot, folder)))).to.deep.equal([]);
  });

  it('sends an upload that failed once again from the spool, fetching the media from Twilio once', async () => {
    const recording = recordings[3]!;
    world.proxy.inject({ operation: 'PutObject', nth: [1], keyIncludes: recording.sid, fault: { kind: 'drop' } });
    const destination = await open();
    expect((await destination.save(recording)).outcome).to.equal('downloaded');
    expect(sandbox.counters.requests.media).to.equal(1);
    expect(sha256Of(await world.bytesAt(keyOf(destination, recording)))).to.equal(mediaOf(recording).sha256);
  });

  it("holds none of Twilio's slots while an upload waits on the store", async () => {
    const recording = recordings[4]!;
    world.proxy.inject({ operation: 'PutObject', nth: [1, 2], keyIncludes: recording.sid, fault: { kind: 'hold' } });
    const destination = await open();
    const saving = destination.save(recording).catch((thrown: unknown) => thrown);
    await world.proxy.nextHeld();
    expect(api.limiter.inFlight).to.equal(0);
    // The store stops answering for good: the held upload fails.
    await world.proxy.stop();
    expect(await saving).to.be.instanceOf(MediaSaveError);
  });

  it('removes the spool folder when closed', async () => {
    const destination = await open();
    await destination.save(recordings[5]!);
    expect(readdirSync(spoolRoot)).to.have.length(1);
    await destination.close();
    expect(readdirSync(spoolRoot)).to.deep.equal([]);
  });

  it('removes the spool folder a killed run left, and keeps that of a run still going', async () => {
    const killed = join(spoolRoot, 'twilio-recordings-spool-999999999-abc123');
    const running = join(spoolRoot, `twilio-recordings-spool-${process.pid}-def456`);
    for (const folder of [killed, running]) {
      mkdirSync(folder);
      writeFileSync(join(folder, 'RE-part'), 'RIFF');
    }
    await open();
    expect(existsSync(killed)).to.equal(false);
    expect(existsSync(join(running, 'RE-part'))).to.equal(true);
  });

  it("settles an earlier run's open deletion intent from the bucket's manifests, and stores the outcome there", async () => {
    const recording = recordings[0]!;
    const first = await open();
    await first.appendToManifest(deletionIntent(recording, new Date(), first.plannedPath(recording)));
    await first.close();
    sandbox.store.deleteRecording(recording.sid);
    const second = await open();
    const report = await reconcileDeletions({ api, log: second.manifestLog(), maxPending: 2 });
    await second.close();
    expect(report).to.include({ deleted: 1, notDeleted: 0, unsettled: 0 });
    const outcomes = (await manifestLines()).filter((line) => line.event === 'deleted');
    expect(outcomes).to.have.length(1);
    expect(outcomes[0]).to.include({ sid: recording.sid, reconciled: true });
  });
});
