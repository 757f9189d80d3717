import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { firstRequestClock, growthRow, measure, medianBy, row, seconds, type BenchRow, type Pair } from './measure';

const RECORDINGS = 2_000;
const LATENCY_MS = 50;
const CAP = 20;
/** The sequential baseline is timed on a sample and scaled: at 50 ms a request it would take minutes. */
const BASELINE_SAMPLE = 200;
/** Runs of ours and of the bare client each; the median is reported. */
const ROUNDS = 3;

interface ThroughputRun {
  ms: number;
  startUpMs: number;
  requests: number;
  throttled: number;
}

async function throughput(): Promise<BenchRow[]> {
  // 12 s of mono WAV is 192 KB, the size the comparison is stated for.
  const world = await TwilioWorld.start({
    recordings: { count: RECORDINGS, seed: 9, durationSeconds: 12, statusMix: { completed: 1 }, dualChannelShare: 0 },
    subaccounts: 0,
    knobs: { latencyMs: LATENCY_MS, concurrencyCap: CAP },
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-download-'));
  const env = world.environment(world.authTokenEnv);
  const timed = async (command: string, args: string[]): Promise<ThroughputRun> => {
    world.sandbox.resetCounters();
    const startUp = firstRequestClock(world.sandbox.counters);
    const result = await measure(command, args, env);
    const startUpMs = startUp() ?? 0;
    if (result.status !== 0) throw new Error(`${basename(args[0] ?? command)} failed: ${result.stderr}`);
    const { counters } = world.sandbox;
    return { ms: result.ms, startUpMs, requests: counters.responses['200'] ?? 0, throttled: counters.throttled };
  };
  try {
    // Alternated, so that both see the same moments of a shared machine.
    const ours: ThroughputRun[] = [];
    const floor: ThroughputRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const outputDir = join(dir, `ours-${round}`);
      ours.push(await timed(TWILIO_BIN, ['recordings:download', '--output-dir', outputDir, '-o', 'none']));
      floor.push(await timed(process.execPath, [join(__dirname, 'baselines', 'bare-download.js'), String(CAP)]));
      rmSync(outputDir, { recursive: true, force: true });
    }
    const typical = medianBy(ours, (run) => run.ms);
    const floorTypical = medianBy(floor, (run) => run.ms);
    const ideal = (typical.requests * LATENCY_MS) / CAP;

    const baselineDir = join(dir, 'baseline');
    mkdirSync(baselineDir);
    const baseline = await measure(
      process.execPath,
      [join(__dirname, 'baselines', 'sequential-download.js'), baselineDir, String(BASELINE_SAMPLE)],
      env,
    );
    if (baseline.status !== 0) throw new Error(`baseline failed: ${baseline.stderr}`);
    const baselineScaled = (baseline.ms * RECORDINGS) / BASELINE_SAMPLE;
    const range = (runs: ThroughputRun[]) => runs.map((run) => (run.ms / ideal).toFixed(2)).join(', ');
    return [
      row(
        `download ${RECORDINGS.toLocaleString('en-US')} × 192 KB WAV, ${LATENCY_MS} ms latency, cap ${CAP}: wall time vs ideal (${typical.requests} requests × ${LATENCY_MS} ms ÷ ${CAP}), median of ${ROUNDS}`,
        `${seconds(typical.ms)}, of which ${seconds(typical.startUpMs)} start-up before the first request (${typical.throttled} answered 429; runs ${range(ours)})`,
        `${seconds(ideal)} ideal`,
        typical.ms / ideal,
        '≤ 1.2',
        typical.ms / ideal <= 1.2,
      ),
      row(
        `the same ${RECORDINGS.toLocaleString('en-US')} downloads by a bare Node https client (no CLI, no checks, no disk), median of ${ROUNDS}: this machine's floor`,
        `${seconds(floorTypical.ms)} (${floorTypical.throttled} answered 429; runs ${range(floor)})`,
        `${seconds(ideal)} ideal`,
        floorTypical.ms / ideal,
        'measured',
        true,
      ),
      row(
        `download ${RECORDINGS.toLocaleString('en-US')}: speed-up over a sequential loop with the twilio library (${BASELINE_SAMPLE} timed, scaled)`,
        seconds(typical.ms),
        seconds(baselineScaled),
        baselineScaled / typical.ms,
        'faster',
        baselineScaled > typical.ms,
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
    const peak = async (sid: string, round: number) => {
      const outputDir = join(dir, `${sid}-${round}`);
      const result = await measure(
        TWILIO_BIN,
        ['recordings:download', '--sid', sid, '--output-dir', outputDir, '-o', 'none'],
        env,
      );
      if (result.status !== 0) throw new Error(`recordings:download failed: ${result.stderr}`);
      rmSync(outputDir, { recursive: true, force: true });
      return result.peakRssMb;
    };
    const bare = async (sid: string, round: number) => {
      const file = join(dir, `${sid}-${round}.wav`);
      const result = await measure(process.execPath, [join(__dirname, 'baselines', 'bare-save.js'), sid, file], env);
      if (result.status !== 0) throw new Error(`bare-save failed: ${result.stderr}`);
      rmSync(file, { force: true });
      return result.peakRssMb;
    };
    const ours: Pair[] = [];
    const floor: Pair[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push({ small: await peak(small.sid, round), large: await peak(large.sid, round) });
      floor.push({ small: await bare(small.sid, round), large: await bare(large.sid, round) });
    }
    return [
      growthRow(
        `peak RSS of downloading one 200 MB recording vs one 1 MB recording, median of ${ROUNDS} pairs`,
        ours,
        30,
      ),
      growthRow(
        `the same two recordings streamed to a file by a bare Node https client, median of ${ROUNDS} pairs: this machine's floor`,
        floor,
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
