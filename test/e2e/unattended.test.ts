import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TwilioWorld } from './twilio-world';
import { DAY } from '../support/time';

const POLICY = `subaccounts: true
rules:
  - name: support
    match:
      account: Sandbox subaccount 1
    keep: 30d
  - name: default
    keep: 60d
`;

interface Counts {
  examined: number;
  deleted: number;
  archived: number;
  kept: { held: number; tooYoung: number; notCompleted: number; ruleSaysKeep: number };
  failed: number;
  minutesFreed: number;
  monthlyCostFreedUsd: number;
}

interface Report {
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  outcome: string;
  exitStatus: number;
  total: Counts;
  rules: Array<{ rule: string; accounts: Array<{ accountSid: string } & Counts> }>;
}

describe('unattended purges: --force without a terminal, --report, one run per account', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let dir: string;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 1 });
    dir = join(world.home, 'cron');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'retention.yml'), POLICY);
    writeFileSync(join(dir, 'holds.json'), JSON.stringify({ version: 1, holds: [] }));
  });
  after(() => world.close());

  const store = () => world.sandbox.store;
  const status = (sid: string) => store().getRecording(sid)?.status;
  const add = (daysAgo: number, init: { accountSid?: string; status?: 'completed' | 'absent' } = {}) =>
    store().addRecording({ dateCreated: Date.now() - daysAgo * DAY, durationSeconds: 150, ...init }).sid;
  const purge = (args: string[]) =>
    world.run(
      ['recordings:purge', '--policy', join(dir, 'retention.yml'), '--holds', join(dir, 'holds.json'), ...args],
      { env: world.authTokenEnv },
    );
  const lockPath = () => join(world.home, '.twilio-cli', 'recordings', `purge-${world.sandbox.account.sid}.lock`);

  it('runs with --force without a terminal and reports per rule and account in JSON', async () => {
    const sub = world.sandbox.subaccounts[0].sid;
    const parent = world.sandbox.account.sid;
    const deletedSub = [add(40, { accountSid: sub }), add(45, { accountSid: sub })];
    const keptSub = add(10, { accountSid: sub });
    const absentSub = add(40, { accountSid: sub, status: 'absent' });
    const deletedParent = add(70);
    const keptParent = add(40);
    const report = join(dir, 'report.json');

    const run = await purge(['--force', '--report', report]);
    expect(run.status, run.stderr).to.equal(0);
    expect([...deletedSub, deletedParent].map(status)).to.deep.equal(['deleted', 'deleted', 'deleted']);
    expect([keptSub, keptParent].map(status)).to.deep.equal(['completed', 'completed']);
    expect(status(absentSub)).to.equal('absent');

    const written = JSON.parse(readFileSync(report, 'utf8')) as Report;
    expect(written.outcome).to.equal('completed');
    expect(written.exitStatus).to.equal(0);
    expect(Date.parse(written.endedAt)).to.be.at.least(Date.parse(written.startedAt));
    expect(written.durationSeconds).to.be.at.least(0);
    const support = written.rules.find((rule) => rule.rule === 'support')!.accounts;
    expect(support).to.have.length(1);
    expect(support[0]).to.deep.include({ accountSid: sub, examined: 4, deleted: 2, archived: 0, failed: 0 });
    expect(support[0].kept).to.deep.equal({ held: 0, tooYoung: 0, notCompleted: 1, ruleSaysKeep: 1 });
    expect(support[0].minutesFreed).to.equal(6);
    expect(support[0].monthlyCostFreedUsd).to.equal(0.003);
    const fallback = written.rules.find((rule) => rule.rule === 'default')!.accounts;
    expect(fallback.find((account) => account.accountSid === parent)).to.deep.include({ examined: 2, deleted: 1 });
  });

  it('writes the report as Markdown for a .md name', async () => {
    add(70);
    const report = join(dir, 'report.md');
    const run = await purge(['--force', '--report', report]);
    expect(run.status, run.stderr).to.equal(0);
    const text = readFileSync(report, 'utf8');
    expect(text).to.match(/^# Recordings purge report/);
    expect(text).to.match(/- Outcome: completed \(exit 0\)/);
    expect(text).to.match(/## Rule default/);
    expect(text).to.match(new RegExp(`\\| ${world.sandbox.account.sid} \\| \\d+ \\| 1 \\|`));
  });

  it('puts the Markdown report’s rule sections in the policy’s order, with outside text shown as text', async () => {
    const sub = world.sandbox.subaccounts[0].sid;
    add(70);
    add(70, { accountSid: sub });
    const policy = join(dir, 'marked-up.yml');
    writeFileSync(
      policy,
      POLICY.replace('name: support', 'name: "[support](https://evil.example) <img src=x onerror=alert(1)> **x**"'),
    );
    const report = join(dir, 'marked-up.md');
    const run = await world.run(
      ['recordings:purge', '--policy', policy, '--holds', join(dir, 'holds.json'), '--dry-run', '--report', report],
      { env: world.authTokenEnv },
    );
    expect(run.status, run.stderr).to.equal(0);
    const text = readFileSync(report, 'utf8');
    const headings = text.split('\n').filter((line) => line.startsWith('## Rule '));
    expect(headings).to.deep.equal([
      '## Rule \\[support\\]\\(https\\://evil.example\\) &lt;img src=x onerror=alert\\(1\\)&gt; \\*\\*x\\*\\*',
      '## Rule default',
    ]);
    expect(text).not.to.match(/<img|\]\(http/);
  });

  it('refuses to run while another purge of the account runs (exit 3), deleting nothing', async () => {
    const sid = add(70);
    mkdirSync(join(world.home, '.twilio-cli', 'recordings'), { recursive: true });
    // This test's own process stands for the other run: it is alive on this machine.
    writeFileSync(
      lockPath(),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
    );
    const report = join(dir, 'locked.json');
    const run = await purge(['--force', '--report', report]);
    expect(run.status, run.stderr).to.equal(3);
    expect(run.stderr).to.include(
      `Another purge of account ${world.sandbox.account.sid} is running (process ${process.pid}`,
    );
    expect(status(sid)).to.equal('completed');
    expect(existsSync(lockPath())).to.equal(true);
    expect((JSON.parse(readFileSync(report, 'utf8')) as Report).outcome).to.equal('cancelled');
  });

  it('takes over a lock left by a process that is no longer running', async () => {
    const sid = add(70);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(lockPath(), JSON.stringify({ pid: dead, host: hostname(), startedAt: new Date().toISOString() }));
    const run = await purge(['--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(sid)).to.equal('deleted');
    expect(existsSync(lockPath())).to.equal(false);
  });

  it('reports a refused policy too: outcome refused, exit 2, with the line that says why', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, POLICY.replace('keep: 60d', 'keep: 60 days'));
    const report = join(dir, 'refused.json');
    const run = await world.run(
      ['recordings:purge', '--policy', bad, '--holds', join(dir, 'holds.json'), '--force', '--report', report],
      { env: world.authTokenEnv },
    );
    expect(run.status, run.stderr).to.equal(2);
    const written = JSON.parse(readFileSync(report, 'utf8')) as Report & { error: string };
    expect(written).to.include({ outcome: 'refused', exitStatus: 2 });
    expect(written.error).to.match(/bad\.yml:8:11: Invalid keep "60 days"/);
    expect(written.total.examined).to.equal(0);
  });
});
