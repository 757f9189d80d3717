import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { LOCAL_STORE_CREDENTIALS, LocalObjectStore } from '../test/support/object-store-server';
import { measure, median, row, type BenchRow } from './measure';

/** Runs of each; the median is reported. */
const ROUNDS = 3;

/**
 * Peak RSS of `recordings:download` of one 200 MB recording to `s3://` on a local S3 server,
 * against the same download to a folder, in the same run, each in its own `twilio` process.
 */
export async function s3DownloadBenchmarks(): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ recordings: { count: 0 }, subaccounts: 0 });
  const server = await LocalObjectStore.start();
  const dir = mkdtempSync(join(tmpdir(), 'bench-s3-download-'));
  try {
    // WAV is 16,000 bytes a second of mono audio: 12,500 s is 200 MB, 63 s is 1 MB.
    const add = (durationSeconds: number) =>
      world.sandbox.store.addRecording({
        accountSid: world.sandbox.account.sid,
        status: 'completed',
        durationSeconds,
        channels: 1,
      });
    const large = add(12_500);
    const small = add(63);
    const env = world.environment({
      ...world.authTokenEnv,
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_STORE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_STORE_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_PROFILE: undefined,
    });
    const download = async (outputDir: string, sid = large.sid) => {
      const result = await measure(
        TWILIO_BIN,
        ['recordings:download', '--sid', sid, '--output-dir', outputDir, '-o', 'none'],
        env,
      );
      if (result.status !== 0) throw new Error(`recordings:download to ${outputDir} failed: ${result.stderr}`);
      return result;
    };
    const s3: number[] = [];
    const s3Ms: number[] = [];
    const folder: number[] = [];
    const folderMs: number[] = [];
    const s3Small: number[] = [];
    const folderSmall: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A bucket per round, emptied and removed after it: the server keeps objects in memory.
      const bucket = `bench-round-${round}`;
      await server.createBucket(bucket);
      const toS3 = await download(`s3://${bucket}/archive`);
      s3Small.push((await download(`s3://${bucket}/small`, small.sid)).peakRssMb);
      if (await server.hasUploadsInProgress(bucket)) throw new Error('a multipart upload was left behind');
      s3.push(toS3.peakRssMb);
      s3Ms.push(toS3.ms);
      const outputDir = join(dir, `round-${round}`);
      const toFolder = await download(outputDir);
      folderSmall.push((await download(join(outputDir, 'small'), small.sid)).peakRssMb);
      rmSync(outputDir, { recursive: true, force: true });
      folder.push(toFolder.peakRssMb);
      folderMs.push(toFolder.ms);
    }
    const ours = median(s3);
    const floor = median(folder);
    const runs = (values: number[]) => values.map((mb) => mb.toFixed(0)).join(', ');
    return [
      row(
        `peak RSS of \`recordings:download\` of one 200 MB recording to s3:// (a local S3 server) vs to a folder, median of ${ROUNDS}`,
        `${ours.toFixed(0)} MB (${(median(s3Ms) / 1000).toFixed(1)} s; runs ${runs(s3)})`,
        `${floor.toFixed(0)} MB (${(median(folderMs) / 1000).toFixed(1)} s; runs ${runs(folder)})`,
        ours / floor,
        '≤ +10 MB',
        ours - floor <= 10,
      ),
      row(
        `growth of that peak RSS from a 1 MB to the 200 MB recording: to s3:// vs to a folder, medians of ${ROUNDS}`,
        `+${(ours - median(s3Small)).toFixed(0)} MB (1 MB recording: ${median(s3Small).toFixed(0)} MB)`,
        `+${(floor - median(folderSmall)).toFixed(0)} MB (1 MB recording: ${median(folderSmall).toFixed(0)} MB)`,
        (ours - median(s3Small)) / Math.max(1, floor - median(folderSmall)),
        'measured',
        true,
      ),
    ];
  } finally {
    await server.stop();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
