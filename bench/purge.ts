import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { firstRequestClock, measure, row, seconds, type BenchRow } from './measure';

const RECORDINGS = 10_000;
const LATENCY_MS = 50;
const CAP = 20;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The sequential baselines are timed on samples and scaled: they would take many minutes. */
const LIBRARY_SAMPLE = 200;
const SHELL_SAMPLE = 10;

function seededWorld(count: number, latencyMs: number): Promise<TwilioWorld> {
  const now = Date.now();
  return TwilioWorld.start({
    recordings: { count, seed: 13, statusMix: { completed: 1 }, from: now - 120 * DAY_MS, to: now - 31 * DAY_MS },
    subaccounts: 0,
    knobs: { latencyMs, concurrencyCap: CAP },
  });
}

function completedResponses(world: TwilioWorld): number {
  const responses = world.sandbox.counters.responses;
  return (responses['200'] ?? 0) + (responses['204'] ?? 0);
}

async function throughput(): Promise<BenchRow[]> {
  const world = await seededWorld(RECORDINGS, LATENCY_MS);
  try {
    const env = world.environment(world.authTokenEnv);
    world.sandbox.resetCounters();
    const startUp = firstRequestClock(world.sandbox.counters);
    const ours = await measure(TWILIO_BIN, ['recordings:purge', '--older-than', '30d', '--force', '-o', 'none'], env);
    const firstRequestMs = startUp() ?? 0;
    if (ours.status !== 0) throw new Error(`recordings:purge failed: ${ours.stderr}`);
    const left = world.sandbox.store.recordings(world.sandbox.account.sid).length;
    if (left !== 0) throw new Error(`recordings:purge left ${left} recordings`);
    const requests = completedResponses(world);
    const ideal = (requests * LATENCY_MS) / CAP;
    const throttled = world.sandbox.counters.throttled;

    // Baselines delete a fresh set of the same shape.
    world.sandbox.store.seedRecordings({
      seed: 14,
      count: LIBRARY_SAMPLE + SHELL_SAMPLE,
      statusMix: { completed: 1 },
      from: Date.now() - 120 * DAY_MS,
      to: Date.now() - 31 * DAY_MS,
      accountSids: [world.sandbox.account.sid],
    });
    const cutoff = new Date(Date.now() - 30 * DAY_MS).toISOString();
    const library = await measure(
      process.execPath,
      [`${__dirname}/baselines/sequential-purge.js`, String(LIBRARY_SAMPLE), cutoff],
      env,
    );
    if (library.status !== 0) throw new Error(`library baseline failed: ${library.stderr}`);
    const libraryScaled = (library.ms * RECORDINGS) / LIBRARY_SAMPLE;

    let shellMs = 0;
    for (const recording of world.sandbox.store.recordings(world.sandbox.account.sid).slice(0, SHELL_SAMPLE)) {
      const one = await measure(TWILIO_BIN, ['api:core:recordings:remove', '--sid', recording.sid], env);
      if (one.status !== 0) throw new Error(`api:core:recordings:remove failed: ${one.stderr}`);
      shellMs += one.ms;
    }
    const shellScaled = (shellMs * RECORDINGS) / SHELL_SAMPLE;
    return [
      row(
        `purge ${RECORDINGS.toLocaleString('en-US')} recordings, ${LATENCY_MS} ms latency, cap ${CAP}: wall time vs ideal (${requests.toLocaleString('en-US')} requests × ${LATENCY_MS} ms ÷ ${CAP})`,
        `${seconds(ours.ms)}, of which ${seconds(firstRequestMs)} start-up (${throttled} answered 429; peak RSS ${ours.peakRssMb.toFixed(0)} MB)`,
        `${seconds(ideal)} ideal`,
        ours.ms / ideal,
        '≤ 1.2',
        ours.ms / ideal <= 1.2,
      ),
      row(
        `purge ${RECORDINGS.toLocaleString('en-US')}: speed-up over a sequential loop with the twilio library (${LIBRARY_SAMPLE} timed, scaled)`,
        seconds(ours.ms),
        seconds(libraryScaled),
        libraryScaled / ours.ms,
        'faster',
        libraryScaled > ours.ms,
      ),
      row(
        `purge ${RECORDINGS.toLocaleString('en-US')}: speed-up over a shell loop of \`twilio api:core:recordings:remove --sid\` (${SHELL_SAMPLE} timed, scaled)`,
        seconds(ours.ms),
        seconds(shellScaled),
        shellScaled / ours.ms,
        'faster',
        shellScaled > ours.ms,
      ),
    ];
  } finally {
    await world.close();
  }
}

async function planMemory(): Promise<BenchRow[]> {
  const peaks: number[] = [];
  for (const count of [1_000, 100_000]) {
    const world = await seededWorld(count, 0);
    try {
      const result = await measure(
        TWILIO_BIN,
        ['recordings:purge', '--older-than', '30d', '--dry-run'],
        world.environment(world.authTokenEnv),
      );
      if (result.status !== 0) throw new Error(`recordings:purge --dry-run failed: ${result.stderr}`);
      peaks.push(result.peakRssMb);
    } finally {
      await world.close();
    }
  }
  const [small, large] = peaks;
  return [
    row(
      'peak RSS of a `recordings:purge --dry-run` plan over 100,000 vs 1,000 recordings',
      `${large.toFixed(0)} MB`,
      `${small.toFixed(0)} MB`,
      large / small,
      '≤ +60 MB',
      large - small <= 60,
    ),
  ];
}

export async function purgeBenchmarks(): Promise<BenchRow[]> {
  return [...(await throughput()), ...(await planMemory())];
}
