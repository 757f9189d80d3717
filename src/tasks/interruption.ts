import { ExitStatus } from '../errors';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The process, as far as stopping on a signal needs it; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

export interface InterruptionOptions {
  /** Told once, on the first signal: work under way goes on, no new work starts. */
  onStop(signal: StopSignal): void;
  /** On the second signal: leave at once. */
  onAbort(signal: StopSignal): void;
  source?: SignalSource;
  exit?: (status: number) => void;
}

/**
 * Ctrl-C and SIGTERM as a request to stop: the first aborts `signal`, so that bulk work starts
 * nothing new while what is in flight finishes and is recorded; the second exits at once, leaving
 * any unanswered deletion to the next run's reconciliation.
 */
export class Interruption {
  private readonly controller = new AbortController();
  private readonly listeners = new Map<StopSignal, () => void>();
  private stoppedBy: StopSignal | undefined;

  constructor(private readonly options: InterruptionOptions) {
    const source = options.source ?? process;
    for (const name of STOP_SIGNALS) {
      const listener = () => this.receive(name);
      this.listeners.set(name, listener);
      source.on(name, listener);
    }
  }

  /** Aborted on the first signal. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that asked to stop, if one did. */
  get stopSignal(): StopSignal | undefined {
    return this.stoppedBy;
  }

  /** Stops listening: signals get their default behaviour again. */
  dispose(): void {
    const source = this.options.source ?? process;
    for (const [name, listener] of this.listeners) source.off(name, listener);
    this.listeners.clear();
  }

  private receive(name: StopSignal): void {
    if (this.stoppedBy === undefined) {
      this.stoppedBy = name;
      this.options.onStop(name);
      this.controller.abort();
      return;
    }
    this.options.onAbort(name);
    (this.options.exit ?? process.exit)(ExitStatus.Cancelled);
  }
}

/** Resolves when `signal` aborts; never when it does not. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * `work`, unless `signal` aborts first: then `stopped()` is thrown at once, and `work` is left to
 * settle unheard. For waits with nothing to finish or record (reading input, a lock, a page of a
 * listing), so that a stop request ends them within moments however long they would take.
 */
export async function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  stopped: () => Error,
): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    throw stopped();
  }
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(stopped());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Passes `items` through until `signal` aborts, then throws `stopped()` instead of asking for
 * more; an item still awaited when it aborts is not waited for.
 */
export async function* untilAborted<T>(
  items: AsyncIterable<T>,
  signal: AbortSignal | undefined,
  stopped: () => Error,
): AsyncGenerator<T> {
  const iterator = items[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      if (signal?.aborted) throw stopped();
      const next = await unlessAborted(iterator.next(), signal, stopped);
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Not awaited: a generator still waiting on a request ends once that request does.
    if (!finished) iterator.return?.()?.catch(() => undefined);
  }
}

/**
 * An Interruption that tells the user, on stderr through `warn`, what each signal does, and runs
 * `beforeExit` (closing what stdout has open) when the second signal leaves at once.
 */
export function stopOnSignals(warn: (line: string) => void, beforeExit: () => void = () => undefined): Interruption {
  return new Interruption({
    onStop: (signal) =>
      warn(
        `${signal}: stopping. Nothing new starts; the requests under way finish and are recorded. Press Ctrl-C again to abort at once.`,
      ),
    onAbort: (signal) => {
      beforeExit();
      warn(`${signal} again: aborted. The next run settles any deletion whose answer was not recorded.`);
    },
  });
}
