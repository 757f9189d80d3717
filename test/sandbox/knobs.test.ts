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
      holdAfterRequests: null,
    });
    sandbox.resetCounters();
  });

  it('delays answers by latencyMs', async function () {
    sandbox.setKnobs({ latencyMs: 120 });
    const started = Date.now();
    await direct(sandbox, `${base}/Recordings.json`, { auth });
    expect(Date.now() - started).to.be.at.least(115);
  });

  /**
   * Opens a long media response and stops reading it: the sandbox holds its concurrency slot until
   * the response is destroyed, however long the rest of the test takes.
   */
  function heldOpen(account: [string, string], accountSid = sandbox.account.sid): Promise<() => void> {
    const recording = sandbox.store.addRecording({ accountSid, status: 'completed', durationSeconds: 600 });
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: sandbox.port,
          path: `/2010-04-01/Accounts/${accountSid}/Recordings/${recording.sid}.wav`,
          agent: false,
          headers: { Authorization: `Basic ${Buffer.from(account.join(':')).toString('base64')}` },
        },
        (res) => {
          res.pause();
          res.on('error', () => undefined);
          if (res.statusCode === 200) resolve(() => req.destroy());
          else reject(new Error(`held request answered ${res.statusCode}`));
        },
      );
      req.on('error', () => undefined);
      req.end();
    });
  }

  it('answers 429 beyond the concurrency cap, while the admitted requests are still open, with Twilio-Concurrent-Requests', async function () {
    sandbox.setKnobs({ concurrencyCap: 2 });
    const held = [await heldOpen(auth), await heldOpen(auth)];
    try {
      const replies = await Promise.all(
        Array.from({ length: 4 }, () => direct(sandbox, `${base}/Recordings.json`, { auth })),
      );
      expect(replies.map((r) => r.status)).to.deep.equal([429, 429, 429, 429]);
      expect(replies[0]!.json()).to.deep.equal({
        code: 20429,
        message: 'Too Many Requests',
        more_info: 'https://www.twilio.com/docs/errors/20429',
        status: 429,
      });
      expect(replies[0]!.headers['twilio-concurrent-requests']).to.equal('2');
      expect(replies[0]!.headers['retry-after']).to.equal(undefined);
      expect(sandbox.counters.throttled).to.equal(4);
      expect(sandbox.counters.maxConcurrent).to.equal(2);
      expect(sandbox.counters.responses['429']).to.equal(4);
    } finally {
      for (const release of held) release();
    }
  });

  it('applies the cap per account family and sends Retry-After when configured', async function () {
    sandbox.setKnobs({ concurrencyCap: 1, retryAfterSeconds: 3 });
    const sub = sandbox.subaccounts[0]!;
    const release = await heldOpen(auth);
    try {
      const [fromSub, fromParent] = await Promise.all([
        direct(sandbox, `/2010-04-01/Accounts/${sub.sid}/Recordings.json`, { auth: [sub.sid, sub.authToken] }),
        direct(sandbox, `${base}/Recordings.json`, { auth }),
      ]);
      expect([fromSub!.status, fromParent!.status]).to.deep.equal([429, 429]);
      expect(fromParent!.headers['retry-after']).to.equal('3');
    } finally {
      release();
    }
  });

  it('throttles the last requests of every burst period, counted in requests', async function () {
    sandbox.setKnobs({ throttleBursts: { every: 4, length: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await direct(sandbox, `${base}/Recordings.json`, { auth })).status);
    expect(statuses).to.deep.equal([200, 200, 429, 429, 200, 200, 429, 429]);
    expect(sandbox.counters.throttled).to.equal(4);
  });

  it('restarts the count when the bursts are set again, and throttles every request when length is every', async function () {
    sandbox.setKnobs({ throttleBursts: { every: 3, length: 3 } });
    expect((await direct(sandbox, `${base}/Recordings.json`, { auth })).status).to.equal(429);
    sandbox.setKnobs({ throttleBursts: { every: 3, length: 1 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await direct(sandbox, `${base}/Recordings.json`, { auth })).status);
    expect(statuses).to.deep.equal([200, 200, 429]);
  });

  it('holds every request after holdAfterRequests unanswered until the knob is cleared', async function () {
    sandbox.setKnobs({ holdAfterRequests: 2 });
    const list = () => direct(sandbox, `${base}/Recordings.json`, { auth });
    expect([(await list()).status, (await list()).status]).to.deep.equal([200, 200]);
    let answered = false;
    const third = list().then((reply) => {
      answered = true;
      return reply;
    });
    while (sandbox.counters.held < 1) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).to.equal(false);
    sandbox.setKnobs({ holdAfterRequests: null });
    expect((await third).status).to.equal(200);
    expect(sandbox.counters.held).to.equal(1);
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
