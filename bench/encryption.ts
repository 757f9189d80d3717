import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { growthRow, measure, median, row, seconds, type BenchRow, type Pair } from './measure';

const RECORDINGS = 2_000;
const LATENCY_MS = 50;
const CAP = 20;
/** Rounds of each side, alternated; the median is reported. */
const ROUNDS = 3;
/** Files of the decryption throughput comparison. */
const THROUGHPUT_FILES = 20;

/** A key pair: the public half for the sandbox, the private half in a file as `--decrypt-key` takes it. */
function keyPair(dir: string): { publicPem: string; privatePath: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePath = join(dir, 'private.pem');
  writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, privatePath };
}

/** 2,000 encrypted recordings downloaded with --decrypt-key against 2,000 plain ones, in one sandbox, alternated. */
async function downloadOverhead(): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 1, knobs: { latencyMs: LATENCY_MS, concurrencyCap: CAP } });
  const dir = mkdtempSync(join(tmpdir(), 'bench-encryption-'));
  try {
    const { sandbox } = world;
    const plainAccount = sandbox.account.sid;
    const encryptedAccount = sandbox.subaccounts[0]!;
    // 12 s of mono WAV is 192 KB, as in the download benchmark.
    sandbox.store.seedRecordings({
      count: RECORDINGS * 2,
      seed: 9,
      durationSeconds: 12,
      statusMix: { completed: 1 },
      dualChannelShare: 0,
      accountSids: [plainAccount, encryptedAccount.sid],
    });
    const keys = keyPair(dir);
    sandbox.registerPublicKey(keys.publicPem, { accountSid: encryptedAccount.sid });
    sandbox.encryptRecordings(encryptedAccount.sid);
    const run = async (label: string, credentials: Record<string, string>, extra: string[]) => {
      const outputDir = join(dir, label);
      const result = await measure(
        TWILIO_BIN,
        ['recordings:download', '--output-dir', outputDir, '-o', 'none', ...extra],
        world.environment(credentials),
      );
      if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr}`);
      rmSync(outputDir, { recursive: true, force: true });
      return result.ms;
    };
    const encryptedCredentials = {
      TWILIO_ACCOUNT_SID: encryptedAccount.sid,
      TWILIO_AUTH_TOKEN: encryptedAccount.authToken,
    };
    // The floor: Node's https client and crypto alone, on the same recordings.
    const bare = async (label: string, credentials: Record<string, string>, extra: string[]) => {
      const result = await measure(
        process.execPath,
        [join(__dirname, 'baselines', 'bare-decrypting-download.js'), String(CAP), ...extra],
        world.environment(credentials),
      );
      if (result.status !== 0) throw new Error(`${label} failed: ${result.stderr}`);
      return result.ms;
    };
    const plain: number[] = [];
    const decrypted: number[] = [];
    const barePlain: number[] = [];
    const bareDecrypted: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await run(`plain-${round}`, world.authTokenEnv, []));
      decrypted.push(await run(`decrypted-${round}`, encryptedCredentials, ['--decrypt-key', keys.privatePath]));
      barePlain.push(await bare('bare plain', world.authTokenEnv, []));
      bareDecrypted.push(await bare('bare decrypting', encryptedCredentials, [keys.privatePath]));
    }
    const ratio = median(decrypted) / median(plain);
    const floorRatio = median(bareDecrypted) / median(barePlain);
    const runs = (values: number[]) => values.map((ms) => (ms / 1000).toFixed(1)).join(', ');
    return [
      row(
        `download ${RECORDINGS.toLocaleString('en-US')} encrypted recordings with --decrypt-key vs ${RECORDINGS.toLocaleString('en-US')} plain ones (192 KB WAV, ${LATENCY_MS} ms latency, cap ${CAP}), alternated, median of ${ROUNDS}`,
        `${seconds(median(decrypted))} (runs ${runs(decrypted)} s)`,
        `${seconds(median(plain))} (runs ${runs(plain)} s)`,
        ratio,
        '≤ 1.1',
        ratio <= 1.1,
      ),
      row(
        `the same two downloads by a bare Node https client that deciphers with Node's crypto and discards the bytes (no CLI, no checks, no disk), alternated in the same rounds, median of ${ROUNDS}: this machine's floor`,
        `${seconds(median(bareDecrypted))} (runs ${runs(bareDecrypted)} s)`,
        `${seconds(median(barePlain))} (runs ${runs(barePlain)} s)`,
        floorRatio,
        'measured',
        true,
      ),
    ];
  } finally {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A folder of encrypted recordings saved as served, the way `recordings:download` without a key leaves it. */
async function savedAsServed(
  world: TwilioWorld,
  folder: string,
  durations: number[],
  publicPem: string,
): Promise<string[]> {
  const { sandbox } = world;
  const accountSid = sandbox.account.sid;
  const sids = durations.map(
    (durationSeconds) =>
      sandbox.store.addRecording({ accountSid, status: 'completed', durationSeconds, channels: 1 }).sid,
  );
  sandbox.registerPublicKey(publicPem);
  sandbox.encryptRecordings(accountSid, { sids });
  const sidFlags = sids.flatMap((sid) => ['--sid', sid]);
  const result = await measure(
    TWILIO_BIN,
    ['recordings:download', '--output-dir', folder, '-o', 'none', ...sidFlags],
    world.environment(world.authTokenEnv),
  );
  if (result.status !== 0) throw new Error(`download failed: ${result.stderr}`);
  return sids;
}

function bytesUnder(folder: string, suffix: string): number {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

function removeDecrypted(folder: string): void {
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.wav')) rmSync(join(entry.parentPath, entry.name));
  }
}

/** recordings:decrypt of a folder against Node's own AES-256-GCM on the same files, and its memory. */
async function decryptFolder(): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'bench-decrypt-'));
  try {
    const keys = keyPair(dir);
    const env = world.environment({});
    const decrypt = async (folder: string) => {
      const result = await measure(
        TWILIO_BIN,
        ['recordings:decrypt', '--key', keys.privatePath, folder, '-o', 'none'],
        env,
      );
      if (result.status !== 0) throw new Error(`recordings:decrypt failed: ${result.stderr}`);
      return result;
    };

    // Throughput: 20 recordings of 12.5 MB (13 minutes of mono WAV each), 250 MB in all.
    const many = join(dir, 'many');
    await savedAsServed(world, many, Array(THROUGHPUT_FILES).fill(781), keys.publicPem);
    const bytes = bytesUnder(many, '.enc');
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'manifest.jsonl'), '');
    const floorOut = join(dir, 'floor-out');
    mkdirSync(floorOut);
    const ours: number[] = [];
    const startUp: number[] = [];
    const floor: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      removeDecrypted(many);
      rewriteWithoutDecrypted(many);
      ours.push((await decrypt(many)).ms);
      startUp.push((await decrypt(empty)).ms);
      const bare = await measure(
        process.execPath,
        [join(__dirname, 'baselines', 'bare-decrypt.js'), many, keys.privatePath, floorOut],
        env,
      );
      if (bare.status !== 0) throw new Error(`bare-decrypt failed: ${bare.stderr}`);
      floor.push(bare.ms);
      rmSync(floorOut, { recursive: true, force: true });
      mkdirSync(floorOut);
    }
    const mbPerSecond = (ms: number) => bytes / 1e6 / (ms / 1000);
    const oursMs = Math.max(1, median(ours) - median(startUp));
    const throughputRatio = mbPerSecond(oursMs) / mbPerSecond(median(floor));

    // Memory: one 200 MB recording against one 1 MB recording, each decrypted by recordings:decrypt.
    const small = join(dir, 'small');
    const large = join(dir, 'large');
    await savedAsServed(world, small, [63], keys.publicPem);
    await savedAsServed(world, large, [12_500], keys.publicPem);
    const bare = async (folder: string) => {
      const result = await measure(
        process.execPath,
        [join(__dirname, 'baselines', 'bare-decrypt.js'), folder, keys.privatePath, floorOut],
        env,
      );
      if (result.status !== 0) throw new Error(`bare-decrypt failed: ${result.stderr}`);
      rmSync(floorOut, { recursive: true, force: true });
      mkdirSync(floorOut);
      return result.peakRssMb;
    };
    const pairs: Pair[] = [];
    const floorPairs: Pair[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      removeDecrypted(small);
      removeDecrypted(large);
      rewriteWithoutDecrypted(small);
      rewriteWithoutDecrypted(large);
      pairs.push({ small: (await decrypt(small)).peakRssMb, large: (await decrypt(large)).peakRssMb });
      floorPairs.push({ small: await bare(small), large: await bare(large) });
    }
    return [
      row(
        `recordings:decrypt of ${THROUGHPUT_FILES} × ${(bytes / THROUGHPUT_FILES / 1e6).toFixed(1)} MB (${(bytes / 1e6).toFixed(0)} MB) vs Node's own AES-256-GCM streaming the same files to flushed files, median of ${ROUNDS}; ours without the CLI's start-up (${seconds(median(startUp))}, timed on an empty folder)`,
        `${mbPerSecond(oursMs).toFixed(0)} MB/s (${seconds(median(ours))} in all)`,
        `${mbPerSecond(median(floor)).toFixed(0)} MB/s`,
        throughputRatio,
        '≥ 0.8',
        throughputRatio >= 0.8,
      ),
      growthRow(
        `peak RSS of recordings:decrypt of one 200 MB recording vs one 1 MB recording, median of ${ROUNDS} pairs`,
        pairs,
        30,
      ),
      growthRow(
        `the same two files decrypted by Node's own AES-256-GCM streaming to a file (bare-decrypt.js), median of ${ROUNDS} pairs: this machine's floor`,
        floorPairs,
      ),
    ];
  } finally {
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drops the manifest lines of decrypted copies, so that the next run decrypts again. */
function rewriteWithoutDecrypted(folder: string): void {
  const path = join(folder, 'manifest.jsonl');
  const kept = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line && !(JSON.parse(line) as { encryption?: { decrypted?: boolean } }).encryption?.decrypted);
  writeFileSync(path, kept.map((line) => `${line}\n`).join(''));
}

export async function encryptionBenchmarks(): Promise<BenchRow[]> {
  return [...(await downloadOverhead()), ...(await decryptionBenchmarks())];
}

/** The download row alone (`npm run bench -- decrypting-download`). */
export function decryptingDownloadBenchmarks(): Promise<BenchRow[]> {
  return downloadOverhead();
}

/** The recordings:decrypt rows alone (`npm run bench -- decryption`). */
export function decryptionBenchmarks(): Promise<BenchRow[]> {
  return decryptFolder();
}
