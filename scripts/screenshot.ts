import { join } from 'node:path';
import twilio from 'twilio';
import { launchChromium, openInspector, startWebhookHandler } from '../test/e2e/inspector-browser';
import { completedCallbackParams, RunningListener } from '../test/e2e/running-listener';
import { REPO_ROOT, TwilioWorld } from '../test/e2e/twilio-world';

const OUTPUT = join(REPO_ROOT, 'docs', 'inspector.png');

/**
 * Remakes docs/inspector.png: the inspector of a listener relaying to a twilio.webhook() handler,
 * against the sandbox, after `send --event all`, a replay and a forged request, the forged one open.
 */
async function main(): Promise<void> {
  const world = await TwilioWorld.start({ subaccounts: 0 });
  const { sid: accountSid, authToken: token } = world.sandbox.account;
  const handler = await startWebhookHandler(token);
  const listener = await RunningListener.start(world, ['--inspect', '--forward-to', handler.url], world.authTokenEnv);
  const browser = await launchChromium();
  try {
    const page = await openInspector(browser, listener.inspectorUrl);
    await page.setViewportSize({ width: 1360, height: 900 });
    const sent = await world.run(['recordings:callbacks:send', listener.localUrl, '--event', 'all'], {
      env: world.authTokenEnv,
    });
    if (sent.status !== 0) throw new Error(`send failed: ${sent.stderr}`);
    await page.locator('#rows tr').nth(3).waitFor();
    await page.locator('#rows tr[data-verdict="verified"]').nth(2).click();
    await page.locator('#replay').click();
    await page.locator('#rows tr[data-verdict="replayed"]').waitFor();
    const forged = completedCallbackParams(accountSid, { RecordingSid: `RE${'f'.repeat(32)}` });
    await fetch(listener.localUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(
          token,
          listener.localUrl.replace('http:', 'https:'),
          forged,
        ),
      },
      body: new URLSearchParams(forged).toString(),
    });
    await page.locator('#rows tr[data-verdict="rejected"]').click();
    await page.locator('#details').getByText('Why it was rejected').waitFor();
    await page.screenshot({ path: OUTPUT, fullPage: true });
    process.stdout.write(`Wrote ${OUTPUT}\n`);
  } finally {
    await browser.close();
    await listener.stop();
    await handler.close();
    await world.close();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
