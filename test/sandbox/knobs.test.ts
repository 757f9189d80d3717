import { expect } from 'chai';
import { request } from 'node:http';

import { startSandbox, type Sandbox } from '../../sandbox';
import { direct } from './http-client';

/** Raw GET that reports how a response ended instead of throwing. */
function fetchOutcome(
  sandbox: Sandbox,
  path: string,
  auth: [string, string],
): Promise<{ outcome: 'complete' | 'aborted' | 'error'; status?: number; bytes: number; contentLength?: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: sandbox.port,
        path,
        agent: false,
        headers: { Authorization: `Basic ${Buffer.from(auth.join(':')).toString('base64')}` },
      },
      (res) => {
        let bytes = 0;
        const contentLength = res.headers['content-length'];
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('error', () => resolve({ outcome: 'aborted', status: res.statusCode, bytes, contentLength }));
        res.on('close', () =>
          resolve({ outcome: res.complete ? 'complete' : 'aborted', status: res.statusCode, bytes, contentLength }),
        );
      },
    );
    req.on('error', () => resolve({ outcome: 'error', bytes: 0 }));
    req.end();
  });
}

describe('sandbox knobs', function () {
  let sandbox: Sandbox;
  let auth: [string, string];
  let base: string;

  before(async function () {
    sandbox = await startSandbox({ seed: 9, subaccounts: 1 });
    auth = [sandbox.account.sid, sandbox.account.authToken];
    base = `/2010-04-01/Accounts/${sandbox.account.sid}`;
  });
  after(() => sandbox.close());
  beforeEach(function () {
    sandbox.setKnobs({
      latencyMs: 0,
      concurrencyCap: null,
      retryAfterSeconds: null,
      throttleBursts: null,
      errorRate: 0,
      dropRate: 0,
      truncateRate: 0,
      faultSeed: 1,
    });
    sandbox.resetCounters();
  });

  it('delays answers by latencyMs', async function () {
    sandbox.setKnobs({ latencyMs: 120 });
    const started = Date.now();
    await direct(sandbox, `${base}/Recordings.json`, { auth });
    expect(Date.now() - started).to.be.at.least(115);
  });

  it('answers 429 beyond the concurrency cap, promptly and with Twilio-Concurrent-Requests', async function () {
    sandbox.setKnobs({ latencyMs: 200, concurrencyCap: 2 });
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 6 }, () => direct(sandbox, `${base}/Recordings.json`, { auth })),
    );
    const throttled = replies.filter((r) => r.status === 429);
    expect(replies.filter((r) => r.status === 200)).to.have.length(2);
    expect(throttled).to.have.length(4);
    expect(throttled[0]!.json()).to.deep.equal({
      code: 20429,
      message: 'Too Many Requests',
      more_info: 'https://www.twilio.com/docs/errors/20429',
      status: 429,
    });
    expect(throttled[0]!.headers['twilio-concurrent-requests']).to.equal('2');
    expect(throttled[0]!.headers['retry-after']).to.equal(undefined);
    expect(Date.now() - started).to.be.below(600);
    expect(sandbox.counters.throttled).to.equal(4);
    expect(sandbox.counters.maxConcurrent).to.equal(2);
    expect(sandbox.counters.responses['429']).to.equal(4);
  });

  it('applies the cap per account family and sends Retry-After when configured', async function () {
    sandbox.setKnobs({ latencyMs: 150, concurrencyCap: 1, retryAfterSeconds: 3 });
    const sub = sandbox.subaccounts[0]!;
    const [a, b, c] = await Promise.all([
      direct(sandbox, `${base}/Recordings.json`, { auth }),
      direct(sandbox, `/2010-04-01/Accounts/${sub.sid}/Recordings.json`, { auth: [sub.sid, sub.authToken] }),
      direct(sandbox, `${base}/Recordings.json`, { auth }),
    ]);
    expect([a!.status, b!.status, c!.status].sort()).to.deep.equal([200, 429, 429]);
    expect([a, b, c].find((r) => r!.status === 429)!.headers['retry-after']).to.equal('3');
  });

  it('throttles every request during bursts', async function () {
    sandbox.setKnobs({ throttleBursts: { everyMs: 10_000, durationMs: 10_000 } });
    expect((await direct(sandbox, `${base}/Recordings.json`, { auth })).status).to.equal(429);
    sandbox.setKnobs({ throttleBursts: { everyMs: 10_000, durationMs: 1 } });
    expect((await direct(sandbox, `${base}/Recordings.json`, { auth })).status).to.equal(200);
  });

  it('answers a reproducible share of requests with 500 or 503', async function () {
    const run = async (): Promise<number[]> => {
      sandbox.setKnobs({ errorRate: 0.3, faultSeed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++)
        statuses.push((await direct(sandbox, `${base}/Recordings.json?PageSize=1`, { auth })).status);
      return statuses;
    };
    const first = await run();
    const second = await run();
    expect(first).to.deep.equal(second);
    const failures = first.filter((s) => s >= 500);
    expect(failures.length).to.be.within(15, 45);
    expect(new Set(failures)).to.deep.equal(new Set([500, 503]));
    const body = (
      await (async () => {
        sandbox.setKnobs({ errorRate: 1 });
        return direct(sandbox, `${base}/Recordings.json`, { auth });
      })()
    ).json();
    expect(body).to.have.keys(['code', 'message', 'more_info', 'status']);
  });

  it('drops connections without an answer', async function () {
    sandbox.setKnobs({ dropRate: 1 });
    const outcome = await fetchOutcome(sandbox, `${base}/Recordings.json`, auth);
    expect(outcome.outcome).to.equal('error');
    expect(sandbox.counters.dropped).to.equal(1);
  });

  describe('truncated media', function () {
    it('announces the full Content-Length, then cuts the connection', async function () {
      const rec = sandbox.store.addRecording({ durationSeconds: 20 });
      sandbox.setKnobs({ truncateRate: 1, truncateStyle: 'content-length' });
      const outcome = await fetchOutcome(sandbox, `${base}/Recordings/${rec.sid}.wav`, auth);
      expect(outcome.outcome).to.equal('aborted');
      expect(outcome.contentLength).to.equal(String(44 + 20 * 16000));
      expect(outcome.bytes)
        .to.be.above(0)
        .and.below(44 + 20 * 16000);
      expect(sandbox.counters.truncated).to.equal(1);
      expect(sandbox.counters.mediaFetchesPerSid[rec.sid]).to.equal(undefined);
    });

    it('without Content-Length, cuts the connection before the last chunk', async function () {
      const rec = sandbox.store.addRecording({ durationSeconds: 20 });
      sandbox.setKnobs({ truncateRate: 1, truncateStyle: 'chunked' });
      const outcome = await fetchOutcome(sandbox, `${base}/Recordings/${rec.sid}.mp3`, auth);
      expect(outcome.outcome).to.equal('aborted');
      expect(outcome.contentLength).to.equal(undefined);
    });

    it('without Content-Length, can also end cleanly but short', async function () {
      const rec = sandbox.store.addRecording({ durationSeconds: 20 });
      sandbox.setKnobs({ truncateRate: 1, truncateStyle: 'chunked-clean' });
      const outcome = await fetchOutcome(sandbox, `${base}/Recordings/${rec.sid}.wav`, auth);
      expect(outcome.outcome).to.equal('complete');
      expect(outcome.bytes).to.be.below(44 + 20 * 16000);
    });
  });
});
