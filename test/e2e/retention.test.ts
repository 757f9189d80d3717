import { expect } from 'chai';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TwilioWorld } from './twilio-world';
import { HOUR, DAY } from '../support/time';

const POLICY = `version: 1
minimumAge: 1d
subaccounts: true
rules:
  - name: compliance
    match:
      account: Sandbox subaccount 1
    keep: forever
  - name: short calls
    match:
      maxDuration: 30s
    keep: 1h
  - name: default
    keep: 30d
`;

describe('twilio recordings:purge --policy', function () {
  this.timeout(180_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 2 });
  });
  after(() => world.close());

  const store = () => world.sandbox.store;
  const status = (sid: string) => store().getRecording(sid)?.status;
  const parent = () => world.sandbox.account.sid;
  const sub = (i: number) => world.sandbox.subaccounts[i].sid;
  const add = (
    ageMs: number,
    init: {
      accountSid?: string;
      durationSeconds?: number;
      status?: 'completed' | 'absent' | 'processing';
      callSid?: string;
      conferenceSid?: string;
    } = {},
  ) => store().addRecording({ dateCreated: Date.now() - ageMs, durationSeconds: 120, ...init }).sid;

  const file = (name: string, text: string) => {
    const dir = join(world.home, 'policies');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const purge = (args: string[]) => world.run(['recordings:purge', ...args], { env: world.authTokenEnv });

  it('deletes exactly what the rules imply, over the account and two subaccounts', async () => {
    const compliance = add(100 * DAY, { accountSid: sub(0) });
    const shortOld = add(10 * DAY, { durationSeconds: 20 });
    const shortYoung = add(12 * HOUR, { durationSeconds: 20 });
    const keptByDefault = add(10 * DAY);
    const oldParent = add(40 * DAY);
    const oldSub = add(40 * DAY, { accountSid: sub(1) });
    const absent = add(40 * DAY, { accountSid: sub(1), status: 'absent' });
    const held = add(40 * DAY);
    const holds = file('holds.json', JSON.stringify({ version: 1, holds: [{ sid: held, reason: 'case 42' }] }));
    const policy = file('retention.yml', POLICY);

    const run = await purge(['--policy', policy, '--holds', holds, '--force']);
    expect(run.status, run.stderr).to.equal(0);

    for (const sid of [shortOld, oldParent, oldSub]) expect(status(sid), sid).to.equal('deleted');
    for (const sid of [compliance, shortYoung, keptByDefault, held]) expect(status(sid), sid).to.equal('completed');
    expect(status(absent)).to.equal('absent');
    expect(Object.keys(world.sandbox.counters.deletesPerSid)).to.have.members([shortOld, oldParent, oldSub]);
  });

  it('shows each rule with its cut-off, per account, and the held recordings with their reasons', async () => {
    const held = add(40 * DAY);
    const holds = file(
      'holds-plan.json',
      JSON.stringify({ version: 1, holds: [{ sid: held, reason: 'litigation hold' }] }),
    );
    const policy = file('plan.yml', POLICY);
    const before = Date.now();
    const run = await purge(['--policy', policy, '--holds', holds, '--dry-run']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.match(/rule compliance \(keep forever: keep forever\):/);
    const cutoff = /rule default \(keep 30d: delete completed recordings created before (\S+)\):/.exec(run.stderr)?.[1];
    expect(Date.parse(cutoff!)).to.be.closeTo(before - 30 * DAY, 60_000);
    // The short-calls rule keeps 1h, but nothing younger than the minimum age of 1d goes.
    const shortCutoff = /rule short calls \(keep 1h: delete completed recordings created before (\S+)\):/.exec(
      run.stderr,
    )?.[1];
    expect(Date.parse(shortCutoff!)).to.be.closeTo(before - DAY, 60_000);
    expect(run.stderr).to.include(`Keep 1 held recording: ${held}: litigation hold.`);
    expect(run.stderr).to.match(
      new RegExp(`${parent()}: delete 1 recording, 2 minutes, saves at most \\$0\\.0010 a month; keep .*1 held`),
    );
    expect(status(held)).to.equal('completed');
  });

  it('with --dry-run -o json, gives each selected recording its rule, decision and reason', async () => {
    const compliance = add(100 * DAY, { accountSid: sub(0) });
    const shortYoung = add(12 * HOUR, { durationSeconds: 20 });
    const old = add(40 * DAY, { accountSid: sub(1) });
    const young = add(10 * DAY, { accountSid: sub(1) });
    const absent = add(40 * DAY, { accountSid: sub(1), status: 'absent' });
    const held = add(40 * DAY, { accountSid: sub(1) });
    const holds = file('holds-rows.json', JSON.stringify({ version: 1, holds: [{ sid: held, reason: 'case 7' }] }));
    const run = await purge(['--policy', file('rows.yml', POLICY), '--holds', holds, '--dry-run', '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    const rows = new Map(
      (JSON.parse(run.stdout) as Array<Record<string, unknown>>).map((row) => [row.sid as string, row]),
    );
    const decided = (sid: string) => {
      const { decision, rule, reason } = rows.get(sid)!;
      return { decision, rule, reason };
    };
    expect(decided(compliance)).to.deep.equal({ decision: 'keep', rule: 'compliance', reason: 'rule-keeps' });
    expect(decided(shortYoung)).to.deep.equal({ decision: 'keep', rule: 'short calls', reason: 'too-young' });
    expect(decided(old)).to.deep.equal({ decision: 'delete', rule: 'default', reason: 'past-keep' });
    expect(decided(young)).to.deep.equal({ decision: 'keep', rule: 'default', reason: 'rule-keeps' });
    expect(decided(absent)).to.include({ decision: 'keep', reason: 'not-completed' });
    expect(decided(held)).to.include({ decision: 'keep', reason: 'held' });
    expect(rows.get(held)!.detail).to.include('case 7');
    expect(Object.keys(world.sandbox.counters.deletesPerSid)).not.to.include.members([old]);
    expect(status(old)).to.equal('completed');
  });

  it('refuses --policy with selection flags (exit 2) before calling Twilio', async () => {
    world.sandbox.resetCounters();
    const policy = file('flags.yml', POLICY);
    for (const flag of [['--older-than', '30d'], ['--sid', 'RE' + '0'.repeat(32)], ['--subaccounts']]) {
      const run = await purge(['--policy', policy, ...flag, '--dry-run']);
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.match(/--(policy and --\S+|\S+ and --policy) cannot be used together/);
    }
    expect(world.sandbox.counters.requests.total).to.equal(0);
  });

  const badPolicies: Array<[string, string, RegExp]> = [
    ['an unknown key', POLICY.replace('maxDuration', 'maxDurration'), /:11:7: unknown key "maxDurration"/],
    ['an unknown top-level key', `retain: 1d\n${POLICY}`, /:1:1: unknown key "retain"/],
    [
      'a duration without its unit',
      POLICY.replace('keep: 30d', 'keep: 30'),
      /:14:11: rules\[2\]\.keep must be a number with a unit/,
    ],
    ['a duration in words', POLICY.replace('keep: 30d', 'keep: 30 days'), /:14:11: Invalid keep "30 days"/],
    ['months as M', POLICY.replace('keep: 30d', 'keep: 6M'), /:14:11: Invalid keep "6M": units are case-sensitive/],
    ['a bad minimum age', POLICY.replace('minimumAge: 1d', 'minimumAge: -1d'), /:2:13: Invalid minimumAge "-1d"/],
    ['no default rule', POLICY.replace('name: default', 'name: everything else'), /:4:1: no rule is named "default"/],
    [
      'an unknown status',
      POLICY.replace('maxDuration: 30s', 'status: done'),
      /:11:15: rules\[1\]\.match\.status must be one of/,
    ],
    [
      'overlapping account and subaccounts',
      POLICY.replace('account: Sandbox subaccount 1', 'account: Sandbox subaccount 1\n      subaccounts: true'),
      /:8:7: rule "compliance" gives both account and subaccounts, which overlap/,
    ],
    [
      'a minimum duration above the maximum',
      POLICY.replace('maxDuration: 30s', 'maxDuration: 30s\n      minDuration: 2m'),
      /:12:20: minDuration 2m is longer than maxDuration 30s/,
    ],
    [
      'a YAML syntax error',
      POLICY.replace('  - name: default', '  - name: default\n   keep: 1d'),
      /:14:1: .*; fix the syntax/,
    ],
  ];
  for (const [what, text, message] of badPolicies) {
    it(`refuses a policy with ${what}: one line with its line and column, exit 2, no API call`, async () => {
      world.sandbox.resetCounters();
      const policy = file('bad.yml', text);
      const run = await purge(['--policy', policy, '--force']);
      expect(run.status, run.stderr).to.equal(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).to.have.length(1);
      expect(lines[0]).to.include(`${policy}:`);
      expect(lines[0]).to.match(message);
      expect(run.stdout).to.equal('');
      expect(world.sandbox.counters.requests.total).to.equal(0);
    });
  }

  const FAR_POLICIES: Array<[string, string, RegExp]> = [
    [
      'keep: 1000000y',
      POLICY.replace('keep: 30d', 'keep: 1000000y'),
      /:14:11: Invalid keep "1000000y": .*write keep: forever\.$/,
    ],
    ['keep: 3000y', POLICY.replace('keep: 30d', 'keep: 3000y'), /:14:11: Invalid keep "3000y": .*before the year 0000/],
    [
      'minimumAge: 1000000y',
      POLICY.replace('minimumAge: 1d', 'minimumAge: 1000000y'),
      /:2:13: Invalid minimumAge "1000000y": it is longer than 10000y/,
    ],
    [
      'minimumAge: 10001y',
      POLICY.replace('minimumAge: 1d', 'minimumAge: 10001y'),
      /:2:13: Invalid minimumAge "10001y": it is longer than 10000y/,
    ],
  ];
  for (const [what, text, message] of FAR_POLICIES) {
    it(`refuses ${what} (exit 2, at its place) for --dry-run, --plan-out, --force and usage, deleting nothing`, async () => {
      const old = add(400 * DAY);
      const policy = file(`far-${what.replace(/\W+/g, '-')}.yml`, text);
      const planOut = join(world.home, 'policies', 'far-plan.json');
      world.sandbox.resetCounters();
      for (const args of [
        ['recordings:purge', '--policy', policy, '--dry-run'],
        ['recordings:purge', '--policy', policy, '--plan-out', planOut],
        ['recordings:purge', '--policy', policy, '--force'],
        ['recordings:usage', '--policy', policy],
      ]) {
        const run = await world.run(args, { env: world.authTokenEnv });
        expect(run.status, `${args.join(' ')}: ${run.stderr}`).to.equal(2);
        const lines = run.stderr.trim().split('\n');
        expect(lines, run.stderr).to.have.length(1);
        expect(lines[0]).to.include(`${policy}:`);
        expect(lines[0]).to.match(message);
        expect(run.stderr).not.to.match(/ -\d{4}-\d\d-\d\dT|unexpected error/);
      }
      expect(existsSync(planOut)).to.equal(false);
      expect(world.sandbox.counters.requests.delete).to.equal(0);
      expect(status(old)).to.equal('completed');
    });
  }

  it('refuses a rule with an invisible character in its name, without match, before the default (exit 2), deleting nothing', async () => {
    const old = add(400 * DAY);
    const policy = file(
      'invisible.yml',
      'rules:\n  - name: "default\\u200b"\n    keep: 1h\n  - name: default\n    keep: forever\n',
    );
    world.sandbox.resetCounters();
    for (const args of [['--force'], ['--dry-run']]) {
      const run = await purge(['--policy', policy, ...args]);
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.include(
        `${policy}:2:11: rule name "default\\u200b" holds the invisible or control character \\u200b`,
      );
      expect(run.stderr).not.to.include('\u200b');
    }
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(status(old)).to.equal('completed');
  });

  it('refuses a rule without match before the default, whatever it is named (exit 2), deleting nothing', async () => {
    const old = add(400 * DAY);
    const policy = file(
      'catch-all.yml',
      'rules:\n  - name: everything\n    keep: 1h\n  - name: default\n    keep: forever\n',
    );
    world.sandbox.resetCounters();
    const run = await purge(['--policy', policy, '--force']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr).to.include(`${policy}:2:11: rule "everything" has no match`);
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(status(old)).to.equal('completed');
  });

  it('keeps what the policy’s own holds name in upper-case hex: a recording, a call, a conference', async () => {
    const callSid = 'CA' + 'ab'.repeat(16);
    const conferenceSid = 'CF' + 'cd'.repeat(16);
    const bySid = add(400 * DAY);
    const byCall = add(400 * DAY, { callSid });
    const byConference = add(400 * DAY, { conferenceSid });
    const other = add(400 * DAY);
    const policy = file(
      'upper-holds.yml',
      `holds:\n  - {sid: ${bySid.toUpperCase()}, reason: case 1}\n  - {callSid: ${callSid.toUpperCase()}, reason: case 2}\n` +
        `  - {conferenceSid: ${conferenceSid.toUpperCase()}, reason: case 3}\nrules:\n  - name: default\n    keep: 30d\n`,
    );
    const run = await purge(['--policy', policy, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect([bySid, byCall, byConference].map(status)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(status(other)).to.equal('deleted');
  });

  it('refuses a policy naming an account it does not have, at its line, with no recording listed or deleted', async () => {
    world.sandbox.resetCounters();
    const policy = file('unknown-account.yml', POLICY.replace('Sandbox subaccount 1', 'Legal department'));
    const run = await purge(['--policy', policy, '--force']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.include(`${policy}:7:16: rule "compliance" names account "Legal department"`);
    const { requests } = world.sandbox.counters;
    expect([requests.list, requests.fetch, requests.delete, requests.media]).to.deep.equal([0, 0, 0, 0]);
  });

  it('refuses a missing policy file (exit 2) before calling Twilio', async () => {
    world.sandbox.resetCounters();
    const run = await purge(['--policy', join(world.home, 'nowhere.yml'), '--force']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr).to.match(/policy file .*nowhere\.yml does not exist/);
    expect(world.sandbox.counters.requests.total).to.equal(0);
  });

  it('archives a rule’s recordings into its folder, relative to the policy, before deleting them', async () => {
    const old = add(50 * DAY, { accountSid: sub(1) });
    const policy = file(
      'archive.yml',
      `subaccounts: true\nrules:\n  - name: archived\n    match: {account: ${sub(1)}}\n    keep: 45d\n    archive: ./archive\n  - name: default\n    keep: forever\n`,
    );
    const run = await purge(['--policy', policy, '--force', '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    const results = JSON.parse(run.stdout) as Array<{
      sid: string;
      outcome: string;
      archivedPath: string;
      rule: string;
    }>;
    const result = results.find((r) => r.sid === old)!;
    expect(result).to.include({ outcome: 'deleted', rule: 'archived' });
    expect(existsSync(join(world.home, 'policies', 'archive', result.archivedPath))).to.equal(true);
    expect(status(old)).to.equal('deleted');
  });
});
