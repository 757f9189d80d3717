import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_COST_MODEL, type GeneratedShape, type Sandbox } from '../sandbox';
import { pageCostMs } from '../sandbox/knobs';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { buildCriteria } from '../src/selection/criteria';
import { selectRecordings } from '../src/selection/select-recordings';
import { SimulatedTwilio } from '../test/support/simulated-twilio';
import { measure, row, seconds, type BenchRow, type Measurement } from './measure';

/** Twilio's concurrency per account family, as the sandbox enforces it, and the plugin's default --concurrency. */
const CAP = 20;
/** Twilio's largest page, which both the plugin and the bare client ask for. */
const PAGE_SIZE = 1000;

interface Scan {
  label: string;
  result: Measurement;
  /** The bare client's scan of the same accounts in the same sandbox: this machine's floor. */
  floor: Measurement;
  /** What a walk of one page at a time would fetch, and wait for Twilio: the sum of its pages' costs. */
  walk: SequentialWalk;
  /** List requests each made, how many of them were answered 429, and the records ours was sent. */
  requests: { list: number; throttled: number; records: number; floor: number; floorThrottled: number };
  /** Accounts listed: the parent alone, or each subaccount. */
  accounts: number;
  /** The same shape scanned by the same code on a simulated Twilio with a virtual clock: the plan's time with no CPU. */
  simulated: { ms: number; idealMs: number; requests: number; pages: number };
}

/** A whole-day range of one account's recordings, both days inclusive: [accountSid, firstDay, lastDay]. */
type DayRange = [accountSid: string, firstDay: string, lastDay: string];

interface SequentialWalk {
  idealMs: number;
  pages: number;
  records: number;
  /** The fewest whole-day ranges of at most a page each (a day of more than a page is a range of its own). */
  plan: DayRange[];
}

/**
 * The pages a one-page-at-a-time walk of these accounts would fetch, costed with the page cost model,
 * and from the same walk the ideal shard plan a client knowing the distribution would use.
 */
function sequentialWalk(sandbox: Sandbox, accountSids: string[]): SequentialWalk {
  const walk: SequentialWalk = { idealMs: 0, pages: 0, records: 0, plan: [] };
  for (const accountSid of accountSids) {
    const perDay = new Map<string, number>();
    let cursor: { direction: 'after'; position: { dateCreatedMs: number; sid: string } } | undefined;
    for (;;) {
      const page = sandbox.store.page({ accountSid, includeDeleted: false, pageSize: PAGE_SIZE, cursor });
      walk.idealMs += pageCostMs(PAGE_COST_MODEL, page.items.length);
      walk.pages += 1;
      walk.records += page.items.length;
      for (const item of page.items) {
        const day = new Date(item.dateCreatedMs).toISOString().slice(0, 10);
        perDay.set(day, (perDay.get(day) ?? 0) + 1);
      }
      const last = page.items.at(-1);
      if (!page.hasMore || !last) break;
      cursor = { direction: 'after', position: last };
    }
    let range: { first: string; last: string; records: number } | undefined;
    for (const [day, records] of perDay) {
      if (range && range.records + records > PAGE_SIZE) {
        walk.plan.push([accountSid, range.first, range.last]);
        range = undefined;
      }
      range = range ? { ...range, first: day, records: range.records + records } : { first: day, last: day, records };
    }
    if (range) walk.plan.push([accountSid, range.first, range.last]);
  }
  return walk;
}

/** An account shape the scan must be fast and frugal on, as the sandbox generates it. */
interface ScanCase {
  label: string;
  shape: GeneratedShape;
  perAccount: number;
  days: number;
  /** Subaccounts holding the generated recordings, listed with --subaccounts; 0 for the parent alone. */
  subaccounts: number;
}

const CASES: ScanCase[] = [
  {
    label: '1,000,000 recordings over two years, evenly',
    shape: 'even',
    perAccount: 1_000_000,
    days: 730,
    subaccounts: 0,
  },
  {
    label: '20 subaccounts × 50,000 recordings over two years, evenly',
    shape: 'even',
    perAccount: 50_000,
    days: 730,
    subaccounts: 20,
  },
  {
    label: '150,000 recordings grown over five years, twentyfold, with six single days of about 4,500',
    shape: 'grown',
    perAccount: 150_000,
    days: 1826,
    subaccounts: 0,
  },
  {
    label: '60,000 recordings, all in the last six weeks of a ten-year-old account',
    shape: 'recent',
    perAccount: 60_000,
    days: 3652,
    subaccounts: 0,
  },
  {
    label: '300,000 recordings over two years in alternate months, busy and empty',
    shape: 'seasonal',
    perAccount: 300_000,
    days: 730,
    subaccounts: 0,
  },
  {
    label: '20 subaccounts over two years: 2 of 100,000 recordings, 2 of 10,000, 2 of 1,000, 14 empty',
    shape: 'skewed',
    perAccount: 100_000,
    days: 730,
    subaccounts: 20,
  },
];

