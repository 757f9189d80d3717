import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAGE_COST_MODEL, type Sandbox } from '../sandbox';
import { pageCostMs } from '../sandbox/knobs';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { measure, row, seconds, type BenchRow, type Measurement } from './measure';

const TWO_YEARS_DAYS = 730;
/** Twilio's concurrency per account family, as the sandbox enforces it, and the plugin's default --concurrency. */
const CAP = 20;
/** Twilio's largest page, which both the plugin and the bare client ask for. */
const PAGE_SIZE = 1000;

interface Scan {
  label: string;
  result: Measurement;
  /** The bare client's scan of the same accounts in the same sandbox: this machine's floor. */
  floor: Measurement;
  /** What a walk of one page at a time would wait for Twilio: the sum of its pages' costs. */
  sequentialIdealMs: number;
  /** List requests each made, and how many of them were answered 429. */
  requests: { ours: number; oursThrottled: number; floor: number; floorThrottled: number };
}

/** A whole-day range of one account's recordings, both days inclusive: [accountSid, firstDay, lastDay]. */
type DayRange = [accountSid: string, firstDay: string, lastDay: string];

interface SequentialWalk {
  idealMs: number;
  records: number;
  /** The fewest whole-day ranges of at most a page each (a day of more than a page is a range of its own). */
  plan: DayRange[];
}

/**
 * The pages a one-page-at-a-time walk of these accounts would fetch, costed with the page cost model,
 * and from the same walk the ideal shard plan a client knowing the distribution would use.
 */
function sequentialWalk(sandbox: Sandbox, accountSids: string[]): SequentialWalk {
  const walk: SequentialWalk = { idealMs: 0, records: 0, plan: [] };
  for (const accountSid of accountSids) {
    const perDay = new Map<string, number>();
    let cursor: { direction: 'after'; position: { dateCreatedMs: number; sid: string } } | undefined;
    for (;;) {
      const page = sandbox.store.page({ accountSid, includeDeleted: false, pageSize: PAGE_SIZE, cursor });
      walk.idealMs += pageCostMs(PAGE_COST_MODEL, page.items.length);
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

async function scan(
  label: string,
  generated: { perAccount: number; accounts: 'parent' | 'subaccounts' },
  subaccounts: number,
): Promise<Scan> {
  const world = await TwilioWorld.start({
    subaccounts,
    recordings: generated.accounts === 'subaccounts' ? 0 : undefined,
    generated: { ...generated, from: Date.now() - TWO_YEARS_DAYS * 86_400_000, to: Date.now() },
    knobs: { pageCost: PAGE_COST_MODEL, concurrencyCap: CAP },
  });
  try {
    const accounts =
      generated.accounts === 'parent' ? [world.sandbox.account.sid] : world.sandbox.subaccounts.map((s) => s.sid);
    const walk = sequentialWalk(world.sandbox, accounts);
    const planFile = join(mkdtempSync(join(tmpdir(), 'bench-scan-')), 'plan.json');
    writeFileSync(planFile, JSON.stringify(walk.plan));
    const env = world.environment(world.authTokenEnv);
    const { counters } = world.sandbox;

    world.sandbox.resetCounters();
    const args = ['recordings:list', '--no-limit', '-o', 'none', ...(subaccounts > 0 ? ['--subaccounts'] : [])];
    const result = await measure(TWILIO_BIN, args, env);
    if (result.status !== 0) throw new Error(`recordings:list failed: ${result.stderr}`);
    const [ours, oursThrottled] = [counters.requests.list, counters.throttled];

    world.sandbox.resetCounters();
    const floor = await measure(
      process.execPath,
      [join(__dirname, 'baselines', 'bare-scan.js'), planFile, String(CAP), String(walk.records)],
      env,
    );
    if (floor.status !== 0) throw new Error(`bare-scan failed: ${floor.stderr}`);
    const requests = { ours, oursThrottled, floor: counters.requests.list, floorThrottled: counters.throttled };
    return { label, result, floor, sequentialIdealMs: walk.idealMs, requests };
  } finally {
    await world.close();
  }
}

/** A list of 1,000 recordings under the same page cost: the memory baseline. */
async function smallList(): Promise<Measurement> {
  const world = await TwilioWorld.start({
    subaccounts: 0,
    generated: { perAccount: 1_000, accounts: 'parent' },
    knobs: { pageCost: PAGE_COST_MODEL, concurrencyCap: CAP },
  });
  try {
    const result = await measure(
      TWILIO_BIN,
      ['recordings:list', '--no-limit', '-o', 'none'],
      world.environment(world.authTokenEnv),
    );
    if (result.status !== 0) throw new Error(`recordings:list failed: ${result.stderr}`);
    return result;
  } finally {
    await world.close();
  }
}

/**
 * `recordings:list --no-limit -o none` of two years of recordings, with each list page costing
 * what the sandbox's page cost model says and Twilio's concurrency capped at 20, against the
 * time a one-page-at-a-time walk would wait for Twilio alone; and peak memory of both scans
 * against a list of 1,000 recordings.
 */
export async function scanBenchmarks(): Promise<BenchRow[]> {
  const scans = [
    await scan('1,000,000 recordings over two years', { perAccount: 1_000_000, accounts: 'parent' }, 0),
    await scan(
      '20 subaccounts × 50,000 recordings over two years',
      { perAccount: 50_000, accounts: 'subaccounts' },
      20,
    ),
  ];
  const small = await smallList();
  const rows: BenchRow[] = [];
  for (const { label, result, floor, sequentialIdealMs: ideal, requests } of scans) {
    rows.push(
      row(
        `\`recordings:list --no-limit -o none\`, ${label}, page cost ${PAGE_COST_MODEL.baseMs} ms + ${PAGE_COST_MODEL.perRecordMs} ms/record, cap ${CAP}`,
        `${seconds(result.ms)} (${requests.ours} list requests, ${requests.oursThrottled} answered 429)`,
        `${seconds(ideal)} (sequential ideal: pages × page cost)`,
        ideal / result.ms,
        '≥ 10× faster',
        ideal / result.ms >= 10,
      ),
      row(
        `the same scan by a bare Node https client (no CLI, no checks, no order; whole-day ranges of at most 1,000 recordings chosen knowing the distribution, ${CAP} at a time): this machine's floor`,
        `${seconds(floor.ms)} (${requests.floor} list requests, ${requests.floorThrottled} answered 429)`,
        `${seconds(ideal)} (sequential ideal)`,
        ideal / floor.ms,
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
    );
  }
  for (const { label, result, floor } of scans) {
    rows.push(
      row(
        `peak RSS of that scan, ${label}, vs 1,000 recordings`,
        `${result.peakRssMb.toFixed(0)} MB (the floor's: ${floor.peakRssMb.toFixed(0)} MB)`,
        `${small.peakRssMb.toFixed(0)} MB`,
        result.peakRssMb / small.peakRssMb,
        '≤ +100 MB',
        result.peakRssMb - small.peakRssMb <= 100,
      ),
    );
  }
  return rows;
}
