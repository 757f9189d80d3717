/**
 * What a page of the recordings list costs Twilio to answer: a base plus a cost per record on it.
 * A model, not a measurement: Twilio publishes no figures.
 */
export interface PageCost {
  baseMs: number;
  perRecordMs: number;
}

/**
 * The page cost the benchmarks use: 100 ms per page plus 1 ms per record, so a page of 1,000
 * recordings takes 1.1 s and one of 50 takes 150 ms.
 */
export const PAGE_COST_MODEL: PageCost = { baseMs: 100, perRecordMs: 1 };

/** How long a list page of `records` recordings takes under `cost`. */
export function pageCostMs(cost: PageCost | null, records: number): number {
  return cost ? cost.baseMs + cost.perRecordMs * records : 0;
}

/** Behaviour switches of the sandbox; all can be changed while it runs. */
export interface Knobs {
  /** Delay before answering every processed request (429 rejections answer at once). */
  latencyMs: number;
  /** Extra delay of each recordings list page, growing with its size (see PageCost); null for none. */
  pageCost: PageCost | null;
  /** Most API requests processed at once per account family (parent + subaccounts); null = no limit. */
  concurrencyCap: number | null;
  /** Sent as `Retry-After` on 429 answers when set; Twilio is not known to send it. */
  retryAfterSeconds: number | null;
  /**
   * Bursts of 429 counted in API requests, never in time, so a run throttles the same requests however
   * busy the machine: of every `every` requests, the last `length` are answered 429 (counted from when
   * the knob was set).
   */
  throttleBursts: { every: number; length: number } | null;
  /** Share of requests answered 500 or 503. */
  errorRate: number;
  /** Share of requests whose connection is destroyed without an answer. */
  dropRate: number;
  /** Share of media responses that stop early. */
  truncateRate: number;
  /**
   * How a truncated media response ends: `content-length` announces the full size then destroys the socket;
   * `chunked` sends no length and destroys the socket before the final chunk; `chunked-clean` sends no length
   * and ends the response normally, so only the byte count reveals it.
   */
  truncateStyle: 'content-length' | 'chunked' | 'chunked-clean';
  /** Media requests answer 302 to the CDN host with a signed URL. */
  redirectMedia: boolean;
  /** Media needs HTTP Basic auth (Twilio's account setting); false makes media public. */
  mediaAuth: boolean;
  /** Seed for every fault decision (errors, drops, truncation), for reproducible runs. */
  faultSeed: number;
  /**
   * Answers this many requests (counted from when the knob is set), then holds every later one
   * unanswered until the knob is set back to null: a test can stop a client at a known point.
   */
  holdAfterRequests: number | null;
  /** Answer 400 to `Page` > 0 without `PageToken`, as Twilio has been reported to do on some lists. */
  requirePageToken: boolean;
  /** Spoils the media of encrypted recordings: one byte flipped, or the GCM tag left off (lengths stay consistent). */
  tamperEncryptedMedia: 'flip-byte' | 'drop-tag' | null;
}

export const DEFAULT_KNOBS: Knobs = {
  latencyMs: 0,
  pageCost: null,
  concurrencyCap: null,
  retryAfterSeconds: null,
  throttleBursts: null,
  errorRate: 0,
  dropRate: 0,
  truncateRate: 0,
  truncateStyle: 'content-length',
  redirectMedia: false,
  mediaAuth: true,
  faultSeed: 1,
  holdAfterRequests: null,
  requirePageToken: false,
  tamperEncryptedMedia: null,
};
