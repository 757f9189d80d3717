import { expect } from 'chai';
import { ConcurrencyLimiter } from '../../../src/twilio/concurrency-limiter';
import {
  RetriesExhaustedError,
  RetryableError,
  RetryPolicy,
  isTransientNetworkError,
  parseRetryAfter,
} from '../../../src/twilio/retry-policy';

function policy(delays: number[], maxAttempts = 4) {
  return new RetryPolicy({ maxAttempts, random: () => 1, sleep: async (ms) => void delays.push(ms) });
}

describe('RetryPolicy', () => {
  it('retries throttling and server errors with growing delays, then succeeds', async () => {
    const delays: number[] = [];
    let tries = 0;
    const result = await policy(delays).run(
      async () => {
        tries += 1;
        if (tries < 3) throw new RetryableError('429', true);
        return 'done';
      },
      new ConcurrencyLimiter(1),
      'GET x',
    );
    expect(result).to.equal('done');
    expect(delays).to.deep.equal([250, 500]);
  });

  it('honours Retry-After', async () => {
    const delays: number[] = [];
    let tries = 0;
    await policy(delays).run(
      async () => {
        if ((tries += 1) === 1) throw new RetryableError('429', true, 3000);
      },
      new ConcurrencyLimiter(1),
      'GET x',
    );
    expect(delays[0]).to.be.within(3000, 3250);
  });

  it('retries dropped connections', async () => {
    const delays: number[] = [];
    let tries = 0;
    await policy(delays).run(
      async () => {
        if ((tries += 1) === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      },
      new ConcurrencyLimiter(1),
      'GET x',
    );
    expect(tries).to.equal(2);
  });

  it('gives up after its bound with a message naming the operation', async () => {
    const delays: number[] = [];
    const attempt = policy(delays, 3).run(
      async () => {
        throw new RetryableError('Twilio answered 503');
      },
      new ConcurrencyLimiter(1),
      'DELETE /x',
    );
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(RetriesExhaustedError);
    expect((error as Error).message).to.equal('DELETE /x failed after 3 tries: Twilio answered 503');
    expect(delays).to.have.length(2);
  });

  it('does not retry other errors', async () => {
    let tries = 0;
    const error = await policy([])
      .run(
        async () => {
          tries += 1;
          throw new Error('bad request');
        },
        new ConcurrencyLimiter(1),
        'x',
      )
      .catch((e: Error) => e);
    expect(error.message).to.equal('bad request');
    expect(tries).to.equal(1);
  });

  it('keeps full jitter below the capped exponential', () => {
    const jittered = new RetryPolicy({ random: () => 0.5, maxDelayMs: 1000 });
    expect(jittered.delayMs(1)).to.equal(125);
    expect(jittered.delayMs(10)).to.equal(500);
  });
});

describe('parseRetryAfter and isTransientNetworkError', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).to.equal(2000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:10 GMT', Date.parse('2026-11-21T12:00:00Z'))).to.equal(10_000);
    expect(parseRetryAfter(undefined)).to.equal(undefined);
    expect(parseRetryAfter('soon')).to.equal(undefined);
  });

  it('tells broken exchanges from unreachable hosts', () => {
    expect(isTransientNetworkError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).to.equal(true);
    expect(isTransientNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).to.equal(false);
    expect(isTransientNetworkError(new Error('aborted'))).to.equal(true);
  });
});
