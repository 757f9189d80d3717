import { Prng } from './prng';

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;

/**
 * How an account's generated recordings spread over time (see GENERATED_SHAPES). Every shape
 * but `skewed` gives each account the same count; `skewed` gives accounts very different ones.
 */
export type GeneratedShape = 'even' | 'grown' | 'recent' | 'seasonal' | 'skewed' | 'mixed';

export const GENERATED_SHAPES: Record<GeneratedShape, string> = {
  even: 'evenly over from..to',
  grown: 'twentyfold denser at to than at from, with a few single days of thousands each',
  recent: 'evenly over the last six weeks before to; the account is as old as from',
  seasonal: 'evenly over alternate calendar months (busy, empty, busy, ...)',
  skewed: 'evenly, in accounts of very different sizes: most empty, one in ten of each full size, 1/10, 1/100',
  mixed: 'each account in turn even, grown, recent, seasonal, empty, and one page (at most 1,000)',
};

/** The shapes of `mixed`, account after account, with each one's share of the full size. */
const MIXED: Array<[Exclude<GeneratedShape, 'mixed'>, number]> = [
  ['even', 1],
  ['grown', 1],
  ['recent', 1],
  ['seasonal', 1],
  ['even', 0],
  ['even', -1],
];

/** Of every ten accounts, in order, each one's share of the full size under the `skewed` shape. */
const SKEWED_SIZES = [1, 0, 0, 0.01, 0, 0, 0.1, 0, 0, 0];
/** Days of the `recent` shape. */
const RECENT_DAYS = 42;
/** Single days of the `grown` shape that each hold this share of the account's recordings. */
const GROWN_BURST_DAYS = 6;
const GROWN_BURST_SHARE = 0.03;

/** When an account's generated recordings were created: recording 0 is the newest, each at least a second older. */
export interface Timeline {
  readonly count: number;
  createdMs(index: number): number;
}

/** The shape of the account of this ordinal, and how many recordings it holds. */
export function accountShape(
  shape: GeneratedShape,
  perAccount: number,
  ordinal: number,
): { shape: Exclude<GeneratedShape, 'mixed'>; count: number } {
  if (shape === 'skewed') {
    return { shape, count: Math.round(perAccount * (SKEWED_SIZES[ordinal % SKEWED_SIZES.length] as number)) };
  }
  if (shape !== 'mixed') return { shape, count: perAccount };
  const [own, share] = MIXED[ordinal % MIXED.length]!;
  return { shape: own, count: share < 0 ? Math.min(perAccount, 1000) : perAccount * share };
}

/** Evenly spaced from `toMs` back to `fromMs`. */
export class EvenTimeline implements Timeline {
  private readonly stepMs: number;

  constructor(
    readonly count: number,
    fromMs: number,
    private readonly toMs: number,
  ) {
    this.stepMs = count > 1 ? (toMs - fromMs) / (count - 1) : 0;
    if (count > 1 && this.stepMs < SECOND_MS) {
      throw new Error('Generated recordings need at least a second between them: widen from..to or generate fewer');
    }
  }

  createdMs(index: number): number {
    return Math.floor((this.toMs - index * this.stepMs) / SECOND_MS) * SECOND_MS;
  }
}

/**
 * Recordings spread over UTC days by a weight per day: each day holds its share of the count,
 * evenly spaced within the day's part of from..to. Holds one number per day.
 */
export class DailyTimeline implements Timeline {
  /** For day d (0 the newest), the index of its first recording; firsts[days] is the count. */
  private readonly firsts: number[];
  /** The part of each day within from..to: [bottom, top). */
  private readonly tops: number[];
  private readonly bottoms: number[];

  constructor(
    readonly count: number,
    fromMs: number,
    toMs: number,
    weight: (dayStartMs: number, age: number) => number,
  ) {
    this.tops = [];
    this.bottoms = [];
    const weights: number[] = [];
    for (let top = toMs + SECOND_MS; top > fromMs;) {
      const bottom = Math.max(fromMs, Math.floor((top - 1) / DAY_MS) * DAY_MS);
      this.tops.push(top);
      this.bottoms.push(bottom);
      weights.push(Math.max(0, weight(Math.floor(bottom / DAY_MS) * DAY_MS, (toMs - bottom) / (toMs - fromMs || 1))));
      top = bottom;
    }
    const total = weights.reduce((sum, w) => sum + w, 0);
    if (total <= 0) throw new Error('Generated recordings: the shape leaves no day to put them in');
    this.firsts = [0];
    let cumulative = 0;
    weights.forEach((w, day) => {
      cumulative += w;
      const first = Math.round((count * cumulative) / total);
      const lengthMs = (this.tops[day] as number) - (this.bottoms[day] as number);
      if ((first - (this.firsts[day] as number) + 1) * SECOND_MS > lengthMs) {
        throw new Error('Generated recordings need at least a second between them: widen from..to or generate fewer');
      }
      this.firsts.push(first);
    });
  }

  createdMs(index: number): number {
    let lo = 0;
    let hi = this.firsts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.firsts[mid] as number) <= index) lo = mid;
      else hi = mid - 1;
    }
    const first = this.firsts[lo] as number;
    const inDay = (this.firsts[lo + 1] as number) - first;
    const top = this.tops[lo] as number;
    const stepMs = (top - (this.bottoms[lo] as number)) / (inDay + 1);
    return Math.floor((top - (index - first + 1) * stepMs) / SECOND_MS) * SECOND_MS;
  }
}

/** The timeline of one account's recordings under a shape. */
export function timelineOf(
  shape: Exclude<GeneratedShape, 'mixed'>,
  count: number,
  fromMs: number,
  toMs: number,
  seed: number,
): Timeline {
  switch (shape) {
    case 'even':
    case 'skewed':
      return new EvenTimeline(count, fromMs, toMs);
    case 'recent':
      return new EvenTimeline(count, Math.max(fromMs, toMs - RECENT_DAYS * DAY_MS), toMs);
    case 'seasonal':
      return new DailyTimeline(count, fromMs, toMs, (dayMs) => {
        const date = new Date(dayMs);
        return (date.getUTCFullYear() * 12 + date.getUTCMonth()) % 2 === 0 ? 1 : 0;
      });
    case 'grown': {
      const bursts = burstDays(fromMs, toMs, seed);
      const base = (age: number) => Math.exp(-3 * age);
      const days = Math.max(1, (toMs - fromMs) / DAY_MS);
      // The burst days' weight is set so that each holds about GROWN_BURST_SHARE of the count.
      const baseTotal = (days * (1 - Math.exp(-3))) / 3;
      const burstWeight = (baseTotal * GROWN_BURST_SHARE) / (1 - GROWN_BURST_DAYS * GROWN_BURST_SHARE);
      return new DailyTimeline(count, fromMs, toMs, (dayMs, age) => base(age) + (bursts.has(dayMs) ? burstWeight : 0));
    }
  }
}

/** The burst days of the `grown` shape: seeded, in the newer half of from..to. */
function burstDays(fromMs: number, toMs: number, seed: number): Set<number> {
  const prng = new Prng(seed ^ 0x5eed);
  const newest = Math.floor(toMs / DAY_MS);
  const span = Math.max(1, Math.floor((toMs - fromMs) / DAY_MS / 2));
  const days = new Set<number>();
  for (let i = 0; i < 10 * GROWN_BURST_DAYS && days.size < GROWN_BURST_DAYS; i += 1) {
    days.add((newest - prng.int(1, span)) * DAY_MS);
  }
  return days;
}
