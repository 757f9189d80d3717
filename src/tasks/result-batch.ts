/** Results kept together until this many have come. */
const BATCH_SIZE = 100;

/**
 * Results grouped before they are written, so that columns line up and stdout is not written
 * once per recording. With `maxAgeMs`, a batch also goes out once its first result is that old,
 * checked as results come.
 */
export class ResultBatch<T> {
  private results: T[] = [];
  private firstAt = 0;

  constructor(
    private readonly emit: (results: T[]) => void,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
    private readonly clock: () => number = Date.now,
  ) {}

  add(result: T): void {
    if (this.results.length === 0) this.firstAt = this.clock();
    this.results.push(result);
    if (this.results.length >= BATCH_SIZE || this.clock() - this.firstAt >= this.maxAgeMs) this.flush();
  }

  flush(): void {
    if (this.results.length === 0) return;
    const results = this.results;
    this.results = [];
    this.emit(results);
  }
}
