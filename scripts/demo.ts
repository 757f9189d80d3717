import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import twilio from 'twilio';
import { startWebhookHandler } from '../test/e2e/inspector-browser';
import { completedCallbackParams, RunningListener } from '../test/e2e/running-listener';
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
    await callbackTester(world, show);
  } finally {
    await world.close();
  }
}

/**
 * The callback tester: a handler validating signatures with twilio.webhook(), a listener relaying to
 * it with the inspector on, realistic signed callbacks sent through it, and a forged one refused.
 */
async function callbackTester(world: TwilioWorld, show: (args: string[]) => Promise<void>): Promise<void> {
  const { sid: accountSid, authToken: token } = world.sandbox.account;
  const handler = await startWebhookHandler(token);
  process.stdout.write(`\nYour recording status handler: express with twilio.webhook(), at ${handler.url}\n`);
  const args = ['--port', '0', '--inspect', '--forward-to', handler.url];
  process.stdout.write(`\n$ twilio recordings:callbacks:listen ${args.join(' ')} &\n`);
  const listener = await RunningListener.start(world, args.slice(2), world.authTokenEnv);
  try {
    process.stdout.write(listener.stderr);
    process.stdout.write('(open the Inspector URL above in a browser while the demo runs)\n');
    await show(['recordings:callbacks:send', listener.localUrl, '--event', 'all']);
    const forged = completedCallbackParams(accountSid);
    const answer = await fetch(listener.localUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature('not-the-auth-token', listener.localUrl, forged),
      },
      body: new URLSearchParams(forged).toString(),
    });
    process.stdout.write(
      `\nA forged callback, signed with another token, is answered ${answer.status}: ${(await answer.text()).trim()}\n`,
    );
    await listener.waitForStdout(/rejected/);
    process.stdout.write('\nWhat the listener printed, one line per request, with the handler’s answers:\n');
    process.stdout.write(listener.stdout);
    process.stdout.write(`The handler accepted ${handler.accepted.length} callbacks, each with a valid signature.\n`);
  } finally {
    const stopped = await listener.stop();
    const stopping = stopped.stderr.indexOf('Stopping');
    if (stopping >= 0) process.stdout.write(stopped.stderr.slice(stopping));
    await handler.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
