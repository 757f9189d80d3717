import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { measure, row, type BenchRow } from './measure';

const SIZES = [1_000, 10_000, 100_000];
/** A JavaScript heap this small holds a few pages, not 100,000 recordings: completing under it shows memory flat in N. */
const CAPPED_HEAP_MB = 64;

/** Peak RSS of listing everything as JSON, for growing accounts: streaming keeps it flat. */
export async function listMemoryBenchmarks(): Promise<BenchRow[]> {
  const peaks: Array<{ size: number; peakMb: number; ms: number }> = [];
  for (const size of SIZES) {
    const world = await TwilioWorld.start({ recordings: { count: size, seed: 5 }, subaccounts: 0 });
    try {
      const result = await measure(
        TWILIO_BIN,
        ['recordings:list', '--no-limit', '-o', 'json'],
        world.environment(world.authTokenEnv),
      );
      if (result.status !== 0) throw new Error(`recordings:list failed: ${result.stderr}`);
      peaks.push({ size, peakMb: result.peakRssMb, ms: result.ms });
    } finally {
      await world.close();
    }
  }
  const base = peaks[0];
  const growth = peaks
    .slice(1)
    .map((p) =>
      row(
        `peak RSS of \`recordings:list --no-limit -o json\`, ${p.size.toLocaleString('en-US')} vs ${base.size.toLocaleString('en-US')} recordings`,
        `${p.peakMb.toFixed(0)} MB (${(p.ms / 1000).toFixed(1)} s)`,
        `${base.peakMb.toFixed(0)} MB (${(base.ms / 1000).toFixed(1)} s)`,
        p.peakMb / base.peakMb,
        p.size === 100_000 ? '≤ +100 MB' : 'flat',
        p.size === 100_000 ? p.peakMb - base.peakMb <= 100 : true,
      ),
    );
  return [...growth, await cappedHeapRun(SIZES[SIZES.length - 1])];
}

/** Lists everything with the JavaScript heap capped: it completes only if the selection's memory is flat. */
async function cappedHeapRun(size: number): Promise<BenchRow> {
  const world = await TwilioWorld.start({ recordings: { count: size, seed: 5 }, subaccounts: 0 });
  try {
    const result = await measure(
      TWILIO_BIN,
      ['recordings:list', '--no-limit', '-o', 'json'],
      world.environment({ ...world.authTokenEnv, NODE_OPTIONS: `--max-old-space-size=${CAPPED_HEAP_MB}` }),
    );
    const completed = result.status === 0;
    return row(
      `\`recordings:list --no-limit -o json\` of ${size.toLocaleString('en-US')} recordings with the JS heap capped at ${CAPPED_HEAP_MB} MB`,
      completed ? `completed, peak RSS ${result.peakRssMb.toFixed(0)} MB` : `failed (${result.status})`,
      '—',
      1,
      'completes',
      completed,
    );
  } finally {
    await world.close();
  }
}
