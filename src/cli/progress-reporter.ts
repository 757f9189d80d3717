import { CliUx } from '@oclif/core';
import type { ProgressReporter } from '../tasks/progress';
import { formatBytes } from '../text/bytes';

export interface ProgressSnapshot {
  done: number;
  total: number | undefined;
  bytes: number;
}

export interface ProgressOptions {
  /** What the items are, e.g. "downloaded" or "deleted". */
  verb: string;
  stream?: NodeJS.WriteStream;
  /** Milliseconds between lines when stderr is not a terminal. */
  intervalMs?: number;
  silent?: boolean;
  now?: () => number;
}

/** `20` while the total is unknown, `20/150` once it is known. */
export function countText(snapshot: Pick<ProgressSnapshot, 'done' | 'total'>): string {
  return snapshot.total === undefined ? `${snapshot.done}` : `${snapshot.done}/${snapshot.total}`;
}

/** A bar on a terminal, a line every few seconds otherwise, nothing when silent. */
export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.silent) return { setTotal() {}, itemDone() {}, addBytes() {}, stop() {} };
  return stream.isTTY ? new BarProgress(options, stream) : new LineProgress(options, stream);
}

abstract class CountingProgress implements ProgressReporter {
  protected snapshot: ProgressSnapshot = { done: 0, total: undefined, bytes: 0 };
  protected readonly startedAt: number;
  protected readonly now: () => number;

  constructor(protected readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  setTotal(total: number): void {
    this.snapshot.total = total;
    this.changed();
  }

  itemDone(bytes = 0): void {
    this.snapshot.done += 1;
    this.snapshot.bytes += bytes;
    this.changed();
  }

  addBytes(bytes: number): void {
    this.snapshot.bytes += bytes;
  }

  protected rateText(): string {
    const seconds = Math.max((this.now() - this.startedAt) / 1000, 0.001);
    const perSecond = this.snapshot.done / seconds;
    const remaining =
      this.snapshot.total !== undefined && perSecond > 0
        ? (this.snapshot.total - this.snapshot.done) / perSecond
        : undefined;
    const bytes =
      this.snapshot.bytes > 0
        ? `, ${formatBytes(this.snapshot.bytes)} at ${formatBytes(this.snapshot.bytes / seconds)}/s`
        : '';
    const eta = remaining === undefined ? '' : `, about ${Math.ceil(remaining)} s left`;
    return `${perSecond.toFixed(1)}/s${bytes}${eta}`;
  }

  protected abstract changed(): void;
  abstract stop(): void;
}

class LineProgress extends CountingProgress {
  private readonly timer: NodeJS.Timeout;

  constructor(
    options: ProgressOptions,
    private readonly stream: NodeJS.WriteStream,
  ) {
    super(options);
    this.timer = setInterval(() => this.print(), options.intervalMs ?? 5000);
    this.timer.unref();
  }

  protected changed(): void {}

  private print(): void {
    const { done, total } = this.snapshot;
    this.stream.write(
      `${done}${total === undefined ? '' : ` of ${total}`} ${this.options.verb} (${this.rateText()})\n`,
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

class BarProgress extends CountingProgress {
  private readonly bar: any;

  constructor(options: ProgressOptions, stream: NodeJS.WriteStream) {
    super(options);
    // {count} rather than {value}/{total}: until the total is known, a total of 0 would read "20/0".
    this.bar = CliUx.ux.progress({
      format: `{bar} {count} ${options.verb} | {detail}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: false,
    });
    this.bar.start(0, 0, { count: countText(this.snapshot), detail: '' });
  }

  protected changed(): void {
    if (this.snapshot.total !== undefined) this.bar.setTotal(this.snapshot.total);
    this.bar.update(this.snapshot.done, { count: countText(this.snapshot), detail: this.rateText() });
  }

  stop(): void {
    this.bar.stop();
  }
}
