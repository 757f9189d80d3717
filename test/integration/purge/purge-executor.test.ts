import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { DeletionLogFile, type DeletionLogLine } from '../../../src/journal/deletion-log';
import { executePurge, type ArchiveRecording } from '../../../src/purge/purge-executor';
import type { PurgeResult } from '../../../src/purge/purge-report';
import { BadInputError } from '../../../src/errors';
import type { HoldRecheck } from '../../../src/holds/holds-file';
import type { Recording } from '../../../src/recordings/recording';
import type { RetentionDecider } from '../../../src/retention/retention-decision';
import { buildCriteria } from '../../../src/selection/criteria';
import { sandboxApi } from '../../support/sandbox-api';
import { WriteAheadDeleter } from '../../../src/journal/write-ahead-deleter';
import { DAY } from '../../support/time';

describe('executePurge', () => {
  let sandbox: Sandbox;
  let dir: string;
  let log: DeletionLogFile;
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

  /** The complete lines of the log; one being written while a test reads has no newline yet, and is left out. */
  function allLines(): Array<{ event: string; sid: string; outcome?: string; archivedPath?: string }> {
    return readFileSync(log.path, 'utf8')
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line));
  }

  /** The events the log holds for one recording, in order. */
  function eventsFor(sid: string): string[] {
    return allLines()
      .filter((line) => line.sid === sid)
      .map((line) => line.event);
  }

  /** The outcome lines of deletions Twilio confirmed. */
  function loggedLines() {
    return allLines().filter((line) => line.event === 'deleted');
  }

  function loggedSids(): string[] {
    return loggedLines().map((line) => line.sid);
  }

  /** Purges the old recordings into `log`, collecting every result. */
  async function purge(options: {
    maxPending: number;
    archive?: ArchiveRecording;
    decide?: RetentionDecider;
    ruleArchive?: (folder: string) => ArchiveRecording | undefined;
    recheckHold?: HoldRecheck;
  }) {
    const results: PurgeResult[] = [];
    const tally = await executePurge({
      api: sandboxApi(sandbox),
      criteria,
      deleter: new WriteAheadDeleter(log),
      ...options,
      onResult: (result) => results.push(result),
    });
    return { results, tally };
  }

  beforeEach(async () => {
    sandbox = await startSandbox({ subaccounts: 0 });
    dir = mkdtempSync(join(tmpdir(), 'purge-executor-'));
    log = await DeletionLogFile.open(join(dir, 'purge.jsonl'));
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
      deleter: new WriteAheadDeleter(log),
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
    expect(eventsFor(refused)).to.deep.equal(['delete-intent', 'not-deleted']);
  });

  it('writes each intent to disk before its DELETE is sent, and the outcome after the answer', async () => {
    const sids = addOld(9);
    const api = sandboxApi(sandbox);
    const send = api.delete.bind(api);
    api.delete = async (path: string) => {
      const sid = /(RE\w+)\.json$/.exec(path)![1]!;
      const events = eventsFor(sid);
      expect(events, `lines for ${sid} before its DELETE`).to.deep.equal(['delete-intent']);
      return send(path);
    };
    await executePurge({ api, criteria, deleter: new WriteAheadDeleter(log), maxPending: 3 });
    for (const sid of sids) {
      expect(eventsFor(sid)).to.deep.equal(['delete-intent', 'deleted']);
    }
  });

  it('starts nothing new once stopped, and records every deletion under way', async () => {
    const sids = addOld(20);
    const stop = new AbortController();
    let reported = 0;
    const tally = await executePurge({
      api: sandboxApi(sandbox),
      criteria,
      deleter: new WriteAheadDeleter(log),
      maxPending: 4,
      stop: stop.signal,
      onResult: () => {
        reported += 1;
        if (reported === 3) stop.abort();
      },
    });
    const deleted = sids.filter((sid) => statusOf(sid) === 'deleted');
    expect(tally.interrupted).to.equal(true);
    expect(deleted.length).to.be.within(3, 3 + 4);
    expect(Object.keys(sandbox.counters.deletesPerSid)).to.have.members(deleted);
    expect(loggedSids()).to.have.members(deleted);
  });

  it('calls off, and records as not deleted, the DELETEs not yet sent when stopped', async () => {
    const sids = addOld(12);
    const stop = new AbortController();
    const api = sandboxApi(sandbox, { concurrency: 2 });
    const send = api.delete.bind(api);
    // Stopped as the first DELETE is about to go: every intent written by then is called off.
    api.delete = (path: string, signal?: AbortSignal) => {
      stop.abort();
      return send(path, signal);
    };
    const tally = await executePurge({
      api,
      criteria,
      deleter: new WriteAheadDeleter(log),
      maxPending: 6,
      stop: stop.signal,
    });
    expect(tally.interrupted).to.equal(true);
    expect(sandbox.counters.requests.delete).to.equal(0);
    const lines = allLines();
    const intents = lines.filter((line) => line.event === 'delete-intent').map((line) => line.sid);
    const calledOff = lines.filter((line) => line.event === 'not-deleted').map((line) => line.sid);
    expect(intents.length).to.be.within(1, 6);
    expect(calledOff).to.have.members(intents);
    for (const sid of sids) expect(statusOf(sid)).to.equal('completed');
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
    const tally = await executePurge({
      api: sandboxApi(sandbox),
      criteria,
      deleter: new WriteAheadDeleter(log),
      archive,
      maxPending: 4,
    });
    expect(tally.total.deleted.count).to.equal(30);
    expect(most).to.equal(4);
  });

  /** A log that takes lines until the `failAt`-th append, then fails as a full disk does. */
  function failingLog(failAt: number) {
    const lines: DeletionLogLine[] = [];
    let appended = 0;
    return {
      lines,
      path: '/full/log.jsonl',
      append: async (line: DeletionLogLine) => {
        appended += 1;
        if (appended >= failAt) throw new Error('ENOSPC: no space left on device');
        lines.push(line);
      },
    };
  }

  it('sends no DELETE once an intent cannot be written', async () => {
    addOld(10);
    // Intent and outcome of the first recording, then the second one's intent fails.
    const log = failingLog(3);
    const tally = await executePurge({
      api: sandboxApi(sandbox),
      criteria,
      deleter: new WriteAheadDeleter(log),
      maxPending: 1,
    });
    expect(Object.keys(sandbox.counters.deletesPerSid)).to.have.length(1);
    expect(tally.logFailure).to.match(/ENOSPC/);
    expect(tally.unrecorded).to.deep.equal([]);
    expect(tally.total.deleted.count).to.equal(1);
  });

  it('names every recording deleted whose outcome could not be written, and stops', async () => {
    const sids = addOld(10);
    // The second recording's outcome is the first line refused.
    const log = failingLog(4);
    const tally = await executePurge({
      api: sandboxApi(sandbox),
      criteria,
      deleter: new WriteAheadDeleter(log),
      maxPending: 1,
    });
    const deleted = sids.filter((sid) => statusOf(sid) === 'deleted');
    expect(deleted).to.have.length(2);
    expect(tally.unrecorded).to.deep.equal([
      deleted.find((sid) => !log.lines.some((l) => l.event === 'deleted' && l.sid === sid)),
    ]);
    expect(
      log.lines.filter((line) => line.event === 'delete-intent').map((line) => (line as { sid: string }).sid),
    ).to.have.members(deleted);
  });

  it('never deletes a recording whose rule archives when that archive is not open', async () => {
    const [sid] = addOld(1);
    const { results } = await purge({
      maxPending: 2,
      decide: () => ({ action: 'delete', rule: 'support', archive: './archive' }),
      ruleArchive: () => undefined,
    });
    expect(statusOf(sid)).to.equal('completed');
    expect(results.find((result) => result.sid === sid)).to.include({
      outcome: 'failed',
      rule: 'support',
      error: 'archive ./archive is not open, not deleted',
    });
  });

  it('keeps what the decider keeps, with the reason in the result', async () => {
    const [sid] = addOld(1);
    const hold = { target: { sid }, reason: 'case 9' };
    const { results } = await purge({
      maxPending: 2,
      decide: () => ({ action: 'keep', reason: 'held', hold }),
    });
    expect(statusOf(sid)).to.equal('completed');
    expect(results.find((result) => result.sid === sid)).to.include({
      outcome: 'skipped',
      keptBecause: 'held',
      heldBy: `${sid}: case 9`,
    });
  });

  it('asks for holds again just before each DELETE, and keeps one held by then as held', async () => {
    const sids = addOld(3);
    const asked: string[] = [];
    const lateHold = { target: { sid: sids[1] }, reason: 'late' };
    const { results, tally } = await purge({
      maxPending: 1,
      recheckHold: async (recording) => {
        asked.push(recording.sid);
        return recording.sid === sids[1] ? lateHold : undefined;
      },
    });
    expect(asked).to.have.members(sids);
    expect(sids.map(statusOf)).to.deep.equal(['deleted', 'completed', 'deleted']);
    expect(eventsFor(sids[1])).to.deep.equal([]);
    expect(results.find((result) => result.sid === sids[1])).to.include({ outcome: 'skipped', keptBecause: 'held' });
    expect(tally.total.kept.get('held')).to.equal(1);
    expect(tally.heldSinceStart).to.equal(1);
  });

  it('stops, deleting nothing more, when the holds cannot be read again', async () => {
    const sids = addOld(3);
    let asked = 0;
    try {
      await purge({
        maxPending: 1,
        recheckHold: async () => {
          asked += 1;
          if (asked === 2) throw new BadInputError('holds.json does not exist.');
          return undefined;
        },
      });
      expect.fail('the purge went on without its holds');
    } catch (error) {
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(/could not be read again .*does not exist/);
    }
    expect(Object.keys(sandbox.counters.deletesPerSid)).to.have.length(1);
    expect(sids.filter((sid) => statusOf(sid) === 'completed')).to.have.length(2);
  });
});
