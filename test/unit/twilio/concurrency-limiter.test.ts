import { expect } from 'chai';
import { ConcurrencyLimiter } from '../../../src/twilio/concurrency-limiter';

describe('ConcurrencyLimiter', () => {
  it('never runs more than its limit at once', async () => {
    const limiter = new ConcurrencyLimiter(3);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running -= 1;
        }),
      ),
    );
    expect(peak).to.equal(3);
  });

  it('settles on what was in flight when Twilio throttles a burst', async () => {
    const limiter = new ConcurrencyLimiter(32);
    for (let i = 0; i < 32; i += 1) await limiter.acquire();
    // Twelve of the 32 are rejected; 20 stay in flight.
    for (let i = 0; i < 12; i += 1) limiter.release('throttled');
    expect(limiter.limit).to.equal(20);
  });

  it('raises the limit by one after a run of successes as long as the limit', async () => {
    const limiter = new ConcurrencyLimiter(10);
    for (let i = 0; i < 6; i += 1) await limiter.acquire();
    for (let i = 0; i < 2; i += 1) limiter.release('throttled');
    expect(limiter.limit).to.equal(4);
    for (let i = 0; i < 4; i += 1) limiter.release('ok');
    expect(limiter.limit).to.equal(5);
  });

  it('never goes below one nor above its maximum', async () => {
    const limiter = new ConcurrencyLimiter(2);
    await limiter.acquire();
    limiter.release('throttled');
    expect(limiter.limit).to.equal(1);
    for (let i = 0; i < 20; i += 1) {
      await limiter.acquire();
      limiter.release('ok');
    }
    expect(limiter.limit).to.equal(2);
  });
});
