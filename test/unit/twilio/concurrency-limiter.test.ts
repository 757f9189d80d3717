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

  it('climbs back one step per success to one below the limit a lone 429 found', async () => {
    const limiter = new ConcurrencyLimiter(20);
    for (let i = 0; i < 20; i += 1) await limiter.acquire();
    for (let i = 0; i < 7; i += 1) limiter.release('ok');
    limiter.release('throttled');
    expect(limiter.limit).to.equal(12);
    for (let i = 0; i < 7; i += 1) limiter.release('ok');
    expect(limiter.limit).to.equal(19);
  });

  it('climbs beyond one below that limit only a step per run of successes as long as the limit', async () => {
    const limiter = new ConcurrencyLimiter(20);
    for (let i = 0; i < 20; i += 1) await limiter.acquire();
    for (let i = 0; i < 7; i += 1) limiter.release('ok');
    limiter.release('throttled');
    for (let i = 0; i < 12; i += 1) limiter.release('ok');
    expect(limiter.limit).to.equal(19);
    for (let i = 0; i < 19; i += 1) {
      await limiter.acquire();
      limiter.release('ok');
    }
    expect(limiter.limit).to.equal(20);
  });

  it('climbs back less far after each further 429, so it settles on a cap that is lower', async () => {
    const limiter = new ConcurrencyLimiter(20);
    for (let i = 0; i < 20; i += 1) await limiter.acquire();
    for (let i = 0; i < 10; i += 1) limiter.release('ok');
    limiter.release('throttled');
    expect(limiter.limit).to.equal(9);
    limiter.release('ok');
    limiter.release('throttled');
    expect(limiter.limit).to.equal(7);
    // Back to one below the 10 the second 429 found, then a step per run of successes.
    for (let i = 0; i < 7; i += 1) limiter.release('ok');
    expect(limiter.limit).to.equal(9);
  });

  it('climbs back to one below where the first of a run of 429s found it', async () => {
    const limiter = new ConcurrencyLimiter(20);
    for (let i = 0; i < 20; i += 1) await limiter.acquire();
    for (let i = 0; i < 10; i += 1) limiter.release('ok');
    for (let i = 0; i < 3; i += 1) limiter.release('throttled');
    expect(limiter.limit).to.equal(7);
    for (let i = 0; i < 7; i += 1) limiter.release('ok');
    expect(limiter.limit).to.equal(14);
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
