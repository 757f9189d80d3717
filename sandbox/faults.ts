import type { Knobs } from './knobs';
import { Prng } from './prng';

export interface FaultDecision {
  drop: boolean;
  error: 500 | 503 | null;
  /** For a media response: drawn when called, a share of its bytes after which the body stops, or null. */
  truncateAt: () => number | null;
}

// Media draws come from a sequence of their own, so the n-th media response is cut or not whatever other requests came between.
const MEDIA_SEED_SALT = 0x6d65_6469;

/**
 * Draws fault decisions from seeded sequences: the n-th request is dropped or failed, and the n-th
 * media response truncated, the same way on every run with the same seed.
 */
export class FaultInjector {
  private requests: Prng;
  private media: Prng;

  constructor(seed: number) {
    this.requests = new Prng(seed);
    this.media = new Prng(seed ^ MEDIA_SEED_SALT);
  }

  reseed(seed: number): void {
    this.requests = new Prng(seed);
    this.media = new Prng(seed ^ MEDIA_SEED_SALT);
  }

  decide(knobs: Knobs): FaultDecision {
    // Always draw the same count so one knob's value never shifts another knob's decisions.
    const [drop, error, detail] = [this.requests.next(), this.requests.next(), this.requests.next()];
    return {
      drop: drop < knobs.dropRate,
      error: error < knobs.errorRate ? (detail < 0.5 ? 500 : 503) : null,
      truncateAt: () => {
        const [truncate, point] = [this.media.next(), this.media.next()];
        return truncate < knobs.truncateRate ? 0.1 + 0.8 * point : null;
      },
    };
  }
}

export type Admission =
  { admitted: true; inFlight: number; release: () => void } | { admitted: false; current: number };

/** Twilio-style concurrency limit per account family, plus 429 bursts by request count. */
export class ThrottleGate {
  private readonly inFlight = new Map<string, number>();
  private requestsSinceBurstsSet = 0;

  restartBursts(): void {
    this.requestsSinceBurstsSet = 0;
  }

  current(family: string): number {
    return this.inFlight.get(family) ?? 0;
  }

  admit(family: string, knobs: Knobs): Admission {
    const current = this.current(family);
    if (this.inBurst(knobs) || (knobs.concurrencyCap !== null && current >= knobs.concurrencyCap)) {
      return { admitted: false, current };
    }
    this.inFlight.set(family, current + 1);
    let released = false;
    return {
      admitted: true,
      inFlight: current + 1,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight.set(family, this.current(family) - 1);
      },
    };
  }

  /** Counts this request and tells whether it falls in a burst. */
  private inBurst(knobs: Knobs): boolean {
    this.requestsSinceBurstsSet += 1;
    const bursts = knobs.throttleBursts;
    if (!bursts || bursts.every <= 0 || bursts.length <= 0) return false;
    const position = (this.requestsSinceBurstsSet - 1) % bursts.every;
    return position >= bursts.every - bursts.length;
  }
}
