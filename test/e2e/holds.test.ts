import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { killRunningListeners, RunningListener } from './running-listener';
import { TwilioWorld } from './twilio-world';
import { DAY } from '../support/time';

describe('twilio recordings:holds', function () {
  this.timeout(180_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 0 });
  });
  after(() => world.close());
  afterEach(killRunningListeners);

  const status = (sid: string) => world.sandbox.store.getRecording(sid)?.status;
  const add = (daysAgo: number, init: { callSid?: string } = {}) =>
    world.sandbox.store.addRecording({ dateCreated: Date.now() - daysAgo * DAY, durationSeconds: 30, ...init }).sid;
  const twilio = (args: string[], env: Record<string, string | undefined> = {}) =>
    world.run(args, { env: { ...world.authTokenEnv, ...env } });
  const defaultHolds = () => join(world.home, '.twilio-cli', 'recordings', 'holds.json');
  const scratch = (name: string) => {
    const dir = join(world.home, 'scratch');
    mkdirSync(dir, { recursive: true });
    return join(dir, name);
  };

  it('adds a hold to the default holds file and lists it', async () => {
    const sid = add(40);
    const added = await twilio(['recordings:holds:add', '--sid', sid, '--reason', 'case 42', '-o', 'json']);
    expect(added.status, added.stderr).to.equal(0);
    const [row] = JSON.parse(added.stdout) as Array<Record<string, unknown>>;
    expect(row).to.include({ sid, covers: 'recording', reason: 'case 42', until: null, active: true });
    expect(existsSync(defaultHolds())).to.equal(true);
    const listed = await twilio(['recordings:holds:list', '-o', 'json']);
    expect(listed.status, listed.stderr).to.equal(0);
    expect((JSON.parse(listed.stdout) as Array<{ sid: string }>).map((row) => row.sid)).to.include(sid);
  });

  it('keeps a held recording through purge --sid --force, and says why', async () => {
    const sid = add(40);
    expect((await twilio(['recordings:holds:add', '--sid', sid, '--reason', 'legal review'])).status).to.equal(0);
    const run = await twilio(['recordings:purge', '--sid', sid, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(sid)).to.equal('completed');
    expect(world.sandbox.counters.deletesPerSid[sid]).to.equal(undefined);
    expect(run.stderr).to.include(`Keep 1 held recording: ${sid}: legal review.`);
  });

  it('keeps every recording of a held call through purge --older-than --force', async () => {
    const callSid = 'CA' + '7'.repeat(32);
    const held = [add(50, { callSid }), add(50, { callSid })];
    const other = add(50);
    expect((await twilio(['recordings:holds:add', '--call-sid', callSid, '--reason', 'complaint'])).status).to.equal(0);
    const run = await twilio(['recordings:purge', '--older-than', '45d', '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(held.map(status)).to.deep.equal(['completed', 'completed']);
    expect(status(other)).to.equal('deleted');
  });

  it('keeps what holds:add names in upper-case hex (--sid, --call-sid, --conference-sid) through a purge', async () => {
    const holds = scratch('upper-case.json');
    const hex = (digit: string) => digit.repeat(32);
    const callSid = 'CA' + hex('c');
    const conferenceSid = 'CF' + hex('d');
    const bySid = add(50);
    const byCall = add(50, { callSid });
    const byConference = world.sandbox.store.addRecording({
      dateCreated: Date.now() - 50 * DAY,
      durationSeconds: 30,
      conferenceSid,
    }).sid;
    const other = add(50);
    for (const flag of [
      ['--sid', bySid.toUpperCase()],
      ['--call-sid', callSid.toUpperCase()],
      ['--conference-sid', conferenceSid.toUpperCase()],
    ]) {
      const added = await twilio(['recordings:holds:add', ...flag, '--reason', 'case 9', '--holds', holds]);
      expect(added.status, added.stderr).to.equal(0);
    }
    // Written as Twilio writes SIDs, so that every reader of the file compares like with like.
    const written = JSON.parse(readFileSync(holds, 'utf8')) as { holds: Array<Record<string, string>> };
    expect(written.holds.map((hold) => hold.sid ?? hold.callSid ?? hold.conferenceSid)).to.deep.equal([
      bySid,
      callSid,
      conferenceSid,
    ]);
    const run = await twilio(['recordings:purge', '--older-than', '45d', '--force', '--holds', holds]);
    expect(run.status, run.stderr).to.equal(0);
    expect([bySid, byCall, byConference].map(status)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(status(other)).to.equal('deleted');
    for (const sid of [bySid, byCall, byConference])
      expect(world.sandbox.counters.deletesPerSid[sid], sid).to.equal(undefined);
  });

  it('keeps what a holds file names in upper-case hex, and selects by --call-sid in upper-case hex', async () => {
    const callSid = 'CA' + 'e'.repeat(32);
    const held = add(50, { callSid });
    const free = add(50, { callSid });
    const holds = scratch('upper-case-file.json');
    writeFileSync(holds, JSON.stringify({ version: 1, holds: [{ sid: held.toUpperCase(), reason: 'x' }] }));
    const run = await twilio(['recordings:purge', '--call-sid', callSid.toUpperCase(), '--force', '--holds', holds]);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(held)).to.equal('completed');
    expect(status(free)).to.equal('deleted');
  });

  it('no longer protects a recording once its hold has expired', async () => {
    const sid = add(40);
    const holds = scratch('expired.json');
    writeFileSync(
      holds,
      JSON.stringify({
        version: 1,
        holds: [{ sid, reason: 'closed case', until: new Date(Date.now() - DAY).toISOString() }],
      }),
    );
    const run = await twilio(['recordings:purge', '--sid', sid, '--force', '--holds', holds]);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(sid)).to.equal('deleted');
  });

  it('holds through the whole of a bare --until date, and to the instant of a date-time', async () => {
    const sid = add(40);
    const holds = scratch('until.json');
    const until = async (value: string) => {
      const run = await twilio([
        'recordings:holds:add',
        '--sid',
        sid,
        '--reason',
        'r',
        '--until',
        value,
        '--holds',
        holds,
        '-o',
        'json',
      ]);
      expect(run.status, run.stderr).to.equal(0);
      return (JSON.parse(run.stdout) as Array<{ until: string }>)[0].until;
    };
    expect(await until('2027-01-31')).to.equal('2027-02-01T00:00:00.000Z');
    expect(await until('2027-01-31T18:30:00Z')).to.equal('2027-01-31T18:30:00.000Z');
    const help = await twilio(['recordings:holds:add', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).to.include(
      'through the whole of this date (it ends at 00:00 UTC the next day)',
    );
  });

  it('refuses a named holds file that does not exist (exit 2), by flag or by environment, before calling Twilio', async () => {
    const sid = add(40);
    world.sandbox.resetCounters();
    const missing = scratch('no-such-holds.json');
    for (const [args, env] of [
      [['--holds', missing], {}],
      [[], { TWILIO_RECORDINGS_HOLDS: missing }],
    ] as Array<[string[], Record<string, string>]>) {
      const run = await twilio(['recordings:purge', '--sid', sid, '--force', ...args], env);
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.include('does not exist');
    }
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(status(sid)).to.equal('completed');
  });

  it('refuses an invalid holds file (exit 2) at its line and column, never reading it as no holds', async () => {
    const sid = add(40);
    const holds = scratch('invalid.json');
    writeFileSync(holds, '{"version": 1,\n "holds": [{"sid": "RE123", "reason": "x"}]}\n');
    const run = await twilio(['recordings:purge', '--sid', sid, '--force', '--holds', holds]);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr).to.match(/invalid\.json:2:20: holds\[0\]\.sid is not well formed/);
    expect(status(sid)).to.equal('completed');
  });

  it('removes a hold, after which the recording can be purged', async () => {
    const sid = add(40);
    expect((await twilio(['recordings:holds:add', '--sid', sid, '--reason', 'temporary'])).status).to.equal(0);
    const removed = await twilio(['recordings:holds:remove', '--sid', sid]);
    expect(removed.status, removed.stderr).to.equal(0);
    const again = await twilio(['recordings:holds:remove', '--sid', sid]);
    expect(again.status).to.equal(2);
    expect(again.stderr).to.match(/No hold in .* covers RE/);
    const run = await twilio(['recordings:purge', '--sid', sid, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(sid)).to.equal('deleted');
    const file = JSON.parse(readFileSync(defaultHolds(), 'utf8')) as { holds: Array<{ sid?: string }> };
    expect(file.holds.map((hold) => hold.sid)).not.to.include(sid);
  });

  const holdsIn = (file: string) =>
    (JSON.parse(readFileSync(file, 'utf8')) as { holds: Array<{ sid?: string }> }).holds.map((hold) => hold.sid);

  /** A preload that moves this process's clock `ms` ahead, so that a hold's end passes without waiting for it. */
  const clockAhead = (ms: number) => {
    const preload = scratch(`clock-ahead-${ms}.js`);
    writeFileSync(
      preload,
      `const RealDate = Date;\n` +
        `class LaterDate extends RealDate {\n` +
        `  constructor(...args) { if (args.length === 0) super(RealDate.now() + ${ms}); else super(...args); }\n` +
        `  static now() { return RealDate.now() + ${ms}; }\n` +
        `}\n` +
        `globalThis.Date = LaterDate;\n`,
    );
    return { NODE_OPTIONS: `--require ${preload}` };
  };

  it('keeps a recording under a hold without end after a second, shorter hold on it has ended; lifts one hold by its id', async () => {
    const sid = add(40);
    const holds = scratch('two-holds.json');
    const hold = (args: string[]) =>
      twilio(['recordings:holds:add', '--sid', sid, '--holds', holds, '-o', 'json', ...args]);
    const litigation = await hold(['--reason', 'litigation']);
    expect(litigation.status, litigation.stderr).to.equal(0);
    const review = await hold(['--reason', 'review', '--until', new Date(Date.now() + 60 * 60_000).toISOString()]);
    expect(review.status, review.stderr).to.equal(0);
    // Two hours later, the review hold has ended; the litigation hold still holds.
    const later = clockAhead(2 * 60 * 60_000);
    const purged = await twilio(['recordings:purge', '--sid', sid, '--force', '--holds', holds], later);
    expect(purged.status, purged.stderr).to.equal(0);
    expect(status(sid)).to.equal('completed');
    expect(purged.stderr).to.include(`Keep 1 held recording: ${sid}: litigation.`);

    const [litigationId, reviewId] = [litigation, review].map(
      (run) => (JSON.parse(run.stdout) as Array<{ id: string }>)[0].id,
    );
    expect(litigationId).to.match(/^[0-9a-f]{8}$/);
    expect(reviewId)
      .to.match(/^[0-9a-f]{8}$/)
      .and.not.equal(litigationId);
    expect(review.stderr).to.include(`as hold ${reviewId}; the other hold on it (${litigationId}) stays in force`);

    const listed = await twilio(['recordings:holds:list', '--holds', holds, '-o', 'json'], later);
    expect(listed.status, listed.stderr).to.equal(0);
    expect(
      (JSON.parse(listed.stdout) as Array<{ id: string; reason: string; active: boolean }>).map((row) => [
        row.id,
        row.reason,
        row.active,
      ]),
    ).to.deep.equal([
      [litigationId, 'litigation', true],
      [reviewId, 'review', false],
    ]);

    const ambiguous = await twilio(['recordings:holds:remove', '--sid', sid, '--holds', holds]);
    expect(ambiguous.status).to.equal(2);
    expect(ambiguous.stderr.trim().split('\n')).to.have.length(1);
    expect(ambiguous.stderr).to.include(`${litigationId} (litigation), ${reviewId} (review)`);
    expect(holdsIn(holds)).to.deep.equal([sid, sid]);

    const lifted = await twilio(['recordings:holds:remove', '--id', reviewId, '--holds', holds]);
    expect(lifted.status, lifted.stderr).to.equal(0);
    const left = JSON.parse(readFileSync(holds, 'utf8')) as { holds: Array<{ id: string; reason: string }> };
    expect(left.holds.map((kept) => [kept.id, kept.reason])).to.deep.equal([[litigationId, 'litigation']]);
    expect((await twilio(['recordings:purge', '--sid', sid, '--force', '--holds', holds], later)).status).to.equal(0);
    expect(status(sid)).to.equal('completed');

    expect((await twilio(['recordings:holds:remove', '--id', litigationId, '--holds', holds])).status).to.equal(0);
    const free = await twilio(['recordings:purge', '--sid', sid, '--force', '--holds', holds], later);
    expect(free.status, free.stderr).to.equal(0);
    expect(status(sid)).to.equal('deleted');
  });

  const sidOf = (n: number) => 'RE' + n.toString(16).padStart(32, '0');
  const lockOwnedBy = (pid: number) =>
    `${JSON.stringify({ pid, host: hostname(), startedAt: new Date().toISOString(), token: 'test' })}\n`;

  it('loses no change when many holds:add and a holds:remove write one shared file at once', async () => {
    const holds = scratch('contended.json');
    writeFileSync(
      holds,
      JSON.stringify({
        version: 1,
        holds: [
          { sid: sidOf(1), reason: 'lifted' },
          { sid: sidOf(2), reason: 'kept' },
        ],
      }),
    );
    // This process holds the lock until every writer is waiting for it, then lets them all go at once.
    writeFileSync(`${holds}.lock`, lockOwnedBy(process.pid));
    const added = Array.from({ length: 8 }, (_, i) => sidOf(100 + i));
    const commands = [
      ...added.map((sid) => ['recordings:holds:add', '--sid', sid, '--reason', `case ${sid}`, '--holds', holds]),
      ['recordings:holds:remove', '--sid', sidOf(1), '--holds', holds],
    ].map((args) => world.start(args, { env: world.authTokenEnv }));
    await Promise.all(
      commands.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            let stderr = '';
            const listener = (chunk: string) => {
              stderr += chunk;
              if (!stderr.includes('Waiting for the lock')) return;
              child.stderr.off('data', listener);
              resolve();
            };
            child.stderr.on('data', listener);
          }),
      ),
    );
    unlinkSync(`${holds}.lock`);
    const runs = await Promise.all(commands.map((command) => command.done));
    for (const run of runs) expect(run.status, run.stderr).to.equal(0);
    expect(holdsIn(holds).sort()).to.deep.equal([sidOf(2), ...added].sort());
    expect(existsSync(`${holds}.lock`)).to.equal(false);
  });

  it('takes over a lock left by a process of this machine that is no longer running', async () => {
    const holds = scratch('stale.json');
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${holds}.lock`, lockOwnedBy(gone));
    const sid = sidOf(200);
    const run = await twilio(['recordings:holds:add', '--sid', sid, '--reason', 'after a crash', '--holds', holds]);
    expect(run.status, run.stderr).to.equal(0);
    expect(holdsIn(holds)).to.deep.equal([sid]);
    expect(existsSync(`${holds}.lock`)).to.equal(false);
  });

  it('keeps a recording held while a purge runs, and deletes the others', async () => {
    const callSid = 'CA' + '8'.repeat(32);
    // Newest first, as Twilio lists them: the purge reaches the oldest last.
    const sids = Array.from({ length: 8 }, (_, i) => add(40 + i, { callSid }));
    const oldest = sids[sids.length - 1];
    const holds = scratch('during-purge.json');
    writeFileSync(holds, JSON.stringify({ version: 1, holds: [] }));
    const args = ['recordings:purge', '--call-sid', callSid, '--force', '--concurrency', '1', '--holds', holds];
    world.sandbox.resetCounters();
    expect((await twilio([...args, '--dry-run'])).status).to.equal(0);
    const listing = world.sandbox.counters.requests.total;
    // The plan's listing, the deletions' listing and two DELETEs are answered; the third DELETE waits.
    world.sandbox.setKnobs({ holdAfterRequests: 2 * listing + 2 });
    const report = scratch('during-purge-report.json');
    const purge = world.start([...args, '--report', report, '-o', 'json'], { env: world.authTokenEnv });
    for (const deadline = Date.now() + 90_000; world.sandbox.counters.held === 0;) {
      if (Date.now() > deadline) throw new Error('the purge never reached its third DELETE');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const held = await twilio(['recordings:holds:add', '--sid', oldest, '--reason', 'late subpoena', '--holds', holds]);
    expect(held.status, held.stderr).to.equal(0);
    world.sandbox.setKnobs({ holdAfterRequests: null });
    const run = await purge.done;
    expect(run.status, run.stderr).to.equal(0);
    expect(sids.map(status)).to.deep.equal([...sids.slice(0, -1).map(() => 'deleted'), 'completed']);
    expect(world.sandbox.counters.deletesPerSid[oldest]).to.equal(undefined);
    const results = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(results.find((result) => result.sid === oldest)).to.include({ outcome: 'skipped', keptBecause: 'held' });
    expect(run.stderr).to.include('Kept 1 recording held since the purge began');
    expect(run.stderr).not.to.include('The selection changed');
    const written = JSON.parse(readFileSync(report, 'utf8')) as { total: { deleted: number; kept: { held: number } } };
    expect(written.total).to.deep.include({ deleted: 7 });
    expect(written.total.kept.held).to.equal(1);
  });

  it('adds, lists and removes holds with no profile and no credentials at all', async () => {
    const bare = (args: string[]) => world.run(args, { env: { TWILIO_RECORDINGS_HOLDS: undefined } });
    expect(existsSync(join(world.home, '.twilio-cli', 'config.json'))).to.equal(false);
    const sid = sidOf(300);
    const added = await bare(['recordings:holds:add', '--sid', sid, '--reason', 'no credentials']);
    expect(added.status, added.stderr).to.equal(0);
    const listed = await bare(['recordings:holds:list', '-o', 'json']);
    expect(listed.status, listed.stderr).to.equal(0);
    expect((JSON.parse(listed.stdout) as Array<{ sid: string }>).map((row) => row.sid)).to.include(sid);
    const removed = await bare(['recordings:holds:remove', '--sid', sid]);
    expect(removed.status, removed.stderr).to.equal(0);
    expect(holdsIn(defaultHolds())).not.to.include(sid);
  });

  it('refuses -p on holds:add, which reads no profile, in one line with exit 2, adding nothing', async () => {
    const holds = scratch('profile.json');
    const hold = ['--sid', sidOf(400), '--reason', 'case 9', '--holds', holds];
    const run = await twilio(['recordings:holds:add', ...hold, '-p', 'work']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr.trimEnd().split('\n')).to.deep.equal([
      ' » This command needs no profile or credentials: leave out -p/--profile; run "twilio recordings:holds:add --help" for the flags and their rules.',
    ]);
    expect(existsSync(holds)).to.equal(false);
  });

  it('offers no -p/--profile in the help of holds:add, :list and :remove', async () => {
    for (const command of ['add', 'list', 'remove']) {
      const help = await twilio([`recordings:holds:${command}`, '--help']);
      expect(help.status, help.stderr).to.equal(0);
      expect(help.stdout).to.include('--holds');
      expect(help.stdout).not.to.match(/-p\b|--profile/);
    }
  });

  it('keeps a held recording through listen --delete-after-download, which still downloads it', async () => {
    const recording = world.sandbox.store.addRecording({ status: 'completed', durationSeconds: 4 });
    expect((await twilio(['recordings:holds:add', '--sid', recording.sid, '--reason', 'subpoena'])).status).to.equal(0);
    const dir = scratch('downloads');
    const listener = await RunningListener.start(
      world,
      ['--download-dir', dir, '--layout', '{sid}.{ext}', '--delete-after-download'],
      world.authTokenEnv,
    );
    const sent = await twilio(['recordings:callbacks:send', listener.localUrl, '--recording-sid', recording.sid]);
    expect(sent.status, sent.stderr).to.equal(0);
    await listener.waitForStdout(/saved to/);
    const stopped = await listener.stop();
    expect(stopped.status, stopped.stderr).to.equal(0);
    expect(existsSync(join(dir, `${recording.sid}.wav`))).to.equal(true);
    expect(status(recording.sid)).to.equal('completed');
    expect(stopped.stdout).to.include('not deleted: held');
  });
});
