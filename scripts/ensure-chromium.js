// The browser tests drive a real headless Chromium. This makes sure one is installed before `npm test`:
// Debian's `chromium` package, installed with apt-get when it is missing and we are root (as in CI).
// No browser is downloaded from anywhere but the system's package repository.
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function installedChromium() {
  return [process.env.CHROMIUM_PATH, ...CHROMIUM_PATHS].find((path) => path && existsSync(path));
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

function main() {
  if (installedChromium()) return 0;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
    console.error('The browser tests need Chromium: install it, then set CHROMIUM_PATH to its executable.');
    return 1;
  }
  if (process.getuid() !== 0) {
    console.error(
      'The browser tests need Chromium: run "sudo apt-get install chromium" (or set CHROMIUM_PATH), then npm test again.',
    );
    return 1;
  }
  console.error('Installing Chromium for the browser tests (apt-get install chromium)…');
  if (!run('apt-get', ['update']) || !run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'])) {
    console.error('Could not install Chromium with apt-get: see the lines above, fix them, then npm test again.');
    return 1;
  }
  return installedChromium() ? 0 : 1;
}

process.exitCode = main();
