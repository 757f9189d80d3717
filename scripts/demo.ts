import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { TwilioWorld } from '../test/e2e/twilio-world';

/**
 * The quick-start demo: a seeded sandbox standing in for api.twilio.com, a throwaway HOME
 * with this plugin linked into the real `twilio`, and the main jobs run against it.
 */
async function main(): Promise<void> {
  const world = await TwilioWorld.start({ recordings: { count: 600, seed: 42 }, subaccounts: 2 });
  const workDir = mkdtempSync(join(tmpdir(), 'recordings-demo-'));
  const env = world.authTokenEnv;
  const show = async (args: string[]) => {
    const shown = args.map((arg) => (arg.startsWith(workDir) ? relative(workDir, arg) || '.' : arg));
    process.stdout.write(`\n$ twilio ${shown.join(' ')}\n`);
    const run = await world.run(args, { env, cwd: workDir });
    process.stdout.write(run.stdout);
    process.stdout.write(run.stderr);
    if (run.status !== 0) throw new Error(`twilio ${args.join(' ')} exited with ${run.status}`);
  };
  try {
    process.stdout.write(
      `Sandbox on ${world.sandbox.url}: account ${world.sandbox.account.sid} with ` +
        `${world.sandbox.subaccounts.length} subaccounts and ${world.sandbox.store.size} recordings.\n` +
        `Working in ${workDir}.\n`,
    );
    await show(['recordings:list', '--older-than', '30d', '--limit', '5']);
    await show(['recordings:list', '--subaccounts', '--older-than', '90d', '--no-limit', '-o', 'none']);
    await show([
      'recordings:download',
      '--newer-than',
      '7d',
      '--format',
      'mp3',
      '--output-dir',
      join(workDir, 'recordings'),
    ]);
    await show(['recordings:purge', '--older-than', '90d', '--dry-run']);
    await show([
      'recordings:purge',
      '--older-than',
      '90d',
      '--archive-dir',
      join(workDir, 'archive'),
      '--force',
      '-o',
      'none',
    ]);
    await show(['recordings:list', '--older-than', '90d', '--no-limit']);
    await show(['recordings:list', '--no-limit', '-o', 'none']);
  } finally {
    await world.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
