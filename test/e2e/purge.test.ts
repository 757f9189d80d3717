import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TwilioWorld } from './twilio-world';
import { MINUTE, DAY } from '../support/time';

interface LogLine {
  event: string;
  outcome: string;
  sid: string;
  callSid: string | null;
  accountSid: string;
  dateCreated: string;
  duration: number;
  deletedAt: string;
  archivedPath: string | null;
}

/** The outcome lines of a deletion log: one for each recording Twilio confirmed deleted. */
function readLog(path: string): LogLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.event === 'deleted');
}

describe('twilio recordings:purge', function () {
  this.timeout(120_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 1 });
  });
  after(() => world.close());

  const status = (sid: string) => world.sandbox.store.getRecording(sid)?.status;
  const add = (
    daysAgo: number,
    init: {
      status?: 'completed' | 'absent' | 'processing' | 'in-progress';
      durationSeconds?: number;
      accountSid?: string;
      callSid?: string;
    } = {},
  ) => world.sandbox.store.addRecording({ dateCreated: Date.now() - daysAgo * DAY, durationSeconds: 30, ...init }).sid;
  const logDir = () => join(world.home, '.twilio-cli', 'recordings');

  it('refuses a purge without a bound (exit 2) before calling Twilio', async () => {
    world.sandbox.resetCounters();
    for (const args of [[], ['--newer-than', '7d'], ['--status', 'completed', '--force']]) {
      const run = await world.run(['recordings:purge', ...args], { env: world.authTokenEnv });
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr).to.match(/needs a bound: add --older-than, --before, --sid, --call-sid or --conference-sid/);
    }
    const archiveDir = join(world.home, 'no-such-folder', 'archive');
    for (const args of [
      ['--older-than', '30d', '--archive-dir', archiveDir, '--dry-run'],
      ['--older-than', '30d', '--archive-dir', join(world.home, 'a'), '--log', join(world.home, 'b')],
      ['--older-than', '30 days'],
    ]) {
      const run = await world.run(['recordings:purge', ...args], { env: world.authTokenEnv });
      expect(run.status, run.stderr).to.equal(2);
    }
    expect(existsSync(join(world.home, 'no-such-folder'))).to.equal(false);
    expect(world.sandbox.counters.requests.total).to.equal(0);
  });

  it('deletes exactly the completed recordings older than --older-than (env credentials), and logs each', async () => {
    const justOlder = world.sandbox.store.addRecording({
      dateCreated: Date.now() - 30 * DAY - MINUTE,
      durationSeconds: 90,
    }).sid;
    const justYounger = world.sandbox.store.addRecording({ dateCreated: Date.now() - 30 * DAY + MINUTE }).sid;
    const old = [add(45), add(60, { durationSeconds: 600 })];
    const kept = [add(50, { status: 'absent' }), add(50, { status: 'processing' }), add(50, { status: 'in-progress' })];
    const recent = add(2);

    const run = await world.run(['recordings:purge', '--older-than', '30d', '--force'], { env: world.authTokenEnv });
    expect(run.status, run.stderr).to.equal(0);

    for (const sid of [justOlder, ...old]) expect(status(sid), sid).to.equal('deleted');
    expect(status(justYounger)).to.equal('completed');
    expect(status(recent)).to.equal('completed');
    expect(kept.map(status)).to.deep.equal(['absent', 'processing', 'in-progress']);
    expect(Object.keys(world.sandbox.counters.deletesPerSid)).to.have.members([justOlder, ...old]);

    expect(run.stderr).to.match(/Purge plan: delete 3 recordings, 13 minutes/);
    expect(run.stderr).to.match(/Keep 3 recordings not completed: 1 absent, 1 in-progress, 1 processing/);
    expect(run.stderr).to.match(/at most \$0\.0065 a month/);
    expect(run.stderr).to.match(
      /Purge: deleted 3 recordings \(13 minutes\), kept 1 absent, 1 in-progress, 1 processing\./,
    );
    for (const sid of [justOlder, ...old])
      expect(run.stdout).to.match(new RegExp(`${sid}\\s+${world.sandbox.account.sid}\\s+deleted`));

    const logPath = /Deletions are recorded in (\S+)/.exec(run.stderr)?.[1];
    expect(logPath).to.match(/purge-\d{4}-\d{2}-\d{2}\.jsonl$/);
    expect(logPath!.startsWith(logDir())).to.equal(true);
    const lines = readLog(logPath!);
    expect(lines.map((line) => line.sid)).to.have.members([justOlder, ...old]);
    const first = lines.find((line) => line.sid === justOlder)!;
    const recording = world.sandbox.store.getRecording(justOlder)!;
    expect(first).to.include({
      event: 'deleted',
      outcome: 'deleted',
      callSid: recording.callSid,
      accountSid: recording.accountSid,
      dateCreated: new Date(recording.dateCreatedMs).toISOString(),
      duration: 90,
      archivedPath: null,
    });
    expect(Date.parse(first.deletedAt)).to.be.closeTo(Date.now(), 60_000);
    expect(statSync(logPath!).mode & 0o777).to.equal(0o600);
    expect(statSync(logDir()).mode & 0o777).to.equal(0o700);
  });

  it('works with a stored profile (-p), selects by --sid and reports JSON results', async () => {
    world.writeProfile('archive', {
      accountSid: world.sandbox.account.sid,
      apiKey: world.sandbox.account.apiKeySid,
      apiSecret: world.sandbox.account.apiKeySecret,
    });
    const target = add(3);
    const other = add(3);
    const logFile = join(world.home, 'deleted.jsonl');
    const run = await world.run(
      ['recordings:purge', '-p', 'archive', '--sid', target, '--force', '--log', logFile, '-o', 'json'],
      {},
    );
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal([
      {
        sid: target,
        accountSid: world.sandbox.account.sid,
        status: 'completed',
        outcome: 'deleted',
        archivedPath: null,
        error: null,
      },
    ]);
    expect(status(target)).to.equal('deleted');
    expect(status(other)).to.equal('completed');
    expect(readLog(logFile).map((line) => line.sid)).to.deep.equal([target]);
    expect(run.stderr).to.include(`Deletions are recorded in ${logFile}`);
  });

  it('refuses without a terminal and without --force (exit 3), deleting nothing', async () => {
    const sid = add(100);
    world.sandbox.resetCounters();
    const run = await world.run(['recordings:purge', '--older-than', '90d'], { env: world.authTokenEnv });
    expect(run.status, run.stderr).to.equal(3);
    expect(run.stderr).to.match(/Purge plan: delete 1 recording/);
    expect(run.stderr).to.match(/Add --force/);
    expect(status(sid)).to.equal('completed');
    expect(world.sandbox.counters.requests.delete).to.equal(0);
  });

  it('--dry-run shows the plan and, with -o json, the whole selection; it deletes nothing and writes no log', async () => {
    const callSid = 'CA' + 'd'.repeat(32);
    const sids = [add(100, { callSid }), add(101, { callSid, status: 'absent' }), add(102, { callSid })];
    world.sandbox.resetCounters();
    const before = existsSync(logDir())
      ? readdirSync(logDir()).map((name) => [name, statSync(join(logDir(), name)).size])
      : [];
    const run = await world.run(['recordings:purge', '--call-sid', callSid, '--dry-run', '-o', 'json'], {
      env: world.authTokenEnv,
    });
    expect(run.status, run.stderr).to.equal(0);
    const selected = JSON.parse(run.stdout) as Array<{ sid: string; status: string }>;
    expect(selected.map((r) => r.sid)).to.have.members(sids);
    expect(run.stderr).to.match(/Purge plan: delete 2 recordings/);
    expect(run.stderr).to.match(/Keep 1 recording not completed: 1 absent/);
    expect(run.stderr).to.include('Dry run: nothing was deleted.');
    expect(world.sandbox.counters.requests.delete).to.equal(0);
    for (const sid of sids) expect(status(sid)).not.to.equal('deleted');
    const after = existsSync(logDir())
      ? readdirSync(logDir()).map((name) => [name, statSync(join(logDir(), name)).size])
      : [];
    expect(after).to.deep.equal(before);
  });

  it('--subaccounts purges the parent and each subaccount, with the plan and summary per account', async () => {
    const conferenceSid = 'CF' + 'e'.repeat(32);
    const sub = world.sandbox.subaccounts[0]!.sid;
    const inConference = [
      world.sandbox.store.addRecording({ dateCreated: Date.now() - 200 * DAY, conferenceSid, durationSeconds: 120 })
        .sid,
      world.sandbox.store.addRecording({ dateCreated: Date.now() - 201 * DAY, conferenceSid, accountSid: sub }).sid,
      world.sandbox.store.addRecording({
        dateCreated: Date.now() - 202 * DAY,
        conferenceSid,
        accountSid: sub,
        status: 'absent',
      }).sid,
    ];
    const run = await world.run(['recordings:purge', '--conference-sid', conferenceSid, '--subaccounts', '--force'], {
      env: world.authTokenEnv,
    });
    expect(run.status, run.stderr).to.equal(0);
    expect(status(inConference[0]!)).to.equal('deleted');
    expect(status(inConference[1]!)).to.equal('deleted');
    expect(status(inConference[2]!)).to.equal('absent');
    expect(run.stderr).to.match(new RegExp(`${world.sandbox.account.sid}: delete 1 recording, 2 minutes`));
    expect(run.stderr).to.match(new RegExp(`${sub}: delete 1 recording, 1 minute.*keep 1 absent`));
    expect(run.stderr).to.match(new RegExp(`${world.sandbox.account.sid}: deleted 1 recording \\(2 minutes\\)`));
    expect(run.stderr).to.match(new RegExp(`${sub}: deleted 1 recording \\(1 minute\\), kept 1 absent`));
  });
});
