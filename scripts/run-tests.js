// Runs every test file (test/**/*.test.ts) with mocha, the files shared out to parallel workers. Each file runs
// whole in one worker, so the longest suites start first: a long one started last would leave the other
// workers idle while it ends. Arguments are passed on to mocha (`node scripts/run-tests.js --reporter dot`).
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

/** The suites that take longest (see "Test speed" in docs/development.md), started in this order. */
const LONGEST_FIRST = [
  'test/e2e/installed-package.test.ts',
  'test/e2e/examples.test.ts',
  'test/integration/selection/sharded-scan.test.ts',
];

/** Then the layers, slowest first: the many short unit files fill the workers' last minutes. */
const LAYERS = ['e2e', 'integration', 'sandbox', 'bench', 'unit'];

function testFiles(folder) {
  return readdirSync(join(ROOT, folder), { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) return testFiles(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    });
}

function ordered(files) {
  const rank = (file) => {
    const first = LONGEST_FIRST.indexOf(file);
    if (first >= 0) return first;
    const layer = LAYERS.indexOf(file.split('/')[1]);
    return LONGEST_FIRST.length + (layer >= 0 ? layer : LAYERS.length);
  };
  return files.map((file, index) => ({ file, index })).sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index);
}

// Suites wait on processes, servers and files as much as they compute: one worker more than cores keeps them busy.
const jobs = Math.max(2, availableParallelism() + 1);
const files = ordered(testFiles('test')).map(({ file }) => file);
for (const file of LONGEST_FIRST) {
  if (!existsSync(join(ROOT, file))) console.error(`scripts/run-tests.js: ${file} is gone; update LONGEST_FIRST.`);
}
const mocha = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const result = spawnSync(
  process.execPath,
  [mocha, '--parallel', '--jobs', String(jobs), ...process.argv.slice(2), ...files],
  { cwd: ROOT, stdio: 'inherit' },
);
if (result.error) console.error(`Could not run mocha: ${result.error.message}`);
process.exitCode = result.status ?? 1;
