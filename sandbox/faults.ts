import type { Knobs } from './knobs';
import { Prng } from './prng';

export interface FaultDecision {
  drop: boolean;
  error: 500 | 503 | null;
  /** When set, a media body stops after this share of its bytes. */
  truncateAt: number | null;
}

/** Draws fault decisions from a seeded sequence: same seed and request order, same faults. */
export class FaultInjector {
  private prng: Prng;

  constructor(seed: number) {
    this.prng = new Prng(seed);
  }

  reseed(seed: number): void {
    this.prng = new Prng(seed);
  }

  decide(knobs: Knobs): FaultDecision {
    // Always draw the same count so one knob's value never shifts another knob's decisions.
    const [drop, error, truncate, detail] = [this.prng.next(), this.prng.next(), this.prng.next(), this.prng.next()];
    return {
      drop: drop < knobs.dropRate,
      error: error < knobs.errorRate ? (detail < 0.5 ? 500 : 503) : null,
      truncateAt: truncate < knobs.truncateRate ? 0.1 + 0.8 * detail : null,
    };
  }
}

export type Admission =
  { admitted: true; inFlight: number; release: () => void } | { admitted: false; current: number };

/** Twilio-style concurrency limit per account family, plus scheduled 429 bursts. */
export class ThrottleGate {
  private readonly inFlight = new Map<string, number>();
  private burstEpochMs = Date.now();

  restartBursts(): void {
    this.burstEpochMs = Date.now();
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

  private inBurst(knobs: Knobs): boolean {
    const bursts = knobs.throttleBursts;
    if (!bursts || bursts.everyMs <= 0 || bursts.durationMs <= 0) return false;
    const phase = (Date.now() - this.burstEpochMs) % bursts.everyMs;
    return phase >= bursts.everyMs - bursts.durationMs;
  }
}
