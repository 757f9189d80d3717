export type SlotOutcome = 'ok' | 'throttled' | 'failed';

/**
 * Bounds the requests in flight, and adapts when Twilio pushes back: a 429 lowers the
 * limit to what was in flight once the rejected request left, so a burst over the
 * account's cap settles on the cap. Each success then raises it by one, up to one below
 * the limit that 429 found (the first of a run of 429s with no success between them);
 * beyond that, each run of successes as long as the limit raises it by one, up to the
 * maximum. A lone 429 (a slot Twilio had not yet freed) so costs a few requests' worth of
 * room instead of a slow climb back, and each later one lowers the level climbed back to,
 * so a cap that is really lower is still settled on.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private current: number;
  private successesSinceChange = 0;
  /** One below the limit the last push-back found: climbed back to one step per success. */
  private recoverTo = 0;
  /** Whether the last answer was a 429: a run of them is one push-back. */
  private throttledLast = false;
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
    if (outcome === 'throttled') this.throttled();
    else if (outcome === 'ok') this.succeeded();
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

  private throttled(): void {
    // 429s with no success between them are one push-back: the first tells the limit it found.
    if (!this.throttledLast) this.recoverTo = this.current - 1;
    this.throttledLast = true;
    this.current = Math.max(1, Math.min(this.current, this.active));
    this.successesSinceChange = 0;
  }

  private succeeded(): void {
    this.throttledLast = false;
    if (this.current < this.recoverTo) {
      this.current += 1;
    } else if (this.current < this.max) {
      this.successesSinceChange += 1;
      if (this.successesSinceChange >= this.current) {
        this.current += 1;
        this.successesSinceChange = 0;
      }
    }
  }

  private wakeWaiters(): void {
    while (this.active < this.current && this.waiting.length > 0) {
      this.active += 1;
      this.waiting.shift()!();
    }
  }
}
