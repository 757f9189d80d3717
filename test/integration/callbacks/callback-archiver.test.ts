import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMedia, startSandbox, type Sandbox } from '../../../sandbox';
import { AccountCheck } from '../../../src/callbacks/account-check';
import { CallbackArchiver } from '../../../src/callbacks/callback-archiver';
import type { MediaDestination } from '../../../src/media/media-destination';
import { openMediaDestination, type MediaDestinationOptions } from '../../../src/media/open-destination';
import { sandboxApi } from '../../support/sandbox-api';

/** A folder destination, as the chooser opens it for a path. */
const openFolder = ({ root, ...options }: MediaDestinationOptions & { root: string }): Promise<MediaDestination> =>
  openMediaDestination(root, options);

describe('CallbackArchiver', () => {
  let sandbox: Sandbox;
  let dir: string;

  before(async () => {
    sandbox = await startSandbox({ subaccounts: 1 });
  });
  after(() => sandbox.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'callback-archive-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function archiverFor(deleteAfterDownload: boolean) {
    const api = sandboxApi(sandbox);
    const store = await openFolder({ root: dir, format: 'wav', layout: '{sid}.{ext}', api });
    return { store, archiver: new CallbackArchiver(api, store, deleteAfterDownload) };
  }

  it('saves a completed recording, verified, then deletes it from Twilio and notes the deletion in the manifest', async () => {
    const recording = sandbox.store.addRecording({
      accountSid: sandbox.account.sid,
      status: 'completed',
      durationSeconds: 3,
      channels: 1,
    });
    const { store, archiver } = await archiverFor(true);
    const result = await archiver.archive(recording.accountSid, recording.sid);
    await store.close();
    const expected = expectedMedia(recording, 'wav');
    expect(result).to.include({ outcome: 'saved', deleted: true, bytes: expected.bytes, sha256: expected.sha256 });
    const bytes = readFileSync(join(dir, `${recording.sid}.wav`));
    expect(createHash('sha256').update(bytes).digest('hex')).to.equal(expected.sha256);
    expect(sandbox.store.getRecording(recording.sid)?.status).to.equal('deleted');
    const manifest = readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(manifest.map((entry) => entry.event)).to.deep.equal(['downloaded', 'delete-intent', 'deleted']);
  });

  it('keeps the recording on Twilio without --delete-after-download, and fetches a repeated callback once', async () => {
    const recording = sandbox.store.addRecording({
      accountSid: sandbox.account.sid,
      status: 'completed',
      durationSeconds: 2,
      channels: 2,
    });
    sandbox.resetCounters();
    const { store, archiver } = await archiverFor(false);
    const [first, second] = await Promise.all([
      archiver.archive(recording.accountSid, recording.sid),
      archiver.archive(recording.accountSid, recording.sid),
    ]);
    await store.close();
    expect(first).to.deep.equal(second);
    expect(first).to.include({ outcome: 'saved', deleted: false });
    expect(sandbox.counters.mediaFetchesPerSid[recording.sid]).to.equal(1);
    expect(sandbox.store.getRecording(recording.sid)?.status).to.equal('completed');
  });

  it('says when Twilio no longer has the recording, or when it is not completed', async () => {
    const inProgress = sandbox.store.addRecording({ accountSid: sandbox.account.sid, status: 'in-progress' });
    const { store, archiver } = await archiverFor(true);
    const gone = await archiver.archive(sandbox.account.sid, 'RE' + '0'.repeat(32));
    const notDone = await archiver.archive(inProgress.accountSid, inProgress.sid);
    await store.close();
    expect(gone).to.include({ outcome: 'gone', deleted: false });
    expect(notDone).to.include({ outcome: 'failed', deleted: false });
    expect(notDone.error).to.match(/in-progress, not completed/);
  });
});

describe('AccountCheck', () => {
  it("accepts the profile's account and its subaccounts, and nothing else", async () => {
    const sandbox = await startSandbox({ subaccounts: 1 });
    try {
      const check = new AccountCheck(sandboxApi(sandbox));
      expect(await check.isOwnAccount(sandbox.account.sid)).to.equal(true);
      expect(await check.isOwnAccount(sandbox.subaccounts[0]!.sid)).to.equal(true);
      expect(await check.isOwnAccount('AC' + '0'.repeat(32))).to.equal(false);
    } finally {
      await sandbox.close();
    }
  });
});
