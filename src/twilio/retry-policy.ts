import { ConcurrencyLimiter, type SlotOutcome } from './concurrency-limiter';

/** A failure worth another try: Twilio throttled us, answered 5xx, or the connection broke. */
export class RetryableError extends Error {
  constructor(
    message: string,
    readonly throttled = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}

/** The last failure of an operation that ran out of tries. */
export class RetriesExhaustedError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly lastError: Error,
  ) {
    super(message);
    this.name = 'RetriesExhaustedError';
  }
}

// Connections that broke mid-exchange; a refused or unresolvable host is not transient.
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_BAD_RESPONSE',
  'HPE_INVALID_CONSTANT',
]);

export function isTransientNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code && TRANSIENT_NETWORK_CODES.has(code)) return true;
  return /socket hang up|aborted|premature close|stream has been aborted/i.test(error.message);
}

/** Reads `Retry-After` as seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryPolicyOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest `Retry-After` honoured as given; longer ones are cut to this. */
  maxRetryAfterMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of each retry before its wait (for `-l debug`). */
  onRetry?: (describe: string, attempt: number, delayMs: number, reason: string) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The one retry policy of the plugin: exponential backoff with full jitter, `Retry-After`
 * honoured when Twilio sends it, a bound on tries, and a concurrency slot held only while a
 * request is in flight (never while waiting to retry).
 */
export class RetryPolicy {
  readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onRetry: RetryPolicyOptions['onRetry'];

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? defaultSleep;
    this.onRetry = options.onRetry;
  }

  /** How long to wait after the `failures`-th failed try. */
  delayMs(failures: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined) {
      return Math.min(retryAfterMs, this.maxRetryAfterMs) + this.random() * this.baseDelayMs;
    }
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (failures - 1));
    return this.random() * ceiling;
  }

  /**
   * Runs `operation` until it succeeds, fails for good, or runs out of tries. Each try holds
   * a slot of `limiter`. `describe` names the operation in the final error.
   */
  async run<T>(operation: (attempt: number) => Promise<T>, limiter: ConcurrencyLimiter, describe: string): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await limiter.run(() => operation(attempt), slotOutcomeOf);
      } catch (error) {
        const retryable = error instanceof RetryableError || isTransientNetworkError(error);
        if (!retryable) throw error;
        if (attempt >= this.maxAttempts) {
          const reason = (error as Error).message;
          throw new RetriesExhaustedError(
            `${describe} failed after ${attempt} tries: ${reason}`,
            attempt,
            error as Error,
          );
        }
        const delay = this.delayMs(attempt, error instanceof RetryableError ? error.retryAfterMs : undefined);
        this.onRetry?.(describe, attempt, delay, (error as Error).message);
        await this.sleep(delay);
      }
    }
  }
}

function slotOutcomeOf(error: unknown): SlotOutcome {
  return error instanceof RetryableError && error.throttled ? 'throttled' : 'failed';
}
