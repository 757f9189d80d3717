// Fails when the README's command reference differs from what `oclif readme` generates from the code.
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');

const before = readFileSync('README.md', 'utf8');
try {
  execFileSync('npx', ['oclif', 'readme', '--no-aliases'], { stdio: 'ignore' });
  const generated = readFileSync('README.md', 'utf8');
  if (generated !== before) {
    console.error('README.md: the command reference is out of date; run `npm run readme` and commit the result.');
    process.exitCode = 1;
  }
} finally {
  writeFileSync('README.md', before);
}
