import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alwaysOnBenchmarks } from './always-on';
import { callbackBenchmarks } from './callbacks';
import { downloadBenchmarks } from './download';
import { decryptingDownloadBenchmarks, decryptionBenchmarks, encryptionBenchmarks } from './encryption';
import { inspectorBenchmarks } from './inspector';
import { installBenchmarks } from './install';
import { listMemoryBenchmarks } from './list-memory';
import { purgeBenchmarks } from './purge';
import { purgeS3Benchmarks, purgeS3MemoryBenchmarks, purgeS3TimeBenchmarks } from './purge-s3';
import { scanBenchmarks } from './scan';
import { retentionBenchmarks } from './retention';
import { holdsBenchmarks } from './holds';
import { markdownTable, type BenchRow } from './measure';
import { objectStoreBenchmarks } from './object-store';
import { s3DownloadBenchmarks } from './s3-download';
import { REPO_ROOT, startupBenchmarks } from './startup';

type Suite = [name: string, run: () => Promise<BenchRow[]>];

const SUITES: Suite[] = [
  ['startup', startupBenchmarks],
  ['list-memory', listMemoryBenchmarks],
  ['download', downloadBenchmarks],
  ['purge', purgeBenchmarks],
  ['callbacks', callbackBenchmarks],
  ['inspector', inspectorBenchmarks],
  ['object-store', objectStoreBenchmarks],
  ['s3-download', s3DownloadBenchmarks],
  ['scan', scanBenchmarks],
  ['encryption', encryptionBenchmarks],
  ['retention', retentionBenchmarks],
  ['holds', holdsBenchmarks],
  ['purge-s3', purgeS3Benchmarks],
];

/** Parts of a suite, and suites that need the network, run only when named; `npm run bench` runs the suites above. */
const PARTS: Suite[] = [
  ['always-on', alwaysOnBenchmarks],
  // Installs from the package registry, so only when asked for: `npm run bench -- install`.
  ['install', installBenchmarks],
  ['decrypting-download', decryptingDownloadBenchmarks],
  ['decryption', decryptionBenchmarks],
  ['purge-s3-time', purgeS3TimeBenchmarks],
  ['purge-s3-memory', purgeS3MemoryBenchmarks],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: BenchRow[] = [];
  for (const [name, run] of [...SUITES, ...PARTS]) {
    if (only.length > 0 ? !only.includes(name) : PARTS.some(([part]) => part === name)) continue;
    process.stderr.write(`running ${name}…\n`);
    rows.push(...(await run()));
  }
  const table = markdownTable(rows);
  console.log(table);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), `${table}\n`);
}

// Every temporary folder of the run, the benchmarks' own and their `twilio` processes', goes under one folder.
const scratchRoot = mkdtempSync(join(tmpdir(), 'recordings-bench-'));
process.env.TMPDIR = scratchRoot;
const removeScratch = () => rmSync(scratchRoot, { recursive: true, force: true });

main().then(removeScratch, (error) => {
  removeScratch();
  console.error(error);
  process.exit(1);
});
