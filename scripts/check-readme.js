// Fails when the command reference (docs/commands.md) differs from what `oclif readme` generates from the code.
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');

const REFERENCE = 'docs/commands.md';
const before = readFileSync(REFERENCE, 'utf8');
try {
  // The same command as `npm run readme`, so that the check and the generator cannot disagree.
  const script = JSON.parse(readFileSync('package.json', 'utf8')).scripts.readme;
  execFileSync('npx', script.split(' '), { stdio: 'ignore' });
  const generated = readFileSync(REFERENCE, 'utf8');
  if (generated !== before) {
    console.error(`${REFERENCE}: the command reference is out of date; run \`npm run readme\` and commit the result.`);
    process.exitCode = 1;
  }
} finally {
  writeFileSync(REFERENCE, before);
}
