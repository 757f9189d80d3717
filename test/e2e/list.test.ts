import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Recording } from '../../sandbox';
import { TwilioWorld, type TwilioRun } from './twilio-world';
import { MINUTE, DAY } from '../support/time';

function sidsOf(run: TwilioRun): string[] {
  expect(run.status, run.stderr).to.equal(0);
  return (JSON.parse(run.stdout) as Array<{ sid: string }>).map((r) => r.sid).sort();
}

function sorted(recordings: Recording[]): string[] {
  return recordings.map((r) => r.sid).sort();
}

describe('twilio recordings:list', function () {
  this.timeout(120_000);
  let world: TwilioWorld;
  let now: number;
  let justYounger: Recording;
  let justOlder: Recording;

  before(async () => {
    world = await TwilioWorld.start({ recordings: { count: 150, seed: 7 }, subaccounts: 2 });
    now = Date.now();
    const parent = world.sandbox.account.sid;
    justYounger = world.sandbox.store.addRecording({
      accountSid: parent,
      status: 'completed',
      dateCreated: now - 30 * DAY + MINUTE,
    });
    justOlder = world.sandbox.store.addRecording({
      accountSid: parent,
      status: 'completed',
      dateCreated: now - 30 * DAY - MINUTE,
    });
  });

  after(() => world.close());

  const all = (accountSid?: string) => world.sandbox.store.recordings(accountSid);
  const list = (args: string[], env = world.authTokenEnv) => world.run(['recordings:list', ...args], { env });

  it('lists recordings older than 30 days, holding the boundary to the minute', async () => {
    const run = await list(['--older-than', '30d', '--no-limit', '-o', 'json']);
    const sids = sidsOf(run);
    expect(sids).to.include(justOlder.sid);
    expect(sids).not.to.include(justYounger.sid);
    const cutoff = now - 30 * DAY;
    const expected = all(world.sandbox.account.sid).filter((r) => r.dateCreatedMs < cutoff);
    expect(sids).to.deep.equal(sorted(expected));
  });

  it('prints only JSON on stdout with -o json, and the summary on stderr', async () => {
    const run = await list(['--no-limit', '-o', 'json']);
    const parsed = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(parsed).to.have.length(all(world.sandbox.account.sid).length);
    expect(parsed[0]).to.include.keys('sid', 'callSid', 'dateCreated', 'duration', 'status', 'channels', 'source');
    const minutes = all(world.sandbox.account.sid).reduce(
      (sum, r) => sum + Math.ceil(Math.max(r.durationSeconds, 0) / 60),
      0,
    );
    expect(run.stderr).to.include(
      `Selected ${parsed.length.toLocaleString('en-US')} recordings, ${minutes.toLocaleString('en-US')} minutes`,
    );
    const cost =
      /Storing them costs at most \$(\d+\.\d+) a month, if the account's recordings, subaccounts included, exceed the 10,000 free minutes/.exec(
        run.stderr,
      );
    expect(Number(cost?.[1]), run.stderr).to.be.closeTo(minutes * 0.0005, 0.005);
  });

  it('shows the default columns, and --properties and --no-header change them', async () => {
    const columns = await list(['--limit', '3']);
    expect(columns.status).to.equal(0);
    const lines = columns.stdout.trim().split('\n');
    expect(lines).to.have.length(4);
    expect(lines[0]).to.match(/^SID\s+Call SID\s+Date Created\s+Duration\s+Status\s+Channels\s+Source\s*$/);

    const custom = await list(['--limit', '2', '--properties', 'sid,accountSid', '--no-header', '-o', 'tsv']);
    const rows = custom.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(rows).to.have.length(2);
    expect(rows[0]).to.deep.equal([rows[0][0], world.sandbox.account.sid]);
    expect(rows[0][0]).to.match(/^RE[0-9a-f]{32}$/);
  });

  it('applies --limit (50 by default) and --no-limit, and says when the limit cut the listing short', async () => {
    const byDefault = await list(['-o', 'json']);
    expect(JSON.parse(byDefault.stdout)).to.have.length(50);
    expect(byDefault.stderr).to.include('Stopped at --limit 50: more recordings match');
    expect(JSON.parse((await list(['--limit', '7', '-o', 'json'])).stdout)).to.have.length(7);
    const everything = await list(['--no-limit', '-o', 'json']);
    expect(JSON.parse(everything.stdout)).to.have.length(all(world.sandbox.account.sid).length);
    expect(everything.stderr).not.to.include('Stopped at --limit');
  });

  it('selects by date window, call, conference, sid and status exactly', async () => {
    const parent = world.sandbox.account.sid;
    const from = new Date(now - 60 * DAY);
    const to = new Date(now - 20 * DAY);
    const window = await list([
      '--after',
      from.toISOString(),
      '--before',
      to.toISOString(),
      '--no-limit',
      '-o',
      'json',
    ]);
    expect(sidsOf(window)).to.deep.equal(
      sorted(all(parent).filter((r) => r.dateCreatedMs >= from.getTime() && r.dateCreatedMs < to.getTime())),
    );

    const newer = await list(['--newer-than', '10d', '--no-limit', '-o', 'json']);
    expect(sidsOf(newer)).to.deep.equal(sorted(all(parent).filter((r) => r.dateCreatedMs > now - 10 * DAY)));

    const withCall = all(parent).find((r) => r.callSid)!;
    const byCall = await list(['--call-sid', withCall.callSid!, '--no-limit', '-o', 'json']);
    expect(sidsOf(byCall)).to.deep.equal(sorted(all(parent).filter((r) => r.callSid === withCall.callSid)));

    const inConference = all().find((r) => r.conferenceSid && r.accountSid === parent)!;
    const byConference = await list(['--conference-sid', inConference.conferenceSid!, '--no-limit', '-o', 'json']);
    expect(sidsOf(byConference)).to.deep.equal(
      sorted(all(parent).filter((r) => r.conferenceSid === inConference.conferenceSid)),
    );

    const [a, b] = all(parent);
    const missing = 'RE' + '0'.repeat(32);
    const bySid = await list(['--sid', a.sid, '--sid', b.sid, '--sid', missing, '-o', 'json']);
    expect(sidsOf(bySid)).to.deep.equal([a.sid, b.sid].sort());
    expect(bySid.stderr).to.include(`Recording ${missing} was not found.`);

    const byStatus = await list(['--status', 'absent', '--status', 'processing', '--no-limit', '-o', 'json']);
    expect(sidsOf(byStatus)).to.deep.equal(
      sorted(all(parent).filter((r) => r.status === 'absent' || r.status === 'processing')),
    );
  });

  it('covers the account and its subaccounts with --subaccounts', async () => {
    const run = await list(['--subaccounts', '--no-limit', '-o', 'json']);
    expect(sidsOf(run)).to.deep.equal(sorted(all()));
    for (const sub of world.sandbox.subaccounts) expect(run.stderr).to.include(`${sub.sid}: `);
  });

  it("honours --silent and -l debug as Twilio's own commands do, never logging the secret", async () => {
    const silent = await list(['--silent']);
    expect([silent.status, silent.stdout, silent.stderr]).to.deep.equal([0, '', '']);
    const debug = await list(['-l', 'debug', '--limit', '1']);
    expect(debug.status).to.equal(0);
    expect(debug.stderr).to.include(
      `GET https://api.twilio.com/2010-04-01/Accounts/${world.sandbox.account.sid}/Recordings.json?PageSize=1000`,
    );
    expect(debug.stderr).not.to.include(world.sandbox.account.authToken);
  });

  it('uses a stored profile with -p', async () => {
    world.writeProfile('sandbox', {
      accountSid: world.sandbox.account.sid,
      apiKey: world.sandbox.account.apiKeySid,
      apiSecret: world.sandbox.account.apiKeySecret,
    });
    const run = await list(['-p', 'sandbox', '--limit', '5', '-o', 'json'], {});
    expect(JSON.parse(run.stdout)).to.have.length(5);
  });

  it('retries throttling, server errors and dropped connections until the listing is complete', async () => {
    world.sandbox.setKnobs({ errorRate: 0.4, dropRate: 0.2, concurrencyCap: 1, faultSeed: 3 });
    try {
      const run = await list(['--subaccounts', '--no-limit', '-o', 'json']);
      expect(sidsOf(run)).to.deep.equal(sorted(all()));
      expect(world.sandbox.counters.errorsInjected + world.sandbox.counters.dropped).to.be.greaterThan(0);
    } finally {
      world.sandbox.setKnobs({ errorRate: 0, dropRate: 0, concurrencyCap: null });
    }
  });

  describe('bad input', () => {
    const invalid: Array<[string[], RegExp]> = [
      [['--older-than', '30'], /Invalid --older-than "30": add a unit/],
      [['--older-than', '0d'], /greater than zero/],
      [['--newer-than', '-3d'], /Invalid --newer-than/],
      [['--older-than', '3fortnights'], /Invalid --older-than/],
      [['--before', '2026-02-30'], /Invalid --before "2026-02-30"/],
      [['--after', 'last tuesday'], /Invalid --after/],
      [['--sid', 'RE123'], /Invalid --sid "RE123"/],
      [['--call-sid', 'nope'], /Invalid --call-sid/],
      [['--conference-sid', 'CA' + '0'.repeat(32)], /Invalid --conference-sid/],
      [['--status', 'done'], /Expected --status=done to be one of: in-progress/],
      [['--limit', 'many'], /Invalid --limit: expected an integer but received: many/],
      [['--limit', '3', '--no-limit'], /--no-limit and --limit cannot be used together/],
      [['--newer-than', '7d', '--older-than', '30d'], /No recording can match/],
    ];
    for (const [args, message] of invalid) {
      it(`refuses ${args.join(' ')} with exit 2 before calling Twilio`, async () => {
        world.sandbox.resetCounters();
        const run = await list(args);
        expect(run.status).to.equal(2);
        expect(run.stderr).to.match(message);
        expect(run.stderr.trim().split('\n')).to.have.length(1);
        expect(run.stderr).not.to.match(/\n\s+at /);
        expect(run.stdout).to.equal('');
        expect(world.sandbox.counters.requests.total).to.equal(0);
      });
    }

    it('points at twilio profiles:create without credentials (exit 4)', async () => {
      const emptyConfig = mkdtempSync(join(tmpdir(), 'twilio-config-'));
      const run = await world.run(['recordings:list'], { env: { TWILIO_CONFIG_DIR: emptyConfig } });
      expect(run.status).to.equal(4);
      expect(run.stderr).to.include('twilio profiles:create');
    });

    it('names an unknown profile (exit 4)', async () => {
      const run = await list(['-p', 'nosuchprofile'], {});
      expect(run.status).to.equal(4);
      expect(run.stderr).to.include('Could not find profile "nosuchprofile"');
    });

    it('names the account but never prints the secret when Twilio rejects the credentials (exit 4)', async () => {
      const secret = 'f'.repeat(32);
      const run = await list([], { TWILIO_ACCOUNT_SID: world.sandbox.account.sid, TWILIO_AUTH_TOKEN: secret });
      expect(run.status).to.equal(4);
      expect(run.stderr).to.include(`for account ${world.sandbox.account.sid} (401, error 20003)`);
      expect(run.stderr + run.stdout).not.to.include(secret);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
    });
  });
});
