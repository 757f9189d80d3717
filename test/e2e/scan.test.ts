import { expect } from 'chai';
import { TwilioWorld, type TwilioRun } from './twilio-world';
import { MINUTE, DAY } from '../support/time';

/** The sids on stdout, in the order printed. */
function printedSids(run: TwilioRun): string[] {
  expect(run.status, run.stderr).to.equal(0);
  return (JSON.parse(run.stdout) as Array<{ sid: string }>).map((r) => r.sid);
}

describe('scanning large accounts in parallel shards (twilio recordings:list)', function () {
  this.timeout(120_000);
  let world: TwilioWorld;

  before(async () => {
    // Two subaccounts of 15,000 generated recordings each; the parent holds recordings on day edges.
    world = await TwilioWorld.start({
      subaccounts: 2,
      generated: { perAccount: 15_000, accounts: 'subaccounts' },
    });
    const midnight = Math.floor(Date.now() / DAY) * DAY;
    for (let day = 1; day <= 40; day += 1) {
      for (let i = -100; i < 100; i += 1) {
        world.sandbox.store.addRecording({ dateCreated: midnight - day * DAY + i * MINUTE });
      }
    }
    // Several recordings in the very second a day starts.
    for (let i = 0; i < 25; i += 1) world.sandbox.store.addRecording({ dateCreated: midnight - 20 * DAY });
  });
  after(() => world.close());
  afterEach(() =>
    world.sandbox.setKnobs({ throttleBursts: null, errorRate: 0, dropRate: 0, concurrencyCap: null, pageCost: null }),
  );

  const parent = () => world.sandbox.account.sid;
  const everyAccount = () => [parent(), ...world.sandbox.subaccounts.map((s) => s.sid)];
  const walk = (accounts: string[]) => accounts.flatMap((sid) => world.sandbox.store.recordings(sid).map((r) => r.sid));
  const list = (args: string[]) => world.run(['recordings:list', ...args], { env: world.authTokenEnv });

  it('prints the recordings on and around day edges once each, in the order of a walk', async () => {
    world.sandbox.resetCounters();
    const printed = printedSids(await list(['--no-limit', '-o', 'json']));
    expect(printed).to.deep.equal(walk([parent()]));
    expect(world.sandbox.counters.requests.list).to.be.greaterThan(Math.ceil(printed.length / 1000));
  });

  it('prints every account with --subaccounts, accounts in turn, newest first within each', async () => {
    const printed = printedSids(await list(['--subaccounts', '--no-limit', '-o', 'json']));
    expect(printed).to.deep.equal(walk(everyAccount()));
  });

  it('prints the same under 429s, 5xx answers and dropped connections', async () => {
    world.sandbox.setKnobs({ throttleBursts: { every: 9, length: 2 }, errorRate: 0.05, dropRate: 0.03, faultSeed: 8 });
    world.sandbox.resetCounters();
    const printed = printedSids(await list(['--subaccounts', '--no-limit', '-o', 'json']));
    const { throttled, errorsInjected, dropped } = world.sandbox.counters;
    expect(throttled).to.be.greaterThan(0);
    expect(errorsInjected + dropped).to.be.greaterThan(0);
    expect(printed).to.deep.equal(walk(everyAccount()));
  });

  it('prints the same within a window whose bounds fall inside days', async () => {
    const after = new Date(Date.now() - 500 * DAY + 5 * 60 * MINUTE + 7_000);
    const before = new Date(Date.now() - 45 * DAY - 13 * MINUTE);
    const args = ['--subaccounts', '--after', after.toISOString(), '--before', before.toISOString()];
    const printed = printedSids(await list([...args, '--no-limit', '-o', 'json']));
    const expected = everyAccount().flatMap((sid) =>
      world.sandbox.store
        .recordings(sid)
        .filter((r) => r.dateCreatedMs >= after.getTime() && r.dateCreatedMs < before.getTime())
        .map((r) => r.sid),
    );
    expect(expected.length).to.be.greaterThan(10_000);
    expect(printed).to.deep.equal(expected);
  });

  it('stops at --limit with the first recordings of the walk, and says more matched', async () => {
    world.sandbox.resetCounters();
    const run = await list(['--subaccounts', '--limit', '2500', '-o', 'json']);
    expect(printedSids(run)).to.deep.equal(walk(everyAccount()).slice(0, 2500));
    expect(run.stderr).to.match(/--limit|--no-limit/);
    expect(world.sandbox.counters.requests.list).to.be.at.most(10);
  });

  it('plans a purge dry run over the same selection as the list', async () => {
    const args = ['--subaccounts', '--older-than', '30d', '--no-limit', '-o', 'json'];
    const listed = printedSids(await list(args));
    const dryRun = await world.run(['recordings:purge', ...args, '--dry-run'], { env: world.authTokenEnv });
    expect(printedSids(dryRun)).to.deep.equal(listed);
  });
});

