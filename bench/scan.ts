import { PAGE_COST_MODEL, type Sandbox } from '../sandbox';
import { pageCostMs } from '../sandbox/knobs';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { measure, row, type BenchRow, type Measurement } from './measure';

const TWO_YEARS_DAYS = 730;
/** Twilio's concurrency per account family, as the sandbox enforces it, and the plugin's default --concurrency. */
const CAP = 20;

interface Scan {
  label: string;
  result: Measurement;
  /** What a walk of one page at a time would wait for Twilio: the sum of its pages' costs. */
  sequentialIdealMs: number;
}

/** The pages a one-page-at-a-time walk of these accounts would fetch, costed with the page cost model. */
function sequentialIdealMs(sandbox: Sandbox, accountSids: string[]): number {
  let total = 0;
  for (const accountSid of accountSids) {
    let cursor: { direction: 'after'; position: { dateCreatedMs: number; sid: string } } | undefined;
    for (;;) {
      const page = sandbox.store.page({ accountSid, includeDeleted: false, pageSize: 1000, cursor });
      total += pageCostMs(PAGE_COST_MODEL, page.items.length);
      const last = page.items.at(-1);
      if (!page.hasMore || !last) break;
      cursor = { direction: 'after', position: last };
    }
  }
  return total;
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
    const ideal = sequentialIdealMs(world.sandbox, accounts);
    const args = ['recordings:list', '--no-limit', '-o', 'none', ...(subaccounts > 0 ? ['--subaccounts'] : [])];
    const result = await measure(TWILIO_BIN, args, world.environment(world.authTokenEnv));
    if (result.status !== 0) throw new Error(`recordings:list failed: ${result.stderr}`);
    return { label, result, sequentialIdealMs: ideal };
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
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows: BenchRow[] = scans.map(({ label, result, sequentialIdealMs: ideal }) =>
    row(
      `\`recordings:list --no-limit -o none\`, ${label}, page cost ${PAGE_COST_MODEL.baseMs} ms + ${PAGE_COST_MODEL.perRecordMs} ms/record, cap ${CAP}`,
      seconds(result.ms),
      `${seconds(ideal)} (sequential ideal: pages × page cost)`,
      ideal / result.ms,
      '≥ 10× faster',
      ideal / result.ms >= 10,
    ),
  );
  for (const { label, result } of scans) {
    rows.push(
      row(
        `peak RSS of that scan, ${label}, vs 1,000 recordings`,
        `${result.peakRssMb.toFixed(0)} MB`,
        `${small.peakRssMb.toFixed(0)} MB`,
        result.peakRssMb / small.peakRssMb,
        '≤ +100 MB',
        result.peakRssMb - small.peakRssMb <= 100,
      ),
    );
  }
  return rows;
}
