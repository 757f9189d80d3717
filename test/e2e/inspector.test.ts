import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import twilio from 'twilio';
import { launchChromium, openInspector, startWebhookHandler, type WebhookHandler } from './inspector-browser';
import { completedCallbackParams, killRunningListeners, RunningListener } from './running-listener';
import { TwilioWorld } from './twilio-world';

/** POSTs a callback to the listener, signed with `token` for `signedFor`. */
async function post(url: string, params: Record<string, string>, token: string, signedFor = url): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(token, signedFor, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The text of a column of the rows shown, top to bottom. */
function column(page: Page, name: string): Promise<string[]> {
  return page.locator(`#rows tr td.${name}`).allTextContents();
}

/**
 * The text of a column once it reads `expected`: filters are applied at the page's next frame, and
 * the text filter once the listener has answered its search. Read once a frame; a column that never
 * reads so times the test out. (The page's CSP forbids waitForFunction's evaluated predicates.)
 */
async function columnOnceItReads(page: Page, name: string, expected: string[]): Promise<string[]> {
  let cells = await column(page, name);
  while (JSON.stringify(cells) !== JSON.stringify(expected)) {
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(resolve))');
    cells = await column(page, name);
  }
  return cells;
}

describe('listen --inspect in a real browser', function () {
  let world: TwilioWorld;
  let browser: Browser;
  let handler: WebhookHandler;
  let listener: RunningListener;
  let page: Page;
  let token: string;
  let accountSid: string;

  before(async function () {
    world = await TwilioWorld.start({ subaccounts: 0 });
    ({ sid: accountSid, authToken: token } = world.sandbox.account);
    browser = await launchChromium();
  });

  beforeEach(async function () {
    handler = await startWebhookHandler(token);
    listener = await RunningListener.start(world, ['--inspect', '--forward-to', handler.url], world.authTokenEnv);
    page = await openInspector(browser, listener.inspectorUrl);
  });

  afterEach(async function () {
    await page.close();
    await listener.stop();
    killRunningListeners();
    await handler.close();
  });

  after(async function () {
    await browser?.close();
    await world?.close();
  });

  it('shows callbacks sent with send live, newest first, verified, with the handler’s answers', async function () {
    const sent = await world.run(['recordings:callbacks:send', listener.localUrl, '--event', 'all'], {
      env: world.authTokenEnv,
    });
    expect(sent.status, sent.stderr).to.equal(0);
    await page.locator('#rows tr').nth(3).waitFor();
    expect(await column(page, 'event')).to.deep.equal(['failed', 'absent', 'completed', 'in-progress']);
    expect(await column(page, 'verdict')).to.deep.equal(['verified', 'verified', 'verified', 'verified']);
    expect((await column(page, 'handler')).every((text) => /^200 in \d+ ms$/.test(text))).to.equal(true);
    expect(await page.locator('[data-counter="verified"] b').textContent()).to.equal('4');
  });

  it('explains that a forged callback was signed with another token, without showing the auth token', async function () {
    const status = await post(listener.localUrl, completedCallbackParams(accountSid), 'not-the-auth-token');
    expect(status).to.equal(403);
    await page.locator('#rows tr[data-verdict="rejected"]').click();
    const details = page.locator('#details');
    await details.getByText('Why it was rejected').waitFor();
    const text = (await details.textContent()) as string;
    expect(text).to.include('differed: no URL matches with this account');
    expect(text).to.include(listener.localUrl);
    expect(text).not.to.include(token);
    expect(handler.accepted).to.have.length(0);
  });

  it('shows that a rejected callback was signed for a URL a proxy rewrote', async function () {
    const rewritten = listener.localUrl.replace(/^http:/, 'https:');
    const status = await post(listener.localUrl, completedCallbackParams(accountSid), token, rewritten);
    expect(status).to.equal(403);
    await page.locator('#rows tr[data-verdict="rejected"]').click();
    await page.locator('#details').getByText('Why it was rejected').waitFor();
    expect(await page.locator('#details').textContent()).to.include(`differed: the signature is for ${rewritten}`);
  });

  it('replays a verified callback to the handler as a new row with its answer', async function () {
    expect(await post(listener.localUrl, completedCallbackParams(accountSid), token)).to.equal(200);
    await page.locator('#rows tr[data-verdict="verified"]').click();
    await page.locator('#replay').click();
    await page.locator('#rows tr[data-verdict="replayed"]').waitFor();
    expect(await page.locator('#rows tr').first().locator('td.handler').textContent()).to.match(/^200 in \d+ ms$/);
    expect(handler.accepted.map((callback) => callback.RecordingSid)).to.deep.equal([
      'RE' + 'e'.repeat(32),
      'RE' + 'e'.repeat(32),
    ]);
  });

  it('filters the rows by verdict, by event and by text', async function () {
    const sent = await world.run(['recordings:callbacks:send', listener.localUrl, '--event', 'all'], {
      env: world.authTokenEnv,
    });
    expect(sent.status, sent.stderr).to.equal(0);
    await post(listener.localUrl, completedCallbackParams(accountSid), 'not-the-auth-token');
    await page.locator('#rows tr').nth(4).waitFor();

    await page.selectOption('#filter-verdict', 'rejected');
    expect(await columnOnceItReads(page, 'verdict', ['rejected'])).to.deep.equal(['rejected']);
    await page.selectOption('#filter-verdict', 'verified');
    await page.selectOption('#filter-event', 'absent');
    expect(await columnOnceItReads(page, 'event', ['absent'])).to.deep.equal(['absent']);
    await page.selectOption('#filter-event', '');
    await page.fill('#filter-text', 'errorcode=16104');
    expect(await columnOnceItReads(page, 'event', ['failed'])).to.deep.equal(['failed']);
  });

  it('sends a test event straight to a twilio.webhook() handler, which finds its signature valid', async function () {
    await page.selectOption('#send-event', 'absent');
    await page.selectOption('#send-to', 'handler');
    await page.fill('#send-params', 'ErrorCode=16102');
    await page.click('#send-button');
    await page.locator('#send-result', { hasText: 'absent: answered 200' }).waitFor();
    expect(handler.accepted).to.have.length(1);
    expect(handler.accepted[0]).to.include({ RecordingStatus: 'absent', ErrorCode: '16102', AccountSid: accountSid });
    await page.locator('#rows tr[data-verdict="test"] td.handler', { hasText: '200 in' }).waitFor();
    expect(await column(page, 'verdict')).to.deep.equal(['test']);
  });

  it('sends a test event to the listener, which verifies and relays it', async function () {
    await page.selectOption('#send-event', 'completed');
    await page.click('#send-button');
    await page.locator('#send-result', { hasText: 'completed: answered 200' }).waitFor();
    await page.locator('#rows tr[data-verdict="verified"]').waitFor();
    expect(handler.accepted.map((callback) => callback.RecordingStatus)).to.deep.equal(['completed']);
  });

  it('stops on Ctrl-C with the page open, and the page says the listener is gone', async function () {
    const stopped = await listener.stop();
    expect(stopped.status, stopped.stderr).to.equal(0);
    expect(stopped.stderr).to.include('Received 0 requests');
    await page.locator('#connection.lost').waitFor();
  });

  it('keeps the newest 500 requests, drawing only the rows in view, and scrolls down to the oldest kept', async function () {
    const sid = (index: number) => `RE${index.toString(16).padStart(32, '0')}`;
    for (let index = 1; index <= 510; index += 1) {
      const params = completedCallbackParams(accountSid, { RecordingSid: sid(index) });
      params.RecordingUrl = params.RecordingUrl.replace(/RE[0-9a-f]{32}$/, sid(index));
      expect(await post(listener.localUrl, params, token)).to.equal(200);
    }
    await page.locator('[data-counter="received"] b', { hasText: '510' }).waitFor();
    await page.locator('#requests[data-kept="500"]').waitFor();
    expect(await page.locator('#rows tr').count()).to.be.below(100);
    expect(await page.locator('#rows tr').first().locator('td.recording').textContent()).to.equal(sid(510));
    await page.evaluate(`document.getElementById('rows-box').scrollTop = 1e9`);
    await page.locator('#rows tr td.recording', { hasText: sid(11) }).waitFor();
    expect(await page.locator('#rows tr').last().locator('td.recording').textContent()).to.equal(sid(11));
  });

  it('writes no error to the browser’s console, from its icon to a request’s details', async function () {
    const fresh = await browser.newPage();
    const errors: string[] = [];
    fresh.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    fresh.on('pageerror', (error) => errors.push(error.message));
    try {
      const icon = fresh.waitForResponse((response) => new URL(response.url()).pathname.startsWith('/favicon'));
      await fresh.goto(listener.inspectorUrl);
      await fresh.locator('#connection', { hasText: 'Live' }).waitFor();
      expect((await icon).status()).to.equal(200);
      expect(await post(listener.localUrl, completedCallbackParams(accountSid), token)).to.equal(200);
      await fresh.locator('#rows tr').first().click();
      await fresh.locator('#details').getByText('Parameters').waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await fresh.close();
    }
  });

  it('renders markup and escape sequences from a callback as text, and runs none of it', async function () {
    const attack = {
      RecordingSource: '<img src=x onerror="window.__pwned = 1">',
      RecordingTrack: '</script><script>window.__pwned = 2</script>',
      Note: 'red \u001b[31m text \u202e',
    };
    expect(await post(listener.localUrl, completedCallbackParams(accountSid, attack), token)).to.equal(200);
    await page.locator('#rows tr').first().click();
    const details = page.locator('#details');
    await details.getByText('Parameters').waitFor();
    const text = (await details.textContent()) as string;
    expect(text).to.include(attack.RecordingSource);
    expect(text).to.include(attack.RecordingTrack);
    expect(text).to.include('red \\x1b[31m text \\u202e');
    // Evaluated in the page (the tests are compiled without the DOM's types).
    const executed = await page.evaluate(
      `({ pwned: String(window.__pwned), images: document.querySelectorAll('img').length, scripts: document.querySelectorAll('script').length })`,
    );
    expect(executed).to.deep.equal({ pwned: 'undefined', images: 0, scripts: 1 });
  });
});
