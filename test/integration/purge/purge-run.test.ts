import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { BadInputError, CancelledError } from '../../../src/errors';
import { deletionIntent } from '../../../src/journal/deletion-log';
import { runPurge, type PurgeDependencies } from '../../../src/purge/purge';
import type { PurgeRequest } from '../../../src/purge/purge-request';
import { aRecording } from '../../unit/recording-fixture';
import { NO_PROGRESS, SaidLines, aPurgeRequest, keptOutput, type KeptOutput } from '../../support/purge-fakes';
import { DAY } from '../../support/time';
import { sandboxApi } from '../../support/sandbox-api';

describe('runPurge', () => {
  let sandbox: Sandbox;
  let dir: string;
  let said: SaidLines;
  let results: KeptOutput;
  let selection: KeptOutput;
  let questions: string[];
  let locks: string[];
  const now = new Date();

  function addRecording(ageDays: number, status: 'completed' | 'absent' = 'completed'): string {
    return sandbox.store.addRecording({ dateCreated: now.getTime() - ageDays * DAY, status, durationSeconds: 30 }).sid;
  }

  function statusOf(sid: string): string | undefined {
    return sandbox.store.getRecording(sid)?.status;
  }

  function request(overrides: Partial<PurgeRequest> = {}): PurgeRequest {
    return aPurgeRequest(now, join(dir, 'holds.json'), { force: true, ...overrides });
  }

  function dependencies(overrides: Partial<PurgeDependencies> = {}): PurgeDependencies {
    return {
      api: sandboxApi(sandbox),
      dataDir: join(dir, 'data'),
      interactive: false,
      ask: async (message) => {
        questions.push(message);
        return false;
      },
      selectionOutput: selection,
      resultOutput: results,
      progress: NO_PROGRESS,
      clock: () => now,
      lock: async (accountSid) => {
        locks.push(`take ${accountSid}`);
        return { release: async () => void locks.push(`release ${accountSid}`) };
      },
      ...said.say,
      ...overrides,
    };
  }

  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  function reportAt(path: string): Record<string, unknown> & { total: Record<string, unknown> } {
    return JSON.parse(readFileSync(path, 'utf8'));
  }

  before(async () => {
    sandbox = await startSandbox({ subaccounts: 0 });
  });
  after(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    // One sandbox for every case: what an earlier case left is gone from every listing.
    for (const recording of sandbox.store.recordings()) recording.status = 'deleted';
    dir = mkdtempSync(join(tmpdir(), 'purge-run-'));
    said = new SaidLines();
    results = keptOutput();
    selection = keptOutput();
    questions = [];
    locks = [];
  });

  it('deletes the completed recordings the flags select, and leaves the newer ones', async () => {
    const old = addRecording(40);
    const newer = addRecording(10);
    await runPurge(request(), dependencies());
    expect(statusOf(old)).to.equal('deleted');
    expect(statusOf(newer)).to.equal('completed');
    expect(results.records.find((r) => r.sid === old)).to.include({ outcome: 'deleted' });
  });

  it('says the plan before it deletes, and the summary after', async () => {
    addRecording(41);
    await runPurge(request(), dependencies());
    const plan = said.info.findIndex((line) => line.startsWith('Purge plan: delete 1 recording'));
    const summary = said.info.findIndex((line) => line.startsWith('Purge: deleted 1 recording'));
    expect(plan).to.be.greaterThan(-1);
    expect(summary).to.be.greaterThan(plan);
  });

  it('takes the account lock while it deletes, and releases it', async () => {
    addRecording(42);
    await runPurge(request(), dependencies());
    expect(locks).to.deep.equal([`take ${sandbox.account.sid}`, `release ${sandbox.account.sid}`]);
  });

  it('deletes nothing, takes no lock and writes no log in a dry run', async () => {
    const old = addRecording(43);
    await runPurge(request({ dryRun: true }), dependencies());
    expect(statusOf(old)).to.equal('completed');
    expect(locks).to.deep.equal([]);
    expect(existsSync(join(dir, 'data'))).to.equal(false);
    expect(selection.records.map((r) => r.sid)).to.include(old);
    expect(said.info).to.include('Dry run: nothing was deleted.');
  });

  it('asks on a terminal, and deletes nothing when the answer is no', async () => {
    const old = addRecording(44);
    const error = await failureOf(runPurge(request({ force: false }), dependencies({ interactive: true })));
    expect(error).to.be.instanceOf(CancelledError);
    expect(questions).to.deep.equal(['Delete 1 recording from Twilio? Their media cannot be recovered once deleted.']);
    expect(statusOf(old)).to.equal('completed');
  });

  it('asks nothing, and ends the results, when nothing is due', async () => {
    addRecording(5);
    await runPurge(request({ force: false }), dependencies({ interactive: true }));
    expect(questions).to.deep.equal([]);
    expect(results.ended).to.equal(true);
  });

  it('deletes nothing when another run holds the account lock, and reports it cancelled', async () => {
    const old = addRecording(45);
    const reportPath = join(dir, 'report.json');
    const busy = async () => {
      throw new CancelledError('Another purge of the account is running: nothing was deleted.');
    };
    const error = await failureOf(runPurge(request({ reportPath }), dependencies({ lock: busy })));
    expect(error).to.be.instanceOf(CancelledError);
    expect(statusOf(old)).to.equal('completed');
    expect(reportAt(reportPath)).to.include({ outcome: 'cancelled', exitStatus: 3 });
  });

  it("settles an earlier run's unanswered deletion before it plans", async () => {
    const answered = addRecording(46);
    sandbox.store.deleteRecording(answered);
    const logPath = join(dir, 'purge.jsonl');
    const intent = deletionIntent(aRecording({ sid: answered, accountSid: sandbox.account.sid }), now, null);
    writeFileSync(logPath, `${JSON.stringify(intent)}\n`);
    await runPurge(request({ logPath }), dependencies());
    expect(said.info[0]).to.match(/^Checked 1 deletion an earlier run left unanswered: 1 deleted, 0 still on Twilio/);
    expect(readFileSync(logPath, 'utf8').split('\n')[1]).to.include(`"sid":"${answered}"`);
  });

  it('reports a refused policy file, and takes no lock', async () => {
    const policyPath = join(dir, 'retention.yml');
    writeFileSync(policyPath, 'version: 1\nrules: []\nsurprise: true\n');
    const reportPath = join(dir, 'report.json');
    const error = await failureOf(runPurge(request({ policyPath, reportPath }), dependencies()));
    expect(error).to.be.instanceOf(BadInputError);
    expect(locks).to.deep.equal([]);
    expect(reportAt(reportPath)).to.include({ outcome: 'refused', exitStatus: 2, policy: policyPath });
  });

  it('reports what a completed run deleted', async () => {
    addRecording(47);
    addRecording(48, 'absent');
    const reportPath = join(dir, 'report.json');
    await runPurge(request({ reportPath }), dependencies());
    const report = reportAt(reportPath);
    expect(report).to.include({ outcome: 'completed', exitStatus: 0, error: null });
    expect(report.total).to.include({ examined: 2, deleted: 1 });
  });

  it("deletes what a policy's rules let go, through the same run", async () => {
    const policyPath = join(dir, 'retention.yml');
    writeFileSync(policyPath, 'version: 1\nminimumAge: 1d\nrules:\n  - name: default\n    keep: 30d\n');
    const old = addRecording(49);
    const young = addRecording(20);
    await runPurge(request({ policyPath }), dependencies());
    expect(statusOf(old)).to.equal('deleted');
    expect(statusOf(young)).to.equal('completed');
    expect(said.info).to.include(
      '  rule default (keep 30d: delete completed recordings created before ' +
        new Date(now.getTime() - 30 * DAY).toISOString() +
        '):',
    );
  });

  it('writes a plan for review, deleting nothing, and then deletes exactly that plan', async () => {
    const planned = addRecording(50);
    const planPath = join(dir, 'plan.json');
    await runPurge(request({ planOutPath: planPath, dryRun: true }), dependencies());
    expect(statusOf(planned)).to.equal('completed');
    const later = addRecording(51);
    await runPurge(request({ planPath }), dependencies());
    expect(statusOf(planned)).to.equal('deleted');
    expect(statusOf(later)).to.equal('completed');
  });

  it('stops before reading anything when stopped at once', async () => {
    const stop = new AbortController();
    stop.abort();
    const old = addRecording(52);
    const error = await failureOf(runPurge(request(), dependencies({ stop: stop.signal })));
    expect((error as Error).message).to.equal('Stopped before the plan was made: nothing was deleted.');
    expect(statusOf(old)).to.equal('completed');
  });
});
