import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { DeletionLog } from '../../../src/purge/deletion-log';
import { executePurge, type ArchiveRecording } from '../../../src/purge/purge-executor';
import type { PurgeResult } from '../../../src/purge/purge-report';
import type { Recording } from '../../../src/recordings/recording';
import { buildCriteria } from '../../../src/selection/criteria';
import { sandboxApi } from '../sandbox-api';

const DAY = 24 * 60 * 60 * 1000;

describe('executePurge', () => {
  let sandbox: Sandbox;
  let dir: string;
  let log: DeletionLog;
  const now = new Date();
  const criteria = buildCriteria({ olderThan: '30d' }, now);

  function addOld(
    count: number,
    status: 'completed' | 'absent' | 'processing' | 'in-progress' = 'completed',
  ): string[] {
    return Array.from({ length: count }, (_, i) => {
      const dateCreated = now.getTime() - (40 + i) * DAY;
      return sandbox.store.addRecording({ dateCreated, status, durationSeconds: 30 }).sid;
    });
  }

  function statusOf(sid: string): string | undefined {
    return sandbox.store.getRecording(sid)?.status;
  }

  function loggedLines(): Array<{ sid: string; outcome: string; archivedPath?: string }> {
    return readFileSync(log.path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  function loggedSids(): string[] {
    return loggedLines().map((line) => line.sid);
  }

  /** Purges the old recordings into `log`, collecting every result. */
  async function purge(options: { maxPending: number; archive?: ArchiveRecording }) {
    const results: PurgeResult[] = [];
    const tally = await executePurge({
      api: sandboxApi(sandbox),
      criteria,
      deletionLog: log,
      ...options,
      onResult: (result) => results.push(result),
    });
    return { results, tally };
  }

  beforeEach(async () => {
    sandbox = await startSandbox({ subaccounts: 0 });
    dir = mkdtempSync(join(tmpdir(), 'purge-executor-'));
    log = await DeletionLog.open(join(dir, 'purge.jsonl'));
  });
  afterEach(async () => {
    await log.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes the selected completed recordings, keeps the others, and leaves newer ones alone', async () => {
    const completed = addOld(5);
    const kept = [...addOld(2, 'absent'), ...addOld(1, 'processing')];
    const newer = sandbox.store.addRecording({ dateCreated: now.getTime() - 29 * DAY }).sid;
    const { results, tally } = await purge({ maxPending: 3 });
    for (const sid of completed) expect(statusOf(sid)).to.equal('deleted');
    for (const sid of kept) expect(statusOf(sid)).not.to.equal('deleted');
    expect(statusOf(newer)).to.equal('completed');
    expect(Object.keys(sandbox.counters.deletesPerSid)).to.have.members(completed);
    expect(tally.total.deleted.count).to.equal(5);
    expect(tally.total.deleted.minutes).to.equal(5);
    expect(Object.fromEntries(tally.total.skippedByStatus)).to.deep.equal({ absent: 2, processing: 1 });
    expect(results.filter((r) => r.outcome === 'skipped').map((r) => r.sid)).to.have.members(kept);
    expect(loggedSids()).to.have.members(completed);
  });

  it('never deletes a recording whose archive copy failed, and goes on with the others', async () => {
    const sids = addOld(8);
    const failing = new Set(sids.slice(2, 5));
    const archive: ArchiveRecording = async (recording) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (failing.has(recording.sid)) throw new Error('media ended early');
      expect(sandbox.counters.deletesPerSid[recording.sid], 'deleted before its copy').to.equal(undefined);
      return { path: `${recording.sid}.wav` };
    };
    const { results, tally } = await purge({ maxPending: 4, archive });
    for (const sid of failing) {
      expect(statusOf(sid)).to.equal('completed');
      expect(sandbox.counters.deletesPerSid[sid]).to.equal(undefined);
    }
    for (const sid of sids.filter((sid) => !failing.has(sid))) expect(statusOf(sid)).to.equal('deleted');
    expect(tally.total.deleted.count).to.equal(5);
    expect(tally.total.failed).to.equal(3);
    expect(tally.total.archiveFailed).to.equal(3);
    const failed = results.filter((r) => r.outcome === 'failed');
    expect(failed.map((r) => r.sid)).to.have.members([...failing]);
    expect(failed[0]!.error).to.match(/archive failed, not deleted: media ended early/);
    const logged = loggedLines();
    expect(logged.map((line) => line.sid)).to.have.members(sids.filter((sid) => !failing.has(sid)));
    for (const line of logged) expect(line.archivedPath).to.equal(`${line.sid}.wav`);
  });

  it('counts a recording Twilio no longer has (404) as already deleted, and logs it', async () => {
    const [gone, other] = addOld(2);
    // Someone else deletes it between the listing and our deletion.
    const archive: ArchiveRecording = async (recording: Recording) => {
      if (recording.sid === gone) sandbox.store.deleteRecording(recording.sid);
      return { path: 'copy.wav' };
    };
    const { results, tally } = await purge({ maxPending: 2, archive });
    expect(results.find((r) => r.sid === gone)).to.include({ outcome: 'already-deleted', error: null });
    expect(results.find((r) => r.sid === other)).to.include({ outcome: 'deleted' });
    expect(tally.total.alreadyDeleted).to.equal(1);
    expect(tally.total.deleted.count).to.equal(1);
    expect(tally.total.failed).to.equal(0);
    const logged = loggedLines();
    expect(logged.find((line) => line.sid === gone)).to.include({ outcome: 'already-deleted' });
  });

  it('writes each deletion to the log before reporting it', async () => {
    addOld(12);
    let checked = 0;
    await executePurge({
      api: sandboxApi(sandbox),
      criteria,
      deletionLog: log,
      maxPending: 6,
      onResult: (result) => {
        expect(loggedSids(), `${result.sid} reported before it was logged`).to.include(result.sid);
        checked += 1;
      },
    });
    expect(checked).to.equal(12);
  });

  it('reports a deletion Twilio refuses and goes on with the others', async () => {
    const sids = addOld(6);
    const refused = sids[1]!;
    // The recording stops being deletable between the listing and the deletion.
    const archive: ArchiveRecording = async (recording) => {
      if (recording.sid === refused) sandbox.store.getRecording(refused)!.status = 'processing';
      return { path: 'copy.wav' };
    };
    const { results, tally } = await purge({ maxPending: 2, archive });
    const failure = results.find((r) => r.sid === refused)!;
    expect(failure.outcome).to.equal('failed');
    expect(failure.error).to.match(/400/);
    expect(tally.total.failed).to.equal(1);
    expect(tally.total.archiveFailed).to.equal(0);
    expect(tally.total.deleted.count).to.equal(5);
    expect(loggedSids()).not.to.include(refused);
  });

  it('keeps at most maxPending recordings in progress while the selection streams', async () => {
    addOld(30);
    let active = 0;
    let most = 0;
    const archive: ArchiveRecording = async () => {
      active += 1;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 3));
      active -= 1;
      return { path: 'copy.wav' };
    };
    const tally = await executePurge({ api: sandboxApi(sandbox), criteria, deletionLog: log, archive, maxPending: 4 });
    expect(tally.total.deleted.count).to.equal(30);
    expect(most).to.equal(4);
  });

  it('stops, after the deletions under way, when the log cannot be written', async () => {
    addOld(10);
    let appended = 0;
    const failingLog = {
      path: '/broken/log.jsonl',
      append: async () => {
        appended += 1;
        if (appended === 3) throw new Error('ENOSPC: no space left on device');
      },
    };
    let error: Error | undefined;
    try {
      await executePurge({ api: sandboxApi(sandbox), criteria, deletionLog: failingLog, maxPending: 1 });
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).to.match(/ENOSPC.*not in the log/);
    expect(Object.keys(sandbox.counters.deletesPerSid)).to.have.length(3);
  });
});