async function scan(scanCase: ScanCase): Promise<Scan> {
  const { label, shape, perAccount, days, subaccounts } = scanCase;
  const accountsWith = subaccounts > 0 ? 'subaccounts' : 'parent';
  const world = await TwilioWorld.start({
    subaccounts,
    recordings: subaccounts > 0 ? 0 : undefined,
    generated: { perAccount, shape, accounts: accountsWith, from: Date.now() - days * 86_400_000, to: Date.now() },
    knobs: { pageCost: PAGE_COST_MODEL, concurrencyCap: CAP },
  });
  try {
    const accounts = subaccounts > 0 ? world.sandbox.subaccounts.map((s) => s.sid) : [world.sandbox.account.sid];
    const walk = sequentialWalk(world.sandbox, accounts);
    const planFile = join(mkdtempSync(join(tmpdir(), 'bench-scan-')), 'plan.json');
    writeFileSync(planFile, JSON.stringify(walk.plan));
    const env = world.environment(world.authTokenEnv);
    const { counters } = world.sandbox;

    world.sandbox.resetCounters();
    const args = ['recordings:list', '--no-limit', '-o', 'none', ...(subaccounts > 0 ? ['--subaccounts'] : [])];
    const result = await measure(TWILIO_BIN, args, env);
    if (result.status !== 0) throw new Error(`recordings:list failed: ${result.stderr}`);
    const ours = { list: counters.requests.list, throttled: counters.throttled, records: counters.listedRecords };

    world.sandbox.resetCounters();
    const floor = await measure(
      process.execPath,
      [join(__dirname, 'baselines', 'bare-scan.js'), planFile, String(CAP), String(walk.records)],
      env,
    );
    if (floor.status !== 0) throw new Error(`bare-scan failed: ${floor.stderr}`);
    const requests = { ...ours, floor: counters.requests.list, floorThrottled: counters.throttled };
    return { label, result, floor, walk, requests, accounts: accounts.length, simulated: await simulate(scanCase) };
  } finally {
    await world.close();
  }
}

/**
 * The scan of the same shape by the same selection code against a simulated Twilio that answers
 * after the same page cost on a virtual clock: how long the shard plan alone takes, with no CPU.
 */
async function simulate({ shape, perAccount, days, subaccounts }: ScanCase): Promise<Scan['simulated']> {
  const now = Date.now();
  const twilio = new SimulatedTwilio(
    { perAccount, shape, from: now - days * 86_400_000, to: now, subaccounts, createdMs: now - days * 86_400_000 },
    PAGE_COST_MODEL,
  );
  const walk = twilio.walk();
  const criteria = buildCriteria({ subaccounts: subaccounts > 0 }, new Date(now));
  await twilio.clock.run(
    (async () => {
      for await (const recording of selectRecordings(twilio.api(CAP), criteria)) void recording;
    })(),
  );
  return { ms: twilio.clock.now, idealMs: walk.idealMs, requests: twilio.listRequests, pages: walk.pages };
}

/**
 * The least time any scan could take that never asks for more than twice the pages a walk needs,
 * however it plans, on Twilio's time alone: an optimistic bound. Until an account's first page is
 * back, it may have one request in flight (a one-page account costs one request); after that, a
 * request that comes back less than full may be the account's last, so the requests that might
 * come back less than full can be at most the full pages received plus two per account. Counting
 * every request as a full page, the most in flight in a round is the full pages so far plus two per
 * account, up to the cap; the bound is the rounds that takes, each as long as a full page.
 */
function fastestWithinTwiceMs(pages: number, accounts: number, fullPageMs: number): number {
  let remaining = pages;
  let full = 0;
  let rounds = 0;
  while (remaining > 0) {
    const inFlight = Math.min(CAP, remaining, rounds === 0 ? accounts : full + 2 * accounts);
    remaining -= inFlight;
    full += inFlight;
    rounds += 1;
  }
  return rounds * fullPageMs;
}

const cpu = (measurement: Measurement, pages: number) =>
  `CPU ${seconds(measurement.cpuMs)}, ${(measurement.cpuMs / pages).toFixed(0)} ms a request`;

/** A list of 1,000 recordings under the same page cost: the memory baseline, and the start-up of a scan. */
async function smallList(): Promise<{ result: Measurement; requests: number; walk: SequentialWalk }> {
  const world = await TwilioWorld.start({
    subaccounts: 0,
    generated: { perAccount: 1_000, accounts: 'parent' },
    knobs: { pageCost: PAGE_COST_MODEL, concurrencyCap: CAP },
  });
  try {
    const walk = sequentialWalk(world.sandbox, [world.sandbox.account.sid]);
    world.sandbox.resetCounters();
    const result = await measure(
      TWILIO_BIN,
      ['recordings:list', '--no-limit', '-o', 'none'],
      world.environment(world.authTokenEnv),
    );
    if (result.status !== 0) throw new Error(`recordings:list failed: ${result.stderr}`);
    return { result, requests: world.sandbox.counters.requests.list, walk };
  } finally {
    await world.close();
  }
}

const times = (value: number) => `${value.toFixed(2)}×`;

