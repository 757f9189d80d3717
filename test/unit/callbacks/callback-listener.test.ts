import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { CallbackListener, type CallbackListenerOptions } from '../../../src/callbacks/callback-listener';
import { CallbackForwarder } from '../../../src/callbacks/forwarder';
import type { DownloadReport, ListenerReport, RequestReport } from '../../../src/callbacks/listener-report';
import { readReplayableRequests, RequestLog } from '../../../src/callbacks/request-log';
import { LocalOnly, UserPublicUrl } from '../../../src/callbacks/tunnel';
import {
  AC,
  completedParams,
  postSigned,
  RE,
  send,
  startCountingServer,
  startExpressHandler,
  TOKEN,
  type ExpressHandler,
} from './callback-fixtures';

class CollectingReport implements ListenerReport {
  readonly requests: RequestReport[] = [];
  readonly downloads: DownloadReport[] = [];
  request(report: RequestReport): void {
    this.requests.push(report);
  }
  download(report: DownloadReport): void {
    this.downloads.push(report);
  }
  catchUp(): void {}
}

describe('CallbackListener', () => {
  let listener: CallbackListener | undefined;
  let report: CollectingReport;
  const started: Array<{ close(): Promise<void> }> = [];

  async function start(options: Partial<CallbackListenerOptions> = {}): Promise<CallbackListener> {
    report = new CollectingReport();
    listener = await CallbackListener.start({
      host: '127.0.0.1',
      port: 0,
      path: '/recording-status',
      authToken: TOKEN,
      accounts: { isOwnAccount: async (sid) => sid === AC },
      recordingUrlOrigins: ['https://api.twilio.com'],
      tunnel: new LocalOnly(),
      report,
      ...options,
    });
    return listener;
  }

  afterEach(async () => {
    await listener?.stop();
    listener = undefined;
    for (const server of started.splice(0)) await server.close();
  });

  it('accepts a callback signed by the helper library for its URL, and counts it verified', async () => {
    const { localUrl } = await start();
    const answer = await postSigned(localUrl, completedParams());
    expect(answer.status).to.equal(204);
    expect(report.requests[0]).to.include({ verdict: 'accepted', status: 204 });
    expect(report.requests[0]!.event).to.include({ recordingSid: RE, status: 'completed', duration: 12 });
    expect(listener!.tally).to.include({ received: 1, verified: 1, rejected: 0 });
  });

  it('answers GET /healthz from its health function, without counting, reporting or checking a signature', async () => {
    const { localUrl } = await start({
      health: () => ({ status: 503, contentType: 'application/json', body: '{"status":"failing"}\n' }),
    });
    const answer = await send(new URL('/healthz', localUrl).href, 'GET', {});
    expect(answer.status).to.equal(503);
    expect(answer.body).to.equal('{"status":"failing"}\n');
    expect(report.requests).to.have.length(0);
    expect(listener!.tally).to.include({ received: 0 });
    expect(listener!.lastCallbackAt).to.equal(undefined);
  });

  it('checks signatures against the public URL, whatever host and scheme the tunnel used locally', async () => {
    const { localUrl } = await start({ tunnel: new UserPublicUrl('https://tunnel.example.test:8443') });
    const publicUrl = 'https://tunnel.example.test:8443/recording-status?tenant=7';
    expect((await postSigned(`${localUrl}?tenant=7`, completedParams(), { signedFor: publicUrl })).status).to.equal(
      204,
    );
    expect((await postSigned(`${localUrl}?tenant=8`, completedParams(), { signedFor: publicUrl })).status).to.equal(
      403,
    );
    expect(listener!.callbackUrl).to.equal('https://tunnel.example.test:8443/recording-status');
  });

  it('answers 403 to a forged, tampered or unsigned callback and shows it rejected', async () => {
    const { localUrl } = await start();
    const signature = twilio.getExpectedTwilioSignature(TOKEN, localUrl, completedParams());
    const cases = [
      await postSigned(localUrl, completedParams(), { token: 'not-the-token' }),
      await postSigned(localUrl, completedParams({ RecordingDuration: '13' }), { signature }),
      await postSigned(localUrl, completedParams(), { signature: null }),
    ];
    expect(cases.map((answer) => answer.status)).to.deep.equal([403, 403, 403]);
    expect(report.requests.map((r) => r.verdict)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    expect(listener!.tally).to.include({ received: 3, verified: 0, rejected: 3 });
  });

  it('verifies GET callbacks by their URL, parameters in the query', async () => {
    const { localUrl } = await start();
    const url = `${localUrl}?${new URLSearchParams(completedParams())}`;
    const answer = await send(url, 'GET', { 'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, url, {}) });
    expect(answer.status).to.equal(204);
    expect(report.requests[0]!.event?.recordingSid).to.equal(RE);
  });

  it('refuses bad sids (400), other accounts (403), other paths (404), other methods (405) and big bodies (413)', async () => {
    const { localUrl } = await start();
    const otherAccount = 'AC' + '9'.repeat(32);
    expect((await postSigned(localUrl, completedParams({ RecordingSid: 'RE123' }))).status).to.equal(400);
    expect((await postSigned(localUrl, completedParams({ AccountSid: otherAccount }))).status).to.equal(403);
    expect((await postSigned(localUrl.replace('/recording-status', '/other'), completedParams())).status).to.equal(404);
    expect((await send(localUrl, 'PUT', {})).status).to.equal(405);
    const big = await postSigned(localUrl, completedParams({ Padding: 'x'.repeat(70 * 1024) }));
    expect(big.status).to.equal(413);
    expect(report.requests.map((r) => r.verdict)).to.deep.equal([
      'invalid',
      'foreign-account',
      'not-found',
      'method-not-allowed',
      'too-large',
    ]);
    // The listener still serves after refusing a big body.
    expect((await postSigned(localUrl, completedParams())).status).to.equal(204);
  });

  it('takes any request without verification (--no-verify) and says it is unverified', async () => {
    const { localUrl } = await start({ authToken: undefined });
    expect((await postSigned(localUrl, completedParams(), { signature: null })).status).to.equal(204);
    expect(report.requests[0]!.verdict).to.equal('unverified');
  });

  it('never contacts the host a RecordingUrl names, and warns that it is not Twilio', async () => {
    const elsewhere = await startCountingServer();
    started.push(elsewhere);
    const { localUrl } = await start();
    const params = completedParams({ RecordingUrl: `${elsewhere.url}/2010-04-01/Accounts/${AC}/Recordings/${RE}` });
    expect((await postSigned(localUrl, params)).status).to.equal(204);
    expect(report.requests[0]!.warnings.join(' ')).to.match(
      /RecordingUrl points at 127\.0\.0\.1:\d+, not at Twilio's API/,
    );
    expect(elsewhere.requests()).to.equal(0);
  });

  describe('forwarding', () => {
    let handler: ExpressHandler;

    beforeEach(async () => {
      handler = await startExpressHandler();
      started.push(handler);
    });

    it("re-signs each callback for the handler's URL so twilio.webhook() accepts it, and answers with the handler's answer", async () => {
      const { localUrl } = await start({
        tunnel: new UserPublicUrl('https://public.example.test'),
        forwarder: new CallbackForwarder(handler.url, TOKEN),
      });
      const signedFor = 'https://public.example.test/recording-status';
      const answer = await postSigned(localUrl, completedParams(), {
        signedFor,
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(answer.status).to.equal(200);
      expect(answer.body).to.equal(`stored ${RE}\nsecond line`);
      expect(handler.received).to.have.length(1);
      expect(handler.received[0]!.params).to.deep.equal(completedParams());
      expect(report.requests[0]!.forward).to.include({ status: 200, firstLine: `stored ${RE}` });

      const url = `${localUrl}?${new URLSearchParams(completedParams())}`;
      const publicGetUrl = url.replace(/^http:\/\/[^/]+/, 'https://public.example.test');
      const get = await send(url, 'GET', {
        'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, publicGetUrl, {}),
      });
      expect(get.status).to.equal(200);
      expect(handler.received[1]).to.deep.equal({ method: 'GET', params: completedParams() });
    });

    it('forwards unverified callbacks (--no-verify) without a signature, marked, so twilio.webhook() refuses them', async () => {
      const { localUrl } = await start({ authToken: undefined, forwarder: new CallbackForwarder(handler.url, TOKEN) });
      const unsigned = await postSigned(localUrl, completedParams(), { signature: null });
      const forged = await postSigned(localUrl, completedParams(), { token: 'forged' });
      const genuine = await postSigned(localUrl, completedParams());
      expect([unsigned.status, forged.status, genuine.status]).to.deep.equal([400, 400, 400]);
      expect(handler.received).to.have.length(0);
      expect(handler.answered.map((a) => a.status)).to.deep.equal([400, 400, 400]);
      for (const { headers } of handler.answered) {
        expect(headers).to.not.have.property('x-twilio-signature');
        expect(headers['x-unverified-callback']).to.match(/signature not checked/);
      }
      expect(report.requests.map((r) => r.verdict)).to.deep.equal(['unverified', 'unverified', 'unverified']);
    });

    it('does not forward a rejected callback', async () => {
      const { localUrl } = await start({ forwarder: new CallbackForwarder(handler.url, TOKEN) });
      expect((await postSigned(localUrl, completedParams(), { token: 'forged' })).status).to.equal(403);
      expect(handler.received).to.have.length(0);
    });

    it('answers 502 and says so when the handler is down', async () => {
      const gone = await startCountingServer();
      await gone.close();
      const { localUrl } = await start({ forwarder: new CallbackForwarder(`${gone.url}/hook`, TOKEN) });
      const answer = await postSigned(localUrl, completedParams());
      expect(answer.status).to.equal(502);
      expect(answer.body).to.match(/unreachable: .*ECONNREFUSED/);
      expect(report.requests[0]!.forward?.error).to.match(/ECONNREFUSED/);
      expect(listener!.tally).to.include({ forwarded: 0, forwardFailed: 1 });
    });

    it('relays 2,000 signed callbacks, 50 at a time, losing none', async function () {
      this.timeout(60_000);
      const { localUrl } = await start({ forwarder: new CallbackForwarder(handler.url, TOKEN) });
      const total = 2000;
      let next = 0;
      const statuses: number[] = [];
      const worker = async () => {
        while (next < total) {
          const i = next++;
          const sid = `RE${i.toString(16).padStart(32, '0')}`;
          statuses.push((await postSigned(localUrl, completedParams({ RecordingSid: sid }))).status);
        }
      };
      await Promise.all(Array.from({ length: 50 }, worker));
      expect(statuses.filter((s) => s === 200)).to.have.length(total);
      expect(new Set(handler.received.map((r) => r.params.RecordingSid)).size).to.equal(total);
      expect(listener!.tally).to.include({ received: total, verified: total, forwarded: total, forwardFailed: 0 });
    });
  });

  it('logs every request as a JSON line, never with the auth token, and keeps accepted ones for replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callback-log-'));
    try {
      const path = join(dir, 'requests.jsonl');
      const { localUrl } = await start({ log: await RequestLog.open(path, [TOKEN]) });
      await postSigned(localUrl, completedParams(), { headers: { authorization: 'Basic c2VjcmV0' } });
      await postSigned(localUrl, completedParams(), { token: 'forged' });
      await postSigned(localUrl, completedParams({ Note: `leaked ${TOKEN}` }), { token: 'forged' });
      await listener!.stop();
      listener = undefined;
      const text = readFileSync(path, 'utf8');
      const lines = text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.map((l) => l.verdict)).to.deep.equal(['accepted', 'rejected', 'rejected']);
      expect(lines[0]).to.include({
        method: 'POST',
        target: '/recording-status',
        status: 204,
        body: new URLSearchParams(completedParams()).toString(),
      });
      expect(lines[0].headers).to.have.property('x-twilio-signature');
      expect(lines[0].headers).to.not.have.property('authorization');
      expect(text).to.not.include(TOKEN);
      expect((await readReplayableRequests(path)).requests).to.have.length(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
