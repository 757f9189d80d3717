import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { readManifests, RunManifest } from '../../../src/destinations/manifest-objects';
import { ObjectStore } from '../../../src/destinations/object-store';
import { parseS3Url } from '../../../src/destinations/s3-url';
import { ExitStatus, RecordingsError } from '../../../src/errors';
import { ObjectStoreDestination } from '../../../src/media/object-store-destination';
import { deletionIntent } from '../../../src/journal/deletion-log';
import { objectStoreArchive } from '../../../src/purge/object-store-archive';
import { executePurge } from '../../../src/purge/purge-executor';
import type { PurgeArchive } from '../../../src/purge/purge';
import { openIntents, reconcileDeletions } from '../../../src/journal/reconciliation';
import { buildCriteria } from '../../../src/selection/criteria';
import type { TwilioApi } from '../../../src/twilio/twilio-api';
import { LOCAL_STORE_CREDENTIALS } from '../../support/object-store-server';
import { aRecording } from '../../unit/recording-fixture';
import { sandboxApi } from '../../support/sandbox-api';
import { StoreWorld } from '../destinations/store-world';
import { WriteAheadDeleter } from '../../../src/journal/write-ahead-deleter';
import { DAY } from '../../support/time';

describe('A purge archive in an object store (integration)', () => {
  const world = StoreWorld.perTest();
  let sandbox: Sandbox;
  let api: TwilioApi;
  const now = new Date();
  const criteria = buildCriteria({ olderThan: '30d' }, now);

  beforeEach(async () => {
    sandbox = await startSandbox({ subaccounts: 0 });
    api = sandboxApi(sandbox);
  });
  afterEach(async () => {
    await sandbox.close();
  });

  function addOld(count: number): string[] {
    return Array.from(
      { length: count },
      (_, i) => sandbox.store.addRecording({ dateCreated: now.getTime() - (40 + i) * DAY, status: 'completed' }).sid,
    );
  }

  const storeOptions = () => ({
    connection: { endpoint: world.proxy.endpoint, credentials: LOCAL_STORE_CREDENTIALS, maxAttempts: 2 },
    env: {},
  });

  function archiveAt(url = `s3://${world.bucket}/archive`): PurgeArchive {
    return objectStoreArchive({
      url,
      store: storeOptions(),
      openDestination: (store) =>
        ObjectStoreDestination.open({ url, format: 'wav', layout: '{sid}.{ext}', api, store, env: {} }),
    });
  }

  /** Every line of the bucket's manifests, read straight from the server. */
  async function bucketLines(): Promise<Array<Record<string, unknown>>> {
    const store = await ObjectStore.open({
      location: parseS3Url(`s3://${world.bucket}/archive`),
      connection: { endpoint: world.server.endpoint, credentials: LOCAL_STORE_CREDENTIALS },
      env: {},
    });
    const lines = [];
    for await (const line of readManifests(store)) lines.push(line);
    store.close();
    return lines;
  }

  async function purgeWith(archive: PurgeArchive, purgeApi: TwilioApi = api) {
    const session = await archive.open();
    const deleter = new WriteAheadDeleter(session.deletionLog);
    await deleter.start('purge');
    try {
      return await executePurge({ api: purgeApi, criteria, deleter, archive: session.save, maxPending: 4 });
    } finally {
      await session.close();
    }
  }

  it('has each intent in a stored manifest object, and the object stored, before its DELETE is sent', async () => {
    const sids = addOld(6);
    const seenAtDelete: Array<{ sid: string; intent: boolean; object: boolean }> = [];
    const watched = Object.create(api) as TwilioApi;
    watched.delete = async (path, stop) => {
      const sid = /RE[0-9a-f]{32}/.exec(path)![0];
      const lines = await bucketLines();
      const intent = lines.some((line) => line.event === 'delete-intent' && line.sid === sid);
      const object = (await world.head(`archive/${sid}.wav`)) !== undefined;
      seenAtDelete.push({ sid, intent, object });
      return api.delete(path, stop);
    };
    const tally = await purgeWith(archiveAt(), watched);
    expect(tally.total.deleted.count).to.equal(6);
    expect(seenAtDelete.map((seen) => seen.sid)).to.have.members(sids);
    for (const seen of seenAtDelete) expect(seen, seen.sid).to.deep.include({ intent: true, object: true });
    const lines = await bucketLines();
    expect(await openIntents(lines as never)).to.deep.equal([]);
    expect(lines.filter((line) => line.event === 'deleted').map((line) => line.sid)).to.have.members(sids);
  });

  it('never deletes a recording whose upload failed or was cut off, and deletes the others', async () => {
    const sids = addOld(5);
    const always = Array.from({ length: 20 }, (_, i) => i + 1);
    world.proxy.inject(
      {
        operation: 'PutObject',
        keyIncludes: sids[1],
        nth: always,
        fault: { kind: 'answer', status: 500, code: 'InternalError' },
      },
      { operation: 'PutObject', keyIncludes: sids[3], nth: always, fault: { kind: 'drop' } },
    );
    const tally = await purgeWith(archiveAt());
    const statuses = sids.map((sid) => sandbox.store.getRecording(sid)!.status);
    expect(statuses).to.deep.equal(['deleted', 'completed', 'deleted', 'completed', 'deleted']);
    expect(Object.keys(sandbox.counters.deletesPerSid)).to.have.members([sids[0], sids[2], sids[4]]);
    expect(tally.total.failed).to.equal(2);
    for (const sid of [sids[1], sids[3]]) expect(await world.head(`archive/${sid}.wav`)).to.equal(undefined);
    const lines = await bucketLines();
    expect(lines.filter((line) => line.event === 'delete-intent').map((line) => line.sid)).to.have.members([
      sids[0],
      sids[2],
      sids[4],
    ]);
  });

  it('settles the open intents an interrupted run left in the bucket, recording the outcomes in a run of their own', async () => {
    const [gone, kept] = addOld(2);
    await api.delete(`/2010-04-01/Accounts/${sandbox.account.sid}/Recordings/${gone}.json`);
    const store = await world.open();
    const earlier = await RunManifest.start(store);
    const at = new Date();
    await earlier.append(deletionIntent(aRecording({ sid: gone, accountSid: sandbox.account.sid }), at, `${gone}.wav`));
    await earlier.append(deletionIntent(aRecording({ sid: kept, accountSid: sandbox.account.sid }), at, `${kept}.wav`));
    store.close();

    const archive = archiveAt();
    await archive.check();
    const report = await reconcileDeletions({ api, log: archive.deletionLog, maxPending: 2 });
    expect(report).to.deep.include({ deleted: 1, notDeleted: 1, unsettled: 0 });
    expect(report!.path).to.equal(`s3://${world.bucket}/archive/.manifests/`);
    const lines = await bucketLines();
    expect(await openIntents(lines as never)).to.deep.equal([]);
    expect(lines.find((line) => line.sid === gone && line.event === 'deleted')).to.include({ reconciled: true });
    expect(lines.find((line) => line.sid === kept && line.event === 'not-deleted')).to.include({ reconciled: true });
    const runs = new Set(
      (await world.server.keys(world.bucket))
        .filter((key) => key.includes('.manifests/'))
        .map((key) => key.split('/')[2]),
    );
    expect(runs.size).to.equal(2);
  });

  it('checks the bucket without writing to it', async () => {
    await archiveAt().check();
    expect(world.proxy.count('ListObjectsV2')).to.be.greaterThan(0);
    expect(world.proxy.seen.filter((seen) => seen.method !== 'GET' && seen.method !== 'HEAD')).to.deep.equal([]);
    expect(await world.server.keys(world.bucket)).to.deep.equal([]);
  });

  it('refuses a missing bucket in one line, exit 2', async () => {
    const error = await archiveAt('s3://no-such-bucket/archive')
      .check()
      .catch((thrown: unknown) => thrown);
    expect(error).to.be.instanceOf(RecordingsError);
    expect((error as RecordingsError).exitStatus).to.equal(ExitStatus.BadInput);
    expect((error as Error).message.split('\n')).to.have.length(1);
  });

  it('refuses a malformed URL at once, exit 2', () => {
    let error: unknown;
    try {
      archiveAt('s3://Bad_Bucket/x');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).to.be.instanceOf(RecordingsError);
    expect((error as RecordingsError).exitStatus).to.equal(ExitStatus.BadInput);
  });
});
