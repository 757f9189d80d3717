import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, sha256Of } from './download-tree';
import { TwilioWorld } from './twilio-world';
import { DAY } from '../support/time';

const POLICY = `subaccounts: true
rules:
  - name: old
    match:
      status: completed
    keep: 30d
  - name: default
    keep: forever
`;

/** Short recordings (90 s, as these tests add them) go after 30 days, archived first; longer ones stay. */
const ARCHIVING_POLICY = `minimumAge: 1d
rules:
  - name: short
    match: {maxDuration: 2m}
    keep: 30d
    archive: ./archive-short
  - name: default
    keep: forever
`;

type PlanEntry = { sid: string; accountSid: string; dateCreated: string; duration: number; rule: string | null };

interface PlanFile {
  accountSid: string;
  createdAt: string;
  policy: { file: string; digest: string } | null;
  holds: { file: string; digest: string };
  recordings: Array<{ sid: string; accountSid: string; dateCreated: string; duration: number; rule: string | null }>;
  selection?: { sids?: string[]; createdFrom?: string; subaccounts: boolean };
}

describe('twilio recordings:purge --plan-out, then --plan', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let dir: string;
  let count = 0;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 1 });
    dir = join(world.home, 'plans');
    mkdirSync(dir, { recursive: true });
  });
  after(() => world.close());

  const store = () => world.sandbox.store;
  const status = (sid: string) => store().getRecording(sid)?.status;
  const add = (daysAgo: number, accountSid?: string) =>
    store().addRecording({ dateCreated: Date.now() - daysAgo * DAY, durationSeconds: 90, accountSid }).sid;
  const purge = (args: string[], env: Record<string, string> = {}) =>
    world.run(['recordings:purge', ...args], { env: { ...world.authTokenEnv, ...env } });

  /** A fresh policy, holds file and plan path for one test. */
  function files() {
    count += 1;
    const policy = join(dir, `policy-${count}.yml`);
    const holds = join(dir, `holds-${count}.json`);
    writeFileSync(policy, POLICY);
    writeFileSync(holds, JSON.stringify({ version: 1, holds: [] }));
    return { policy, holds, plan: join(dir, `plan-${count}.json`) };
  }

  /** Every recording the plans of these tests may delete, deleted out of the way first. */
  async function clearOld(): Promise<void> {
    const { policy, holds } = files();
    const run = await purge(['--policy', policy, '--holds', holds, '--force']);
    expect(run.status, run.stderr).to.equal(0);
  }

  it('writes the exact plan and deletes nothing', async () => {
    await clearOld();
    const { policy, holds, plan } = files();
    const old = [add(40), add(50, world.sandbox.subaccounts[0].sid)];
    const young = add(3);
    world.sandbox.resetCounters();
    const run = await purge(['--policy', policy, '--holds', holds, '--plan-out', plan]);
    expect(run.status, run.stderr).to.equal(0);
    expect(world.sandbox.counters.requests.delete).to.equal(0);
    for (const sid of [...old, young]) expect(status(sid)).to.equal('completed');
    const written = JSON.parse(readFileSync(plan, 'utf8')) as PlanFile;
    expect(written.accountSid).to.equal(world.sandbox.account.sid);
    expect(Date.parse(written.createdAt)).to.be.closeTo(Date.now(), 120_000);
    expect(written.policy?.file).to.equal(policy);
    expect(written.policy?.digest).to.match(/^[0-9a-f]{64}$/);
    expect(written.holds.digest).to.match(/^[0-9a-f]{64}$/);
    expect(written.recordings.map((entry) => entry.sid)).to.have.members(old);
    const first = written.recordings.find((entry) => entry.sid === old[0])!;
    expect(first).to.deep.equal({
      sid: old[0],
      accountSid: world.sandbox.account.sid,
      dateCreated: new Date(store().getRecording(old[0])!.dateCreatedMs).toISOString(),
      duration: 90,
      rule: 'old',
    });
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).to.deep.equal([]);
  });

  it('deletes the plan’s recordings and no others, counting one deleted meanwhile as done', async () => {
    await clearOld();
    const { policy, holds, plan } = files();
    const planned = [add(40), add(41), add(42)];
    expect((await purge(['--policy', policy, '--holds', holds, '--plan-out', plan])).status).to.equal(0);
    const later = add(60);
    // Someone else deletes one of them before the plan is run.
    store().deleteRecording(planned[0]);
    world.sandbox.resetCounters();
    const run = await purge(['--plan', plan, '--holds', holds, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(planned.map(status)).to.deep.equal(['deleted', 'deleted', 'deleted']);
    expect(status(later)).to.equal('completed');
    expect(Object.keys(world.sandbox.counters.deletesPerSid)).to.have.members(planned.slice(1));
    expect(run.stderr).to.match(/3 recordings planned; since then 1 recording deleted meanwhile \(counted as done\)/);
  });

  it('refuses a plan after a new hold (exit 2), and with --force keeps the held recording', async () => {
    await clearOld();
    const { policy, holds, plan } = files();
    const planned = [add(40), add(41)];
    expect((await purge(['--policy', policy, '--holds', holds, '--plan-out', plan])).status).to.equal(0);
    writeFileSync(holds, JSON.stringify({ version: 1, holds: [{ sid: planned[0], reason: 'new case' }] }));
    world.sandbox.resetCounters();
    const refused = await purge(['--plan', plan, '--holds', holds]);
    expect(refused.status, refused.stderr).to.equal(2);
    expect(refused.stderr.trim().split('\n')).to.have.length(1);
    expect(refused.stderr).to.match(/The legal holds changed since .* was made: make a new plan, or add --force/);
    expect(world.sandbox.counters.requests.total).to.equal(0);

    const forced = await purge(['--plan', plan, '--holds', holds, '--force']);
    expect(forced.status, forced.stderr).to.equal(0);
    expect(status(planned[0])).to.equal('completed');
    expect(status(planned[1])).to.equal('deleted');
    expect(forced.stderr).to.match(/1 recording held now \(kept\)/);
  });

  it('refuses a plan whose policy was edited since (exit 2) before calling Twilio', async () => {
    await clearOld();
    const { policy, holds, plan } = files();
    const planned = add(40);
    expect((await purge(['--policy', policy, '--holds', holds, '--plan-out', plan])).status).to.equal(0);
    writeFileSync(policy, POLICY.replace('keep: 30d', 'keep: 60d'));
    world.sandbox.resetCounters();
    const run = await purge(['--plan', plan, '--holds', holds]);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr).to.match(/The policy .*policy-\d+\.yml changed since .* was made/);
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(status(planned)).to.equal('completed');
  });

  it('refuses a plan made for another account, and one older than --max-plan-age (exit 2)', async () => {
    const { holds, plan } = files();
    const sid = add(40);
    const document = {
      kind: 'twilio-recordings-purge-plan',
      version: 1,
      accountSid: world.sandbox.subaccounts[0].sid,
      createdAt: new Date().toISOString(),
      policy: null,
      holds: { file: holds, digest: '0'.repeat(64) },
      recordings: [
        { sid, accountSid: world.sandbox.account.sid, dateCreated: new Date().toISOString(), duration: 90, rule: null },
      ],
    };
    writeFileSync(plan, JSON.stringify(document));
    world.sandbox.resetCounters();
    const other = await purge(['--plan', plan, '--holds', holds, '--force']);
    expect(other.status, other.stderr).to.equal(2);
    expect(other.stderr).to.include(
      `was made for account ${world.sandbox.subaccounts[0].sid}, not ${world.sandbox.account.sid}`,
    );

    const oldPlan = {
      ...document,
      accountSid: world.sandbox.account.sid,
      createdAt: new Date(Date.now() - 8 * DAY).toISOString(),
    };
    writeFileSync(plan, JSON.stringify(oldPlan));
    const old = await purge(['--plan', plan, '--holds', holds, '--force']);
    expect(old.status, old.stderr).to.equal(2);
    expect(old.stderr).to.match(/more than 7d ago: make a new plan, or raise --max-plan-age/);
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(status(sid)).to.equal('completed');
    expect(existsSync(plan)).to.equal(true);
  });

  /** A plan of selection flags for the profile's account, as --plan-out writes it. */
  function handWrittenPlan(holds: string, sids: string[], overrides: Record<string, unknown> = {}) {
    return {
      kind: 'twilio-recordings-purge-plan',
      version: 1,
      accountSid: world.sandbox.account.sid,
      createdAt: new Date().toISOString(),
      policy: null,
      holds: { file: holds, digest: '0'.repeat(64) },
      recordings: sids.map((sid) => ({
        sid,
        accountSid: world.sandbox.account.sid,
        dateCreated: new Date().toISOString(),
        duration: 90,
        rule: null,
      })),
      ...overrides,
    };
  }

  it('refuses a plan made later than now (exit 2), whatever --max-plan-age and --force say, before calling Twilio', async () => {
    const { holds, plan } = files();
    const sid = add(40);
    world.sandbox.resetCounters();
    for (const createdAt of ['2099-01-01T00:00:00.000Z', new Date(Date.now() + DAY).toISOString()]) {
      writeFileSync(plan, JSON.stringify(handWrittenPlan(holds, [sid], { createdAt })));
      for (const extra of [[], ['--max-plan-age', '10000y']]) {
        const run = await purge(['--plan', plan, '--holds', holds, '--force', ...extra]);
        expect(run.status, run.stderr).to.equal(2);
        expect(run.stderr.trim().split('\n')).to.have.length(1);
        expect(run.stderr).to.include(`says it was made at ${createdAt}, later than now`);
      }
    }
    const far = await purge(['--plan', plan, '--holds', holds, '--force', '--max-plan-age', '1000000y']);
    expect(far.status, far.stderr).to.equal(2);
    expect(far.stderr).to.match(/Invalid --max-plan-age "1000000y": it is longer than 10000y/);
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(status(sid)).to.equal('completed');
  });

  it('reads a plan’s SIDs in upper-case hex as the recordings they name, and keeps the held one', async () => {
    const { holds, plan } = files();
    const planned = [add(40), add(41)];
    writeFileSync(holds, JSON.stringify({ version: 1, holds: [{ sid: planned[0], reason: 'case 5' }] }));
    const document = handWrittenPlan(
      holds,
      planned.map((sid) => sid.toUpperCase()),
      { accountSid: world.sandbox.account.sid.toUpperCase() },
    );
    writeFileSync(plan, JSON.stringify(document));
    const run = await purge(['--plan', plan, '--holds', holds, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(planned.map(status)).to.deep.equal(['completed', 'deleted']);
  });

  /** A plan of ARCHIVING_POLICY (or of `policyText`), written with --plan-out and read back. */
  async function archivingPlan(policyText = ARCHIVING_POLICY) {
    const made = files();
    writeFileSync(made.policy, policyText);
    const run = await purge(['--policy', made.policy, '--holds', made.holds, '--plan-out', made.plan]);
    expect(run.status, run.stderr).to.equal(0);
    return { ...made, run, written: JSON.parse(readFileSync(made.plan, 'utf8')) as PlanFile };
  }
  const entryOf = (sid: string, rule: string | null): PlanEntry => {
    const recording = store().getRecording(sid)!;
    return {
      sid,
      accountSid: recording.accountSid,
      dateCreated: new Date(recording.dateCreatedMs).toISOString(),
      duration: recording.durationSeconds,
      rule,
    };
  };
  const rewrite = (plan: string, change: (written: PlanFile) => PlanFile) =>
    writeFileSync(plan, JSON.stringify(change(JSON.parse(readFileSync(plan, 'utf8')) as PlanFile), null, 2));

  it('keeps a recording held in the plan’s own holds file after --plan-out, run without --holds', async () => {
    await clearOld();
    const { policy, holds, plan } = files();
    const [held, free] = [add(40), add(41)];
    expect((await purge(['--policy', policy, '--holds', holds, '--plan-out', plan])).status).to.equal(0);
    writeFileSync(holds, JSON.stringify({ version: 1, holds: [{ sid: held, reason: 'late subpoena' }] }));
    const run = await purge(['--plan', plan, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(held)).to.equal('completed');
    expect(status(free)).to.equal('deleted');
    expect(run.stderr).to.match(/1 recording held now \(kept\)/);
  });

  it('archives through the rule’s archive, and refuses (exit 2, nothing deleted) a plan whose rule was renamed or edited to null', async () => {
    await clearOld();
    const archived = add(40);
    const first = await archivingPlan();
    expect(first.written.recordings.map((entry) => [entry.sid, entry.rule])).to.deep.include([archived, 'short']);
    const run = await purge(['--plan', first.plan, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(archived)).to.equal('deleted');
    expect(filesUnder(join(dir, 'archive-short')).some((name) => name.includes(archived))).to.equal(true);

    const renamed = add(40);
    const second = await archivingPlan();
    writeFileSync(second.policy, ARCHIVING_POLICY.replace('name: short', 'name: brief'));
    world.sandbox.resetCounters();
    const refused = await purge(['--plan', second.plan, '--force']);
    expect(refused.status, refused.stderr).to.equal(2);
    expect(refused.stderr.trim().split('\n')).to.have.length(1);
    expect(refused.stderr).to.include(`(${renamed}) names the rule "short", which the policy`);
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(status(renamed)).to.equal('completed');

    const third = await archivingPlan();
    rewrite(third.plan, (written) => ({
      ...written,
      recordings: written.recordings.map((entry) => ({ ...entry, rule: null })),
    }));
    world.sandbox.resetCounters();
    const nulled = await purge(['--plan', third.plan, '--force']);
    expect(nulled.status, nulled.stderr).to.equal(2);
    expect(nulled.stderr).to.match(/names no rule, though the plan comes from the policy/);
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(status(renamed)).to.equal('completed');
  });

  it('keeps recordings added to a plan by hand that its policy keeps now, and says why', async () => {
    await clearOld();
    const planned = add(40);
    const { plan } = await archivingPlan();
    const young = store().addRecording({ dateCreated: Date.now() - 60 * 60_000, durationSeconds: 90 }).sid;
    const long = store().addRecording({ dateCreated: Date.now() - 40 * DAY, durationSeconds: 600 }).sid;
    rewrite(plan, (written) => ({
      ...written,
      recordings: [...written.recordings, entryOf(young, 'short'), entryOf(long, 'default')],
    }));
    const run = await purge(['--plan', plan, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(planned)).to.equal('deleted');
    expect(status(young)).to.equal('completed');
    expect(status(long)).to.equal('completed');
    expect(world.sandbox.counters.deletesPerSid[young]).to.equal(undefined);
    expect(run.stderr).to.include('1 recording too young for the policy now (kept)');
    expect(run.stderr).to.include('1 recording kept by their rule now (kept)');
    expect(run.stderr).to.include(`too young for the policy now (minimumAge 1d): ${young}.`);
    expect(run.stderr).to.include(`kept by their rule now (their keep has not passed): ${long}.`);
  });

  it('keeps a recording added by hand to a plan of selection flags that is outside its selection', async () => {
    await clearOld();
    const { holds, plan } = files();
    const planned = add(40);
    const made = await purge(['--older-than', '30d', '--holds', holds, '--plan-out', plan]);
    expect(made.status, made.stderr).to.equal(0);
    const young = add(1);
    rewrite(plan, (written) => ({ ...written, recordings: [...written.recordings, entryOf(young, null)] }));
    const run = await purge(['--plan', plan, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(planned)).to.equal('deleted');
    expect(status(young)).to.equal('completed');
    expect(run.stderr).to.include('1 recording not as planned (kept)');
    expect(run.stderr).to.include(`${young} (outside the plan's selection (created before `);
  });

  it('reads the SIDs of a plan’s selection edited into upper-case hex as the recordings they name, and refuses a selection no purge writes', async () => {
    await clearOld();
    const { holds, plan } = files();
    const planned = [add(40), add(41)];
    const made = await purge(['--sid', planned[0], '--sid', planned[1], '--holds', holds, '--plan-out', plan]);
    expect(made.status, made.stderr).to.equal(0);
    const written = readFileSync(plan, 'utf8');
    rewrite(plan, (document) => ({ ...document, selection: { ...document.selection!, createdFrom: 'March 7, 2026' } }));
    const refused = await purge(['--plan', plan, '--force']);
    expect(refused.status, refused.stderr).to.equal(2);
    expect(refused.stderr.trim().split('\n')).to.have.length(1);
    expect(refused.stderr).to.include('is not a purge plan (a malformed selection)');
    expect(planned.map(status)).to.deep.equal(['completed', 'completed']);
    writeFileSync(plan, written);
    rewrite(plan, (document) => ({
      ...document,
      selection: { ...document.selection!, sids: document.selection!.sids!.map((sid) => sid.toUpperCase()) },
    }));
    const run = await purge(['--plan', plan, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(planned.map(status)).to.deep.equal(['deleted', 'deleted']);
    expect(run.stderr).to.not.include('not as planned');
  });

  it('refuses in one line (exit 2), deleting nothing, a plan with a subaccount’s recording outside its policy, a duplicate, a future creation time or an unknown account', async () => {
    await clearOld();
    const own = add(40);
    const sub = add(40, world.sandbox.subaccounts[0].sid);
    const cases: Array<[string, (written: PlanFile) => PlanFile, RegExp, string?]> = [
      [
        'subaccount',
        (written) => ({ ...written, recordings: [...written.recordings, entryOf(sub, 'short')] }),
        new RegExp(`\\(${sub}\\) is a recording of account ${world.sandbox.subaccounts[0].sid}, but the plan covers`),
      ],
      [
        'duplicate',
        (written) => ({ ...written, recordings: [...written.recordings, entryOf(own, 'short')] }),
        new RegExp(`\\(${own}\\) lists the recording of entry \\d+ again`),
      ],
      [
        'future',
        (written) => ({ ...written, createdAt: '2099-01-01T00:00:00.000Z' }),
        /says it was made at 2099-01-01T00:00:00\.000Z, later than now/,
      ],
      [
        'unknown account',
        (written) => ({
          ...written,
          recordings: [
            ...written.recordings,
            { ...entryOf(own, 'short'), sid: 'RE' + 'e'.repeat(32), accountSid: 'AC' + 'f'.repeat(32) },
          ],
        }),
        /is listed under account ACf{32}, which is neither the plan's account nor an open subaccount/,
        `subaccounts: true\n${ARCHIVING_POLICY}`,
      ],
    ];
    for (const [name, change, message, policyText] of cases) {
      const { plan } = await archivingPlan(policyText);
      rewrite(plan, change);
      world.sandbox.resetCounters();
      const run = await purge(['--plan', plan, '--force']);
      expect(run.status, `${name}: ${run.stderr}`).to.equal(2);
      expect(run.stderr.trim().split('\n'), name).to.have.length(1);
      expect(run.stderr, name).to.match(message);
      expect(world.sandbox.counters.requests.delete, name).to.equal(0);
      expect([status(own), status(sub)], name).to.deep.equal(['completed', 'completed']);
    }
  });

  it('shows the plan file’s SHA-256 when it is written, when it is run, and in the run’s report', async () => {
    await clearOld();
    add(40);
    const { plan, run: made } = await archivingPlan();
    const sha256 = sha256Of(plan);
    expect(made.stderr).to.include(`Plan written to ${plan} (SHA-256 ${sha256})`);
    const report = join(dir, `report-${count}.json`);
    const run = await purge(['--plan', plan, '--force', '--report', report]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.include(`Plan ${plan}: SHA-256 ${sha256}.`);
    expect(JSON.parse(readFileSync(report, 'utf8'))).to.include({ planSha256: sha256 });
    const markdown = join(dir, `report-${count}.md`);
    const again = await purge(['--plan', plan, '--force', '--report', markdown]);
    expect(again.status, again.stderr).to.equal(0);
    expect(readFileSync(markdown, 'utf8')).to.include(`- Plan SHA-256: ${sha256}`);
  });
});
