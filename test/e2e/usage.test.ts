import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TWILIO_BIN, TwilioWorld, runCommand } from './twilio-world';
import { DAY } from '../support/time';

const FREE_MINUTES = 10_000;
const PRICE = 0.0005;

interface UsageJson {
  rows: Array<{ month: string; group: string; recordings: number; minutes: number }>;
  months: Array<{ month: string; minutes: number; minutesAfter?: number }>;
  totals: {
    wholeAccount: boolean;
    recordings: number;
    minutes: number;
    freeMinutes: number;
    billableMinutes: number | null;
    monthlyCostUsd: number | null;
    monthlyCostAtMostUsd?: number;
    minutesAfter?: number;
    monthlySavingUsd?: number;
  };
}

describe('twilio recordings:usage', function () {
  this.timeout(180_000);
  let world: TwilioWorld;

  before(async () => {
    // 3,000 recordings over 400 days: past the free minutes, and older than the months shown.
    world = await TwilioWorld.start({
      subaccounts: 2,
      recordings: { count: 3000, seed: 7, from: Date.now() - 400 * DAY },
    });
  });
  after(() => world.close());

  const usage = (args: string[]) => world.run(['recordings:usage', ...args], { env: world.authTokenEnv });
  const accounts = () => [world.sandbox.account.sid, ...world.sandbox.subaccounts.map((account) => account.sid)];
  /** The sandbox's own stored recordings: completed ones, in every account. */
  const stored = () =>
    accounts()
      .flatMap((sid) => world.sandbox.store.recordings(sid))
      .filter((recording) => recording.status === 'completed');
  const minutes = (recording: { durationSeconds: number }) => Math.ceil(recording.durationSeconds / 60);

  function monthsShown(count: number): string[] {
    const now = new Date();
    return Array.from({ length: count }, (_, i) =>
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - 1 - i), 1)).toISOString().slice(0, 7),
    );
  }

  it('gives totals per month equal to the sandbox’s data, with the free minutes counted once', async () => {
    const run = await usage(['--subaccounts', '--months', '6', '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as UsageJson;
    const shown = monthsShown(6);
    const expected = new Map<string, number>([['earlier', 0], ...shown.map((month): [string, number] => [month, 0])]);
    for (const recording of stored()) {
      const month = new Date(recording.dateCreatedMs).toISOString().slice(0, 7);
      const key = shown.includes(month) ? month : 'earlier';
      expected.set(key, expected.get(key)! + minutes(recording));
    }
    expect(report.months.map((month) => [month.month, month.minutes])).to.deep.equal([...expected.entries()]);
    const total = stored().reduce((sum, recording) => sum + minutes(recording), 0);
    expect(total).to.be.above(FREE_MINUTES);
    expect(report.totals).to.deep.include({
      wholeAccount: true,
      recordings: stored().length,
      minutes: total,
      freeMinutes: FREE_MINUTES,
      billableMinutes: total - FREE_MINUTES,
    });
    expect(report.totals.monthlyCostUsd).to.be.closeTo((total - FREE_MINUTES) * PRICE, 0.0001);
    expect(new Set(report.rows.map((row) => row.group))).to.deep.equal(new Set(accounts()));
  });

  it('splits by source with --by source', async () => {
    const run = await usage(['--subaccounts', '--by', 'source', '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as UsageJson;
    const sources = new Set(stored().map((recording) => recording.source));
    expect(new Set(report.rows.map((row) => row.group))).to.deep.equal(sources);
  });

  it('shows what a policy would leave and save, deleting nothing', async () => {
    const dir = join(world.home, 'usage');
    mkdirSync(dir, { recursive: true });
    const policy = join(dir, 'retention.yml');
    writeFileSync(policy, 'subaccounts: true\nrules:\n  - name: default\n    keep: 90d\n');
    world.sandbox.resetCounters();
    const started = Date.now();
    const run = await usage(['--policy', policy, '--months', '3', '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    expect(world.sandbox.counters.requests.delete).to.equal(0);
    const report = JSON.parse(run.stdout) as UsageJson;
    const kept = stored()
      .filter((recording) => recording.dateCreatedMs >= started - 90 * DAY)
      .reduce((sum, recording) => sum + minutes(recording), 0);
    expect(report.totals.minutesAfter).to.equal(kept);
    const after = Math.max(0, kept - FREE_MINUTES) * PRICE;
    expect(report.totals.monthlySavingUsd).to.be.closeTo(report.totals.monthlyCostUsd! - after, 0.0002);
  });

  it('draws a bar chart and a table on a terminal, and says how the free minutes count', async () => {
    // `script` gives the real binary a pseudo-terminal for stdout, as a user's shell would.
    const command = `${TWILIO_BIN} recordings:usage --subaccounts --months 4`;
    const run = await runCommand('script', ['-qec', command, '/dev/null'], {
      ...world.environment(world.authTokenEnv),
      COLUMNS: '160',
    });
    expect(run.status, run.stdout).to.equal(0);
    const lines = run.stdout.split(/\r?\n/);
    const shown = monthsShown(4);
    for (const month of ['earlier', ...shown]) {
      expect(
        lines.some((line) => new RegExp(`^${month}\\s+█+\\s+[\\d,]+ min$`).test(line.trimEnd())),
        month,
      ).to.equal(true);
    }
    // The largest month fills the whole width.
    expect(lines.some((line) => line.includes('█'.repeat(40)))).to.equal(true);
    expect(run.stdout).to.match(/Month\s+Account\s+Recordings\s+Minutes/);
    expect(run.stdout).to.include('counted once for the parent and all its subaccounts');
  });

  describe('a view of less than the whole parent account', () => {
    const storedIn = (sid: string) =>
      world.sandbox.store.recordings(sid).filter((recording) => recording.status === 'completed');
    const minutesIn = (sid: string) => storedIn(sid).reduce((sum, recording) => sum + minutes(recording), 0);
    const atMost = (total: number) =>
      `Storing them costs at most $${(total * PRICE).toFixed(2)} a month, if the account's recordings, ` +
      'subaccounts included, exceed the 10,000 free minutes ($0.0005 per minute-month beyond them).';

    it('without --subaccounts gives the most the minutes cost, in the words list uses, not a bill', async () => {
      const parent = world.sandbox.account.sid;
      const json = await usage(['-o', 'json']);
      expect(json.status, json.stderr).to.equal(0);
      const report = JSON.parse(json.stdout) as UsageJson;
      expect(report.totals).to.deep.include({
        wholeAccount: false,
        minutes: minutesIn(parent),
        billableMinutes: null,
        monthlyCostUsd: null,
      });
      expect(report.totals.monthlyCostAtMostUsd).to.be.closeTo(minutesIn(parent) * PRICE, 0.0001);
      const text = await usage([]);
      expect(text.status, text.stderr).to.equal(0);
      expect(text.stdout).to.include("without --subaccounts these leave out the subaccounts' recordings");
      expect(text.stdout).to.include(atMost(minutesIn(parent)));
      expect(text.stdout).not.to.match(/billable minutes/);
      const listed = await world.run(['recordings:list', '--no-limit', '-o', 'none'], { env: world.authTokenEnv });
      // The same sentence as list's, which counts every listed recording, not only the stored ones.
      const words = atMost(minutesIn(parent)).replace(/^Storing them costs at most \$[\d.]+/, '');
      expect(listed.stderr).to.include(`Storing them costs at most $`).and.to.include(words);
    });

    it("with a subaccount's credentials says the free minutes are its parent's", async () => {
      const [subaccount] = world.sandbox.subaccounts;
      const run = await world.run(['recordings:usage'], {
        env: { TWILIO_ACCOUNT_SID: subaccount.sid, TWILIO_AUTH_TOKEN: subaccount.authToken },
      });
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.include(
        `these are the recordings of subaccount ${subaccount.sid} alone; the free minutes belong to its parent account ${world.sandbox.account.sid}`,
      );
      expect(run.stdout).to.include(atMost(minutesIn(subaccount.sid)));
    });
  });

  it('draws the chart as wide as the terminal, and without styling under NO_COLOR', async () => {
    const command = `stty cols 100 rows 40; ${TWILIO_BIN} recordings:usage --subaccounts --months 4`;
    const run = await runCommand('script', ['-qec', command, '/dev/null'], {
      ...world.environment(world.authTokenEnv),
      NO_COLOR: '1',
    });
    expect(run.status, run.stdout).to.equal(0);
    const bars = run.stdout.split(/\r?\n/).filter((line) => /^(earlier|\d{4}-\d{2})\s+█/.test(line));
    expect(bars).to.have.length(5);
    expect(Math.max(...bars.map((line) => line.trimEnd().length))).to.equal(100);
    // The progress line still moves the cursor; nothing is bold or coloured.
    expect(run.stdout).not.to.match(new RegExp(`${String.fromCharCode(27)}\\[[\\d;]*m`));
  });
});
