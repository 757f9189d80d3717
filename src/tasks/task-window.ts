/**
 * Runs tasks concurrently, at most `size` at once, for a producer that streams work in:
 * `add` waits while the window is full, so memory stays flat however much work there is.
 * The first task that throws marks the window failed; `drain` rethrows its error.
 */
export class TaskWindow {
  private readonly running = new Set<Promise<void>>();
  private readonly waiting: Array<() => void> = [];
  private firstError: { error: unknown } | undefined;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a task window holds at least one task, got ${size}`);
  }

  /** True once a task has thrown; a producer should stop adding. */
  get failed(): boolean {
    return this.firstError !== undefined;
  }

  /** Resolves once fewer than `size` tasks are running. */
  async waitForRoom(): Promise<void> {
    while (this.running.size >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Waits for room, then starts `task` without waiting for it. */
  async add(task: () => Promise<void>): Promise<void> {
    await this.waitForRoom();
    const run: Promise<void> = task()
      .catch((error: unknown) => {
        this.firstError ??= { error };
      })
      .finally(() => {
        this.running.delete(run);
        this.waiting.shift()?.();
      });
    this.running.add(run);
  }

  /** Waits until every started task has settled; throws the first error any of them threw. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    if (this.firstError) throw this.firstError.error;
  }
}