/**
 * `recordings:list --no-limit -o none` of accounts of every shape the scan must handle, with each
 * list page costing what the sandbox's page cost model says and Twilio's concurrency capped at 20:
 * its time against what a one-page-at-a-time walk would wait for Twilio alone (a tenth of it, plus
 * the start-up of a one-page listing, is the target), and against a bare client's; the list
 * requests and records it fetched against the walk's pages and records; and the peak memory of
 * each scan against a list of 1,000 recordings.
 */
export async function scanBenchmarks(): Promise<BenchRow[]> {
  const only = process.env.BENCH_SCAN_SHAPES?.split(',');
  const small = await smallList();
  // What a one-page listing takes beyond its page: the CLI's start-up and its first request.
  const startUpMs = Math.max(0, small.result.ms - small.walk.idealMs);
  const scans: Scan[] = [];
  for (const scanCase of CASES) if (!only || only.includes(scanCase.shape)) scans.push(await scan(scanCase));
  const cost = `page cost ${PAGE_COST_MODEL.baseMs} ms + ${PAGE_COST_MODEL.perRecordMs} ms/record, cap ${CAP}`;
  const rows: BenchRow[] = [
    row(
      `\`recordings:list --no-limit -o none\`, 1,000 recordings (one page), ${cost}: list requests`,
      `${small.requests} (${seconds(small.result.ms)}, of which start-up ${seconds(startUpMs)})`,
      `${small.walk.pages} (the walk's pages)`,
      small.requests / small.walk.pages,
      '1 request',
      small.requests === 1,
    ),
  ];
  for (const { label, result, floor, walk, requests, simulated, accounts } of scans) {
    const ideal = walk.idealMs;
    const withinTwiceMs = fastestWithinTwiceMs(walk.pages, accounts, pageCostMs(PAGE_COST_MODEL, PAGE_SIZE));
    const allowedMs = ideal / 10 + startUpMs;
    const answered = requests.list - requests.throttled;
    rows.push(
      row(
        `\`recordings:list --no-limit -o none\`, ${label}, ${cost}`,
        `${seconds(result.ms)} (${requests.list} list requests, ${requests.throttled} answered 429; ${cpu(result, requests.list)})`,
        `${seconds(ideal)} (sequential ideal: pages × page cost)`,
        ideal / result.ms,
        `≤ ideal / 10 + start-up (${seconds(allowedMs)})`,
        result.ms <= allowedMs,
      ),
      row(
        `the same scan by a bare Node https client (no CLI, no checks, no order; whole-day ranges of at most 1,000 recordings chosen knowing the distribution, ${CAP} at a time): this machine's floor`,
        `${seconds(floor.ms)} (${requests.floor} list requests, ${requests.floorThrottled} answered 429; ${cpu(floor, requests.floor)})`,
        `${seconds(ideal)} (sequential ideal)`,
        ideal / floor.ms,
        'measured',
        true,
      ),
      row(
        `the same shape scanned by the same selection code against a simulated Twilio (same page cost, virtual clock, no CPU): the shard plan's own time`,
        `${seconds(simulated.ms)} (${simulated.requests} list requests for ${simulated.pages} pages)`,
        `${seconds(simulated.idealMs)} (its sequential ideal)`,
        simulated.idealMs / simulated.ms,
        'measured',
        true,
      ),
      row(
        `the fastest any scan asking for at most twice the walk's pages could be, on Twilio's time alone (an optimistic bound: in each round as many full pages as the full pages received so far plus two per account allow, up to ${CAP})`,
        `${seconds(withinTwiceMs)}`,
        `${seconds(ideal)} (sequential ideal)`,
        ideal / withinTwiceMs,
        'measured',
        true,
      ),
      row(
        `that scan, ${label}: ours against the floor`,
        seconds(result.ms),
        `${seconds(floor.ms)} (floor)`,
        result.ms / floor.ms,
        'measured',
        true,
      ),
      row(
        `that scan, ${label}: list requests answered with a page, against the walk's pages`,
        `${answered} (${times(answered / walk.pages)})`,
        `${walk.pages}`,
        answered / walk.pages,
        '≤ 2×',
        answered <= 2 * walk.pages,
      ),
      row(
        `that scan, ${label}: records fetched, against the walk's`,
        `${requests.records} (${times(requests.records / walk.records)})`,
        `${walk.records}`,
        requests.records / walk.records,
        '≤ 1.5×',
        requests.records <= 1.5 * walk.records,
      ),
    );
  }
  for (const { label, result, floor } of scans) {
    rows.push(
      row(
        `peak RSS of that scan, ${label}, vs 1,000 recordings`,
        `${result.peakRssMb.toFixed(0)} MB (the floor's: ${floor.peakRssMb.toFixed(0)} MB)`,
        `${small.result.peakRssMb.toFixed(0)} MB`,
        result.peakRssMb / small.result.peakRssMb,
        '≤ +100 MB',
        result.peakRssMb - small.result.peakRssMb <= 100,
      ),
    );
  }
  return rows;
}
