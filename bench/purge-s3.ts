import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { LOCAL_STORE_CREDENTIALS, LocalObjectStore } from '../test/support/object-store-server';
import { measure, median, row, seconds, type BenchRow } from './measure';

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

interface PurgeRun {
  ms: number;
  peakRssMb: number;
  throttled: number;
}

/** The runs of one kind of archive, by ours and by the bare floor. */
interface Runs {
  s3: PurgeRun[];
  folder: PurgeRun[];
}

/**
 * `purge --archive-dir s3://…` against `purge --archive-dir DIR` of the same 2,000 recordings
 * at the sandbox's usual latency and cap, and beside them in the same run the bare floor
 * (bench/baselines/bare-archive.js) doing the same job both ways, all alternated so that each
 * sees the same moments of a shared machine.
 */
async function throughput(server: LocalObjectStore, dir: string): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 0, knobs: { latencyMs: LATENCY_MS, concurrencyCap: CAP } });
  const env = world.environment({ ...world.authTokenEnv, ...storeEnv(server) });
  let seeds = 0;
  const timed = async (what: string, command: string, args: string[]): Promise<PurgeRun> => {
    seed(world, seeds++);
    world.sandbox.resetCounters();
    const result = await measure(command, args, env);
    if (result.status !== 0) throw new Error(`${what} failed: ${result.stderr}`);
    const left = world.sandbox.store.recordings(world.sandbox.account.sid).length;
    if (left !== 0) throw new Error(`${what} left ${left} recordings`);
    return { ms: result.ms, peakRssMb: result.peakRssMb, throttled: world.sandbox.counters.throttled };
  };
  const purge = (archive: string) =>
    timed(`recordings:purge --archive-dir ${archive}`, TWILIO_BIN, [
      'recordings:purge',
      '--older-than',
      '30d',
      '--force',
      '--archive-dir',
      archive,
      '-o',
      'none',
    ]);
  const floor = (where: 's3' | 'dir', archive: string) =>
    timed(`the bare archive to ${archive}`, process.execPath, [
      join(__dirname, 'baselines', 'bare-archive.js'),
      where,
      archive,
      String(CAP),
    ]);
  try {
    const ours: Runs = { s3: [], folder: [] };
    const bare: Runs = { s3: [], folder: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const runs: Array<() => Promise<void>> = [
        async () => void ours.s3.push(await purge(`s3://${BUCKET}/round-${round}`)),
        async () => void ours.folder.push(await purge(join(dir, `archive-${round}`))),
        async () => void bare.s3.push(await floor('s3', `s3://${BUCKET}/floor-${round}`)),
        async () => void bare.folder.push(await floor('dir', join(dir, `floor-${round}`))),
      ];
      // Each round starts with another kind, so that none always runs on a warmer machine.
      for (let next = 0; next < runs.length; next++) await runs[(next + round) % runs.length]!();
      rmSync(join(dir, `archive-${round}`), { recursive: true, force: true });
      rmSync(join(dir, `floor-${round}`), { recursive: true, force: true });
    }
    const ms = (list: PurgeRun[]) => median(list.map((run) => run.ms));
    const runs = (list: PurgeRun[]) => list.map((run) => (run.ms / 1000).toFixed(1)).join(', ');
    const described = (list: PurgeRun[]) =>
      `${seconds(ms(list))} (runs ${runs(list)} s; peak RSS ${median(list.map((run) => run.peakRssMb)).toFixed(0)} MB)`;
    const ratio = ms(ours.s3) / ms(ours.folder);
    const floorRatio = ms(bare.s3) / ms(bare.folder);
    const count = RECORDINGS.toLocaleString('en-US');
    return [
      row(
        `purge ${count} × 192 KB WAV with \`--archive-dir s3://…\` (local S3 server) vs \`--archive-dir DIR\`, ${LATENCY_MS} ms latency, cap ${CAP}, alternated, median of ${ROUNDS}`,
        described(ours.s3),
        described(ours.folder),
        ratio,
        '≤ 1.2',
        ratio <= 1.2,
      ),
      row(
        `the floor in the same run: a bare Node client (list, fetch ${CAP} at a time, store, DELETE; no CLI, no checks, no logs) storing each recording in the bucket in one PUT with Content-MD5 vs in a folder with fsync, median of ${ROUNDS}`,
        described(bare.s3),
        described(bare.folder),
        floorRatio,
        'measured',
        true,
      ),
      row(
        `purge to s3:// against the floor's s3:// (ours ÷ floor), median of ${ROUNDS}`,
        seconds(ms(ours.s3)),
        seconds(ms(bare.s3)),
        ms(ours.s3) / ms(bare.s3),
        'measured',
        true,
      ),
      row(
        `purge to a folder against the floor's folder (ours ÷ floor), median of ${ROUNDS}`,
        seconds(ms(ours.folder)),
        seconds(ms(bare.folder)),
        ms(ours.folder) / ms(bare.folder),
        'measured',
        true,
      ),
    ];
  } finally {
    await world.close();
  }
}