describe('scanning accounts of every shape (twilio recordings:list)', function () {
  this.timeout(120_000);
  let world: TwilioWorld;

  before(async () => {
    // Six subaccounts of 12,000 generated recordings over five years: even, grown with single days of
    // hundreds, all in the last six weeks, in alternate months; then one empty and one of a single page.
    world = await TwilioWorld.start({
      subaccounts: 6,
      recordings: 0,
      generated: {
        perAccount: 12_000,
        from: Date.now() - 5 * 365 * DAY,
        to: Date.now(),
        shape: 'mixed',
        accounts: 'subaccounts',
      },
    });
  });
  after(() => world.close());

  const walk = (accounts: string[]) => accounts.flatMap((sid) => world.sandbox.store.recordings(sid).map((r) => r.sid));
  /** The pages a one-page-at-a-time walk of these accounts asks for. */
  const walkPages = (accounts: string[]) =>
    accounts.reduce((sum, sid) => sum + Math.max(1, Math.ceil(world.sandbox.store.recordings(sid).length / 1000)), 0);

  /** Lists the account `accountSid` alone, or the parent with every subaccount, and what the sandbox served. */
  async function listed(accountSid?: string): Promise<{ sids: string[]; requests: number; records: number }> {
    const account = world.sandbox.subaccounts.find((s) => s.sid === accountSid);
    const env = account
      ? { TWILIO_ACCOUNT_SID: account.sid, TWILIO_AUTH_TOKEN: account.authToken }
      : world.authTokenEnv;
    world.sandbox.resetCounters();
    const args = ['recordings:list', '--no-limit', '-o', 'json', ...(account ? [] : ['--subaccounts'])];
    const sids = printedSids(await world.run(args, { env }));
    const { requests, listedRecords } = world.sandbox.counters;
    return { sids, requests: requests.list, records: listedRecords };
  }

  const shapes: Array<[string, number]> = [
    ['grown over the years, with busy single days', 1],
    ['whose recordings are all in its last six weeks', 2],
    ['with busy and empty months in turn', 3],
  ];
  for (const [shape, ordinal] of shapes) {
    it(`prints an account ${shape}: in the order of a walk, asking at most twice its pages and 1.5 times its records`, async () => {
      const sid = world.sandbox.subaccounts[ordinal]!.sid;
      const run = await listed(sid);
      expect(run.sids).to.deep.equal(walk([sid]));
      expect(run.requests).to.be.at.most(2 * walkPages([sid]));
      expect(run.records).to.be.at.most(1.5 * run.sids.length);
    });
  }

  it('prints a parent and subaccounts of every shape and size, asking at most twice the pages of a walk', async () => {
    const accounts = [world.sandbox.account.sid, ...world.sandbox.subaccounts.map((s) => s.sid)];
    const run = await listed();
    expect(run.sids).to.deep.equal(walk(accounts));
    expect(run.requests).to.be.at.most(2 * walkPages(accounts));
    expect(run.records).to.be.at.most(1.5 * run.sids.length);
  });
});
