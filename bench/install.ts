import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REGISTRY_NETWORK, REPO_ROOT, TWILIO_BIN, TwilioWorld, runCommand } from '../test/e2e/twilio-world';
import { measure, median, row, seconds, type BenchRow } from './measure';

const RUNS = 15;

/** Bytes on disk and packages (folders with a package.json of their own) under a node_modules folder. */
function footprint(modules: string): { bytes: number; packages: number } {
  let bytes = 0;
  let packages = 0;
  const walk = (dir: string, isModules: boolean) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }) as Dirent[]) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        const isPackage = isModules && !entry.name.startsWith('@') && !entry.name.startsWith('.');
        if (isPackage) packages += 1;
        walk(path, entry.name === 'node_modules' || (isModules && entry.name.startsWith('@')));
      } else {
        bytes += statSync(path).blocks * 512;
      }
    }
  };
  walk(modules, true);
  return { bytes, packages };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/**
 * What `twilio plugins:install` of the packed plugin costs, the documented way, beside what
 * installing twilio-cli itself costs (npm, its shrinkwrap), and how fast an installed command starts
 * next to a core command of the same CLI.
 */
export async function installBenchmarks(): Promise<BenchRow[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'bench-install-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: REPO_ROOT, stdio: 'ignore' });
  const tarball = join(scratch, readdirSync(scratch).find((name) => name.endsWith('.tgz')) as string);
  const cliVersion = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/twilio-cli/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

  const world = await TwilioWorld.start({}, { link: false });
  try {
    const registryEnv = world.environment({ YARN_IGNORE_ENGINES: 'true', ...REGISTRY_NETWORK });
    const started = process.hrtime.bigint();
    const install = await runCommand(
      'bash',
      ['-e', '-c', `echo y | "${TWILIO_BIN}" plugins:install "file:${tarball}"`],
      registryEnv,
      {
        timeoutMs: 600_000,
      },
    );
    const installMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (install.status !== 0) throw new Error(`plugins:install failed: ${install.stderr}`);
    const plugin = footprint(join(world.home, '.twilio-cli', 'node_modules'));
    const yarnCache = footprint(join(world.home, '.twilio-cli', 'yarn'));

    const cliPrefix = mkdtempSync(join(tmpdir(), 'bench-twilio-cli-'));
    const cliStarted = process.hrtime.bigint();
    execFileSync(
      'npm',
      // A cache of its own, cold like the plugin's yarn cache in a fresh home.
      [
        'install',
        '--prefix',
        cliPrefix,
        '--cache',
        join(cliPrefix, '.npm-cache'),
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        `twilio-cli@${cliVersion}`,
      ],
      { env: registryEnv, stdio: 'ignore' },
    );
    const cliMs = Number(process.hrtime.bigint() - cliStarted) / 1e6;
    const cli = footprint(join(cliPrefix, 'node_modules'));

    const time = (args: string[]) => async () => {
      const result = await measure(TWILIO_BIN, args, world.environment(), scratch);
      if (result.status !== 0) throw new Error(`twilio ${args.join(' ')} failed: ${result.stderr}`);
      return result.ms;
    };
    const ours = time(['recordings:list', '--help']);
    const theirs = time(['api:core:recordings:list', '--help']);
    await ours();
    await theirs();
    const oursMs: number[] = [];
    const theirsMs: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      oursMs.push(await ours());
      theirsMs.push(await theirs());
    }
    const [ourHelp, theirHelp] = [median(oursMs), median(theirsMs)];
    return [
      row(
        `install: \`twilio plugins:install\` of the packed plugin vs \`npm install twilio-cli@${cliVersion}\`, cold cache`,
        seconds(installMs),
        seconds(cliMs),
        installMs / cliMs,
        'measured',
        true,
      ),
      row(
        'install: size on disk of what the plugin installs vs of twilio-cli',
        mb(plugin.bytes),
        mb(cli.bytes),
        plugin.bytes / cli.bytes,
        'measured',
        true,
      ),
      row(
        "install: yarn's cache the plugin's install leaves in ~/.twilio-cli/yarn vs twilio-cli's size",
        mb(yarnCache.bytes),
        mb(cli.bytes),
        yarnCache.bytes / cli.bytes,
        'measured',
        true,
      ),
      row(
        'install: packages the plugin installs vs twilio-cli',
        String(plugin.packages),
        String(cli.packages),
        plugin.packages / cli.packages,
        'measured',
        true,
      ),
      row(
        `start-up, installed: \`twilio recordings:list --help\` vs \`twilio api:core:recordings:list --help\` (median of ${RUNS})`,
        `${ourHelp.toFixed(0)} ms`,
        `${theirHelp.toFixed(0)} ms`,
        ourHelp / theirHelp,
        '≤ 1.05',
        ourHelp / theirHelp <= 1.05,
      ),
    ];
  } finally {
    await world.close();
  }
}
