import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callbackBenchmarks } from './callbacks';
import { downloadBenchmarks } from './download';
import { inspectorBenchmarks } from './inspector';
import { listMemoryBenchmarks } from './list-memory';
import { purgeBenchmarks } from './purge';
import { markdownTable, type BenchRow } from './measure';
import { REPO_ROOT, startupBenchmarks } from './startup';

type Suite = [name: string, run: () => Promise<BenchRow[]>];

const SUITES: Suite[] = [
  ['startup', startupBenchmarks],
  ['list-memory', listMemoryBenchmarks],
  ['download', downloadBenchmarks],
  ['purge', purgeBenchmarks],
  ['callbacks', callbackBenchmarks],
  ['inspector', inspectorBenchmarks],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: BenchRow[] = [];
  for (const [name, run] of SUITES) {
    if (only.length > 0 && !only.includes(name)) continue;
    process.stderr.write(`running ${name}…\n`);
    rows.push(...(await run()));
  }
  const table = markdownTable(rows);
  console.log(table);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.md'), `${table}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
