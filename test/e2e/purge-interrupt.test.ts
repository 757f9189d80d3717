import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '../../sandbox/prng';
import { TwilioWorld, type RunningCommand, type TwilioRun } from './twilio-world';
import { DAY } from '../support/time';

const RECORDINGS = 40;

interface LogLine {
  event: string;
  sid: string;
  outcome?: string;
  reconciled?: boolean;
  archivedPath?: string | null;
}

function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine);
}

/** Sids whose intent no outcome line follows. */
function openIntents(lines: LogLine[]): string[] {
  const open = new Set<string>();
  for (const line of lines) {
    if (line.event === 'delete-intent') open.add(line.sid);
    else if (line.event === 'deleted' || line.event === 'not-deleted') open.delete(line.sid);
  }
  return [...open];
}

const deletedLines = (lines: LogLine[]) => lines.filter((line) => line.event === 'deleted').map((line) => line.sid);

describe('twilio recordings:purge, interrupted', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  // The moments of each interruption come from a seeded sequence: the same on every run.
  const moments = new Prng(20261129);

  beforeEach(async () => {
    world = await TwilioWorld.start({ subaccounts: 0, knobs: { latencyMs: 25 } });
  });
  afterEach(() => world.close());

  function addOld(count: number): string[] {
    return Array.from(
      { length: count },
      (_, i) => world.sandbox.store.addRecording({ dateCreated: Date.now() - (40 + i) * DAY, status: 'completed' }).sid,
    );
  }

  const deletedOnTwilio = (sids: string[]) =>
    sids.filter((sid) => world.sandbox.store.getRecording(sid)?.status === 'deleted');

  /** Resolves once `condition` holds, or the command has exited. */
  async function until(running: RunningCommand, condition: () => boolean): Promise<void> {
    let exited = false;
    void running.done.then(() => (exited = true));
    while (!exited && !condition()) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  /** Sends `signal` once the sandbox has received `afterDeletes` DELETE requests, then waits for the exit. */
  async function interrupt(running: RunningCommand, afterDeletes: number, signal: NodeJS.Signals): Promise<TwilioRun> {
    await until(running, () => world.sandbox.counters.requests.delete >= afterDeletes);
    running.child.kill(signal);
    return running.done;
  }

  const purgeArgs = (log: string) => [
    'recordings:purge',
    '--older-than',
    '30d',
    '--force',
    '--concurrency',
    '5',
    '--log',
    log,
  ];

  it('on Ctrl-C, lets deletions under way finish, records each one, prints the summary and exits 3', async () => {
    const sids = addOld(RECORDINGS);
    const log = join(world.home, 'purge.jsonl');
    const run = await interrupt(
      world.start([...purgeArgs(log), '-o', 'json'], { env: world.authTokenEnv }),
      moments.int(1, RECORDINGS - 10),
      'SIGINT',
    );
    expect(run.status, run.stderr).to.equal(3);
    expect(run.stderr).to.match(/SIGINT: stopping/);
    expect(run.stderr).to.match(/Purge: deleted \d+ recordings?/);
    expect(run.stderr).to.match(/Purge stopped on request/);
    const results = JSON.parse(run.stdout) as Array<{ sid: string; outcome: string }>;
    const deleted = deletedOnTwilio(sids);
    expect(deleted.length).to.be.within(1, RECORDINGS - 1);
    const lines = readLog(log);
    expect(openIntents(lines)).to.deep.equal([]);
    expect(deletedLines(lines)).to.have.members(deleted);
    expect(results.filter((r) => r.outcome === 'deleted').map((r) => r.sid)).to.have.members(deleted);
  });

  it('after SIGKILL, the next run settles the deletions left unanswered, and the log matches Twilio', async () => {
    const sids = addOld(RECORDINGS);
    const log = join(world.home, 'purge.jsonl');
    const killed = await interrupt(
      world.start(purgeArgs(log), { env: world.authTokenEnv }),
      moments.int(1, RECORDINGS - 10),
      'SIGKILL',
    );
    expect(killed.status).to.equal(null);
    const afterKill = readLog(log);
    // Nothing is deleted without an intent, and no outcome is claimed that Twilio does not show.
    const intents = afterKill.filter((line) => line.event === 'delete-intent').map((line) => line.sid);
    expect(intents).to.include.members(deletedOnTwilio(sids));
    expect(deletedOnTwilio(sids)).to.include.members(deletedLines(afterKill));

    const rerun = await world.run(purgeArgs(log), { env: world.authTokenEnv });
    expect(rerun.status, rerun.stderr).to.equal(0);
    const lines = readLog(log);
    expect(openIntents(lines)).to.deep.equal([]);
    expect(deletedOnTwilio(sids)).to.have.members(sids);
    expect(deletedLines(lines)).to.have.members(sids);
    // Every recording has exactly one line saying it is gone.
    expect(deletedLines(lines)).to.have.length(sids.length);
    if (openIntents(afterKill).length > 0) expect(rerun.stderr).to.match(/an earlier run left unanswered/);
  });

  it('on a second Ctrl-C, leaves at once; the next run settles what was in flight', async () => {
    const sids = addOld(RECORDINGS);
    const log = join(world.home, 'purge.jsonl');
    world.sandbox.setKnobs({ latencyMs: 400 });
    const running = world.start([...purgeArgs(log), '-o', 'json'], { env: world.authTokenEnv });
    let stderr = '';
    running.child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const afterDeletes = moments.int(1, 10);
    // Until the log holds more deletions than that: the earlier ones have been reported by then.
    await until(running, () => deletedLines(readLog(log)).length > afterDeletes);
    running.child.kill('SIGINT');
    // The second Ctrl-C follows the notice that answers the first, while deletions are still under way.
    await until(running, () => stderr.includes('SIGINT: stopping'));
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.status, run.stderr).to.equal(3);
    expect(run.stderr).to.match(/aborted/);
    // Left at once, stdout still holds one JSON array of what was done: deletions Twilio and the log confirm.
    const results = JSON.parse(run.stdout) as Array<{ sid: string; outcome: string }>;
    const printed = results.filter((result) => result.outcome === 'deleted').map((result) => result.sid);
    expect(printed).to.have.length.above(0);
    expect(deletedOnTwilio(sids)).to.include.members(printed);
    expect(deletedLines(readLog(log))).to.include.members(printed);

    world.sandbox.setKnobs({ latencyMs: 0 });
    const rerun = await world.run(purgeArgs(log), { env: world.authTokenEnv });
    expect(rerun.status, rerun.stderr).to.equal(0);
    const lines = readLog(log);
    expect(openIntents(lines)).to.deep.equal([]);
    expect(deletedLines(lines)).to.have.members(sids);
    expect(deletedLines(lines)).to.have.length(sids.length);
  });

  it('with --archive-dir, records every archived recording it deleted before stopping in the manifest', async () => {
    const sids = addOld(RECORDINGS);
    const archive = join(world.home, 'archive');
    const run = await interrupt(
      world.start(
        ['recordings:purge', '--older-than', '30d', '--force', '--concurrency', '5', '--archive-dir', archive],
        { env: world.authTokenEnv },
      ),
      moments.int(1, RECORDINGS - 10),
      'SIGTERM',
    );
    expect(run.status, run.stderr).to.equal(3);
    const lines = readLog(join(archive, 'manifest.jsonl'));
    const deleted = deletedOnTwilio(sids);
    expect(openIntents(lines)).to.deep.equal([]);
    expect(deletedLines(lines)).to.have.members(deleted);
    for (const line of lines.filter((entry) => entry.event === 'deleted')) {
      expect(existsSync(join(archive, line.archivedPath!)), `${line.sid} deleted without its copy`).to.equal(true);
    }
  });

  it('refuses a log that cannot take lines before showing the plan, and deletes nothing', async () => {
    const sids = addOld(3);
    const folder = join(world.home, 'a-folder');
    mkdirSync(folder);
    for (const log of [folder, '/dev/full']) {
      const run = await world.run(purgeArgs(log), { env: world.authTokenEnv });
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr).to.match(/Cannot use .*: it is (a folder|not a regular file)/);
      expect(run.stderr).not.to.match(/Plan|unexpected/i);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
    }
    expect(deletedOnTwilio(sids)).to.deep.equal([]);
    expect(world.sandbox.counters.requests.delete).to.equal(0);
  });
});
