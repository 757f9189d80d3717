import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../test/support/object-store-server';
import { measure, median, row, type BenchRow } from './measure';

const LARGE_BYTES = 200 * 1024 * 1024;
const SMALL_BYTES = 1024 * 1024;
/** Runs of each; the median is reported. */
const ROUNDS = 3;
const SCRIPT = join(__dirname, 'baselines', 'store-body.js');

/**
 * Peak RSS of storing one 200 MB body through ObjectStore (default parts: 8 MiB, 4 at once)
 * into a local S3 server from the file it was first streamed into, against streaming the same
 * body into a file alone, each in its own process.
 */
export async function objectStoreBenchmarks(): Promise<BenchRow[]> {
  const server = await LocalObjectStore.start();
  const dir = mkdtempSync(join(tmpdir(), 'bench-object-store-'));
  try {
    await server.createBucket('bench');
    const env = { ...process.env, AWS_ENDPOINT_URL_S3: server.endpoint };
    const run = async (where: 's3' | 'file', bytes: number, round: number, parts: string[] = []) => {
      const target =
        where === 's3' ? `s3://bench/round-${round}-${bytes}-${parts.join('-')}` : join(dir, `${round}-${bytes}.wav`);
      const result = await measure(process.execPath, [SCRIPT, where, String(bytes), target, ...parts], env);
      if (result.status !== 0) throw new Error(`storing to ${where} failed: ${result.stderr}`);
      rmSync(join(dir, `${round}-${bytes}.wav`), { force: true });
      return result;
    };
    const s3: number[] = [];
    const file: number[] = [];
    const s3Ms: number[] = [];
    const fileMs: number[] = [];
    const s3Small: number[] = [];
    const s3OnePart: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const large = await run('s3', LARGE_BYTES, round);
      s3.push(large.peakRssMb);
      s3Ms.push(large.ms);
      s3Small.push((await run('s3', SMALL_BYTES, round)).peakRssMb);
      s3OnePart.push((await run('s3', LARGE_BYTES, round, [String(5 * 1024 * 1024), '1'])).peakRssMb);
      const toFile = await run('file', LARGE_BYTES, round);
      file.push(toFile.peakRssMb);
      fileMs.push(toFile.ms);
    }
    const ours = median(s3);
    const floor = median(file);
    return [
      row(
        `peak RSS of streaming one 200 MB body to a file and storing it from there in a local S3 server (8 MiB parts, 4 at once) vs streaming it to a file, median of ${ROUNDS}`,
        `${ours.toFixed(0)} MB (${(median(s3Ms) / 1000).toFixed(1)} s; 1 MB body: ${median(s3Small).toFixed(0)} MB; runs ${s3.map((mb) => mb.toFixed(0)).join(', ')})`,
        `${floor.toFixed(0)} MB (${(median(fileMs) / 1000).toFixed(1)} s; runs ${file.map((mb) => mb.toFixed(0)).join(', ')})`,
        ours / floor,
        '≤ +10 MB',
        ours - floor <= 10,
      ),
      row(
        `the same with 5 MiB parts, one at a time (the least memory S3's part size allows), median of ${ROUNDS}`,
        `${median(s3OnePart).toFixed(0)} MB (runs ${s3OnePart.map((mb) => mb.toFixed(0)).join(', ')})`,
        `${floor.toFixed(0)} MB`,
        median(s3OnePart) / floor,
        'measured',
        true,
      ),
    ];
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
