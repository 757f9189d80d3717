import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { LOCAL_STORE_CREDENTIALS, LocalObjectStore } from '../test/support/object-store-server';
import { measure, median, row, type BenchRow } from './measure';

const RECORDINGS = 2_000;
const LATENCY_MS = 50;
const CAP = 20;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Rounds of each kind of archive, alternated; the median is reported. */
const ROUNDS = 3;
const BUCKET = 'bench';

/** The environment that points `twilio` at the local S3 server, as a user's AWS variables would. */
function storeEnv(server: LocalObjectStore): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_S3: server.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_STORE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_STORE_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
}

function seed(world: TwilioWorld, round: number): void {
  // 12 s of mono WAV is 192 KB, as in the download benchmark.
  world.sandbox.store.seedRecordings({
    seed: 30 + round,
    count: RECORDINGS,
    durationSeconds: 12,
    statusMix: { completed: 1 },
    dualChannelShare: 0,
    from: Date.now() - 120 * DAY_MS,
    to: Date.now() - 31 * DAY_MS,
    accountSids: [world.sandbox.account.sid],
  });
}

/**
 * `purge --archive-dir s3://…` against `purge --archive-dir DIR` of the same 2,000 recordings
 * at the sandbox's usual latency and cap, alternated so that both see the same moments of a
 * shared machine.
 */
async function throughput(server: LocalObjectStore, dir: string): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 0, knobs: { latencyMs: LATENCY_MS, concurrencyCap: CAP } });
  const env = world.environment({ ...world.authTokenEnv, ...storeEnv(server) });
  const purge = async (archive: string, round: number) => {
    seed(world, round);
    world.sandbox.resetCounters();
    const result = await measure(
      TWILIO_BIN,
      ['recordings:purge', '--older-than', '30d', '--force', '--archive-dir', archive, '-o', 'none'],
      env,
    );
    if (result.status !== 0) throw new Error(`recordings:purge --archive-dir ${archive} failed: ${result.stderr}`);
    const left = world.sandbox.store.recordings(world.sandbox.account.sid).length;
    if (left !== 0) throw new Error(`recordings:purge --archive-dir ${archive} left ${left} recordings`);
    return { ms: result.ms, peakRssMb: result.peakRssMb, throttled: world.sandbox.counters.throttled };
  };
  try {
    const s3: Array<{ ms: number; peakRssMb: number; throttled: number }> = [];
    const local: Array<{ ms: number; peakRssMb: number; throttled: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const folder = join(dir, `archive-${round}`);
      const bucket = `s3://${BUCKET}/round-${round}`;
      // Each round starts with the other kind, so neither always runs on a warmer machine.
      if (round % 2 === 0) {
        s3.push(await purge(bucket, round * 2));
        local.push(await purge(folder, round * 2 + 1));
      } else {
        local.push(await purge(folder, round * 2));
        s3.push(await purge(bucket, round * 2 + 1));
      }
      rmSync(folder, { recursive: true, force: true });
    }
    const ours = median(s3.map((run) => run.ms));
    const baseline = median(local.map((run) => run.ms));
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const runs = (list: Array<{ ms: number }>) => list.map((run) => (run.ms / 1000).toFixed(1)).join(', ');
    return [
      row(
        `purge ${RECORDINGS.toLocaleString('en-US')} × 192 KB WAV with \`--archive-dir s3://…\` (local S3 server) vs \`--archive-dir DIR\`, ${LATENCY_MS} ms latency, cap ${CAP}, alternated, median of ${ROUNDS}`,
        `${seconds(ours)} (runs ${runs(s3)} s; peak RSS ${median(s3.map((run) => run.peakRssMb)).toFixed(0)} MB)`,
        `${seconds(baseline)} (runs ${runs(local)} s; peak RSS ${median(local.map((run) => run.peakRssMb)).toFixed(0)} MB)`,
        ours / baseline,
        '≤ 1.2',
        ours / baseline <= 1.2,
      ),
    ];
  } finally {
    await world.close();
  }
}

/** Peak RSS of archiving one 200 MB recording to the bucket and to a folder, and the floor of loading the SDK. */
async function memory(server: LocalObjectStore, dir: string): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 0 });
  const env = world.environment({ ...world.authTokenEnv, ...storeEnv(server) });
  const accountSid = world.sandbox.account.sid;
  // WAV is 16,000 bytes a second of mono audio: 12,500 s is 200 MB.
  const addLarge = () =>
    world.sandbox.store.addRecording({
      accountSid,
      status: 'completed',
      durationSeconds: 12_500,
      channels: 1,
      dateCreated: Date.now() - 40 * DAY_MS,
    }).sid;
  const purge = async (archive: string) => {
    const sid = addLarge();
    const result = await measure(
      TWILIO_BIN,
      ['recordings:purge', '--sid', sid, '--force', '--archive-dir', archive, '-o', 'none'],
      env,
    );
    if (result.status !== 0) throw new Error(`recordings:purge --archive-dir ${archive} failed: ${result.stderr}`);
    return result.peakRssMb;
  };
  try {
    const s3: number[] = [];
    const local: number[] = [];
    const sdk: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const folder = join(dir, `large-${round}`);
      s3.push(await purge(`s3://${BUCKET}/large-${round}`));
      local.push(await purge(folder));
      rmSync(folder, { recursive: true, force: true });
      const bare = await measure(process.execPath, [join(__dirname, 'baselines', 'load-s3-sdk.js')], process.env);
      if (bare.status !== 0) throw new Error(`loading the SDK failed: ${bare.stderr}`);
      sdk.push(bare.peakRssMb);
    }
    const ours = median(s3);
    const baseline = median(local);
    const list = (values: number[]) => values.map((mb) => mb.toFixed(0)).join(', ');
    return [
      row(
        `peak RSS of \`recordings:purge --archive-dir\` of one 200 MB recording: to s3:// (local S3 server) vs to a folder, median of ${ROUNDS}`,
        `${ours.toFixed(0)} MB (runs ${list(s3)})`,
        `${baseline.toFixed(0)} MB (runs ${list(local)})`,
        ours / baseline,
        '≤ +10 MB',
        ours - baseline <= 10,
      ),
      row(
        `a bare Node process that only loads \`@aws-sdk/client-s3\` and makes a client: the SDK's own share, median of ${ROUNDS}`,
        `${median(sdk).toFixed(0)} MB (runs ${list(sdk)})`,
        '—',
        1,
        'measured',
        true,
      ),
    ];
  } finally {
    await world.close();
  }
}

export async function purgeS3Benchmarks(): Promise<BenchRow[]> {
  const server = await LocalObjectStore.start();
  const dir = mkdtempSync(join(tmpdir(), 'bench-purge-s3-'));
  try {
    await server.createBucket(BUCKET);
    return [...(await throughput(server, dir)), ...(await memory(server, dir))];
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
