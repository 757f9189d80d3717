export type SlotOutcome = 'ok' | 'throttled' | 'failed';

/**
 * Bounds the requests in flight, and adapts when Twilio pushes back: a 429 lowers the
 * limit to what was in flight once the rejected request left, so a burst over the
 * account's cap settles on the cap; each run of successes as long as the limit raises it
 * by one again, up to the maximum.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private current: number;
  private successesSinceChange = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a positive integer, got ${max}`);
    this.current = max;
  }

  get limit(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.active;
  }

  async acquire(): Promise<void> {
    if (this.active < this.current && this.waiting.length === 0) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(outcome: SlotOutcome): void {
    this.active -= 1;
    if (outcome === 'throttled') {
      this.current = Math.max(1, Math.min(this.current, this.active));
      this.successesSinceChange = 0;
    } else if (outcome === 'ok' && this.current < this.max) {
      this.successesSinceChange += 1;
      if (this.successesSinceChange >= this.current) {
        this.current += 1;
        this.successesSinceChange = 0;
      }
    }
    this.wakeWaiters();
  }

  /** Runs `task` in a slot; a thrown error counts as a failure unless `classify` says otherwise. */
  async run<T>(task: () => Promise<T>, classify: (error: unknown) => SlotOutcome = () => 'failed'): Promise<T> {
    await this.acquire();
    try {
      const result = await task();
      this.release('ok');
      return result;
    } catch (error) {
      this.release(classify(error));
      throw error;
    }
  }

  private wakeWaiters(): void {
    while (this.active < this.current && this.waiting.length > 0) {
      this.active += 1;
      this.waiting.shift()!();
    }
  }
}
