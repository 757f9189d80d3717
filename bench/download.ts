import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { firstRequestClock, measure, row, type BenchRow } from './measure';

const RECORDINGS = 2_000;
const LATENCY_MS = 50;
const CAP = 20;
/** The sequential baseline is timed on a sample and scaled: at 50 ms a request it would take minutes. */
const BASELINE_SAMPLE = 200;

/** Seeding weights are merged with the sandbox's default mix, so every other status is zeroed. */
export const ONLY_COMPLETED = {
  completed: 1,
  absent: 0,
  processing: 0,
  'in-progress': 0,
  paused: 0,
  stopped: 0,
  deleted: 0,
};

function okResponses(world: TwilioWorld): number {
  return world.sandbox.counters.responses['200'] ?? 0;
}

async function throughput(): Promise<BenchRow[]> {
  // 12 s of mono WAV is 192 KB, the size the comparison is stated for.
  const world = await TwilioWorld.start({
    recordings: { count: RECORDINGS, seed: 9, durationSeconds: 12, statusMix: ONLY_COMPLETED, dualChannelShare: 0 },
    subaccounts: 0,
    knobs: { latencyMs: LATENCY_MS, concurrencyCap: CAP },
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-download-'));
  try {
    const env = world.environment(world.authTokenEnv);
    world.sandbox.resetCounters();
    const startUp = firstRequestClock(world.sandbox.counters);
    const ours = await measure(
      TWILIO_BIN,
      ['recordings:download', '--output-dir', join(dir, 'ours'), '-o', 'none'],
      env,
    );
    const firstRequestMs = startUp() ?? 0;
    if (ours.status !== 0) throw new Error(`recordings:download failed: ${ours.stderr}`);
    const requests = okResponses(world);
    const ideal = (requests * LATENCY_MS) / CAP;
    const throttled = world.sandbox.counters.throttled;

    const baselineDir = join(dir, 'baseline');
    rmSync(baselineDir, { recursive: true, force: true });
    mkdirSync(baselineDir);
    const baseline = await measure(
      process.execPath,
      [join(__dirname, 'baselines', 'sequential-download.js'), baselineDir, String(BASELINE_SAMPLE)],
      env,
    );
    if (baseline.status !== 0) throw new Error(`baseline failed: ${baseline.stderr}`);
    const baselineScaled = (baseline.ms * RECORDINGS) / BASELINE_SAMPLE;
    return [
      row(
        `download ${RECORDINGS.toLocaleString('en-US')} × 192 KB WAV, ${LATENCY_MS} ms latency, cap ${CAP}: wall time vs ideal (${requests} requests × ${LATENCY_MS} ms ÷ ${CAP})`,
        `${(ours.ms / 1000).toFixed(1)} s, of which ${(firstRequestMs / 1000).toFixed(1)} s start-up before the first request (${throttled} answered 429)`,
        `${(ideal / 1000).toFixed(1)} s ideal`,
        ours.ms / ideal,
        '≤ 1.2',
        ours.ms / ideal <= 1.2,
      ),
      row(
        `download ${RECORDINGS.toLocaleString('en-US')}: speed-up over a sequential loop with the twilio library (${BASELINE_SAMPLE} timed, scaled)`,
        `${(ours.ms / 1000).toFixed(1)} s`,
        `${(baselineScaled / 1000).toFixed(1)} s`,
        baselineScaled / ours.ms,
        'faster',
        baselineScaled > ours.ms,
      ),
    ];
  } finally {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function memory(): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'bench-download-rss-'));
  try {
    const accountSid = world.sandbox.account.sid;
    // WAV is 16,000 bytes a second of mono audio.
    const small = world.sandbox.store.addRecording({
      accountSid,
      status: 'completed',
      durationSeconds: 63,
      channels: 1,
    });
    const large = world.sandbox.store.addRecording({
      accountSid,
      status: 'completed',
      durationSeconds: 12_500,
      channels: 1,
    });
    const env = world.environment(world.authTokenEnv);
    const peak = async (sid: string) => {
      const result = await measure(
        TWILIO_BIN,
        ['recordings:download', '--sid', sid, '--output-dir', join(dir, sid), '-o', 'none'],
        env,
      );
      if (result.status !== 0) throw new Error(`recordings:download failed: ${result.stderr}`);
      return result.peakRssMb;
    };
    const smallPeak = await peak(small.sid);
    const largePeak = await peak(large.sid);
    return [
      row(
        'peak RSS of downloading one 200 MB recording vs one 1 MB recording',
        `${largePeak.toFixed(0)} MB`,
        `${smallPeak.toFixed(0)} MB`,
        largePeak / smallPeak,
        '≤ +30 MB',
        largePeak - smallPeak <= 30,
      ),
    ];
  } finally {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function downloadBenchmarks(): Promise<BenchRow[]> {
  return [...(await throughput()), ...(await memory())];
}