/**
 * Peak RSS of archiving one 200 MB recording to the bucket and to a folder, beside the bare floor
 * (bench/baselines/bare-archive-file.js) doing the same job both ways in the same rounds, and the
 * floor of loading the SDK.
 */
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
  const peak = async (what: string, command: string, args: (sid: string) => string[]) => {
    const sid = addLarge();
    const result = await measure(command, args(sid), env);
    if (result.status !== 0) throw new Error(`${what} failed: ${result.stderr}`);
    if (world.sandbox.store.recordings(accountSid).length !== 0) throw new Error(`${what} left its recording`);
    return result.peakRssMb;
  };
  const purge = (archive: string) =>
    peak(`recordings:purge --archive-dir ${archive}`, TWILIO_BIN, (sid) => [
      'recordings:purge',
      '--sid',
      sid,
      '--force',
      '--archive-dir',
      archive,
      '-o',
      'none',
    ]);
  const floor = (where: 's3' | 'dir', archive: string) =>
    peak(`the bare archive to ${archive}`, process.execPath, (sid) => [
      join(__dirname, 'baselines', 'bare-archive-file.js'),
      where,
      archive,
      sid,
    ]);
  try {
    const ours = { s3: [] as number[], folder: [] as number[] };
    const bare = { s3: [] as number[], folder: [] as number[] };
    const sdk: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const runs: Array<() => Promise<void>> = [
        async () => void ours.s3.push(await purge(`s3://${BUCKET}/large-${round}`)),
        async () => void ours.folder.push(await purge(join(dir, `large-${round}`))),
        async () => void bare.s3.push(await floor('s3', `s3://${BUCKET}/large-floor-${round}`)),
        async () => void bare.folder.push(await floor('dir', join(dir, `large-floor-${round}`))),
      ];
      // Each round starts with another kind, so that none always runs on a warmer machine.
      for (let next = 0; next < runs.length; next++) await runs[(next + round) % runs.length]!();
      rmSync(join(dir, `large-${round}`), { recursive: true, force: true });
      rmSync(join(dir, `large-floor-${round}`), { recursive: true, force: true });
      const loaded = await measure(process.execPath, [join(__dirname, 'baselines', 'load-s3-sdk.js')], process.env);
      if (loaded.status !== 0) throw new Error(`loading the SDK failed: ${loaded.stderr}`);
      sdk.push(loaded.peakRssMb);
    }
    const list = (values: number[]) => values.map((mb) => mb.toFixed(0)).join(', ');
    const described = (values: number[]) => `${median(values).toFixed(0)} MB (runs ${list(values)})`;
    const more = (mb: number) => `${mb < 0 ? '−' : '+'}${Math.abs(mb).toFixed(0)} MB`;
    const oursMore = median(ours.s3) - median(ours.folder);
    const floorMore = median(bare.s3) - median(bare.folder);
    return [
      row(
        `peak RSS of \`recordings:purge --archive-dir\` of one 200 MB recording: to s3:// (local S3 server) vs to a folder, alternated with the floor, median of ${ROUNDS}: ${more(oursMore)}, the floor's ${more(floorMore)}`,
        described(ours.s3),
        described(ours.folder),
        median(ours.s3) / median(ours.folder),
        '≤ +10 MB',
        oursMore <= 10,
      ),
      row(
        `the floor in the same run: a bare Node client fetching the recording into a file, then uploading it in 8 MiB parts one at a time, each streamed with its Content-MD5 (\`@aws-sdk/client-s3\`), vs fsync'ing it in a folder, then DELETE, median of ${ROUNDS}: ${more(floorMore)}`,
        described(bare.s3),
        described(bare.folder),
        median(bare.s3) / median(bare.folder),
        'measured',
        true,
      ),
      row(
        `the 200 MB recording to s3:// against the floor's s3:// (ours − floor ${more(median(ours.s3) - median(bare.s3))}), median of ${ROUNDS}`,
        `${median(ours.s3).toFixed(0)} MB`,
        `${median(bare.s3).toFixed(0)} MB`,
        median(ours.s3) / median(bare.s3),
        'measured',
        true,
      ),
      row(
        `the 200 MB recording to a folder against the floor's folder (ours − floor ${more(median(ours.folder) - median(bare.folder))}), median of ${ROUNDS}`,
        `${median(ours.folder).toFixed(0)} MB`,
        `${median(bare.folder).toFixed(0)} MB`,
        median(ours.folder) / median(bare.folder),
        'measured',
        true,
      ),
      row(
        `a bare Node process that only loads \`@aws-sdk/client-s3\` and makes a client: the SDK's own share, median of ${ROUNDS}`,
        described(sdk),
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

async function withStore(
  parts: Array<(server: LocalObjectStore, dir: string) => Promise<BenchRow[]>>,
): Promise<BenchRow[]> {
  const server = await LocalObjectStore.start();
  const dir = mkdtempSync(join(tmpdir(), 'bench-purge-s3-'));
  try {
    await server.createBucket(BUCKET);
    const rows: BenchRow[] = [];
    for (const part of parts) rows.push(...(await part(server, dir)));
    return rows;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const purgeS3Benchmarks = () => withStore([throughput, memory]);

/** The wall-time rows alone (`npm run bench -- purge-s3-time`). */
export const purgeS3TimeBenchmarks = () => withStore([throughput]);

/** The peak-RSS rows alone (`npm run bench -- purge-s3-memory`). */
export const purgeS3MemoryBenchmarks = () => withStore([memory]);
