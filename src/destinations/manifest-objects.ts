import { randomBytes } from 'node:crypto';
import { parseJsonLines } from '../journal/json-lines-file';
import { MANIFEST_FOLDER, type ObjectStore } from './object-store';

/** What a run's manifest needs of the store: small verified PUTs, a listing and small GETs. */
export type ManifestStore = Pick<ObjectStore, 'putSmall' | 'list' | 'getSmall'>;

/**
 * A run's manifest in the bucket. Objects cannot be appended to, so each run writes its own
 * numbered segments, `.manifests/<run>/<000000001>.jsonl`: lines appended while segments are being
 * written go together into the next one (as lines that arrive together share one fsync in a
 * local log), and `append` resolves only once its line is in a stored object. Run names sort
 * by their start, so reading the folder in key order reads every run's lines in order.
 */
/** Segments being stored at once: a store's round trip then delays a line by about one PUT, not a queue of them. */
const SEGMENTS_IN_FLIGHT = 4;

export class RunManifest {
  private pending: string[] = [];
  private waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly writes = new Set<Promise<void>>();
  private segments = 0;
  private failure: unknown;

  private constructor(
    private readonly store: ManifestStore,
    readonly runId: string,
  ) {}

  /** A new run's manifest; nothing is written until the first `append`. */
  static create(store: ManifestStore, startedAt: Date = new Date()): RunManifest {
    return new RunManifest(store, runIdOf(startedAt));
  }

  /**
   * A new run's manifest whose first line, `run-started`, is already stored: the check that
   * the run can write under the prefix, made before anything is fetched or deleted. Throws the
   * store's one-line error (denied access exits 2) when it cannot.
   */
  static async start(store: ManifestStore, startedAt: Date = new Date()): Promise<RunManifest> {
    const manifest = RunManifest.create(store, startedAt);
    await manifest.append({ event: 'run-started', runId: manifest.runId, startedAt: startedAt.toISOString() });
    return manifest;
  }

  /**
   * Appends a line; resolves once it is stored, rejects (as will every later append) if a segment
   * could not be. Segments are numbered as they are begun and several may be stored at once, so a
   * line appended after another resolved always lands in a later segment: an outcome never reads
   * before its intent.
   */
  append(entry: object): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const line = JSON.stringify(entry);
    return new Promise<void>((resolve, reject) => {
      this.pending.push(line);
      this.waiting.push({ resolve, reject });
      // Lines appended in the same turn of the event loop share a segment.
      if (this.pending.length === 1) setImmediate(() => this.writeSegments());
    });
  }

  /** Waits until every line appended so far is stored (or has failed). */
  async flush(): Promise<void> {
    while (this.writes.size > 0 || this.pending.length > 0) {
      if (this.writes.size === 0) await new Promise((resolve) => setImmediate(resolve));
      else await Promise.allSettled([...this.writes]);
    }
  }

  private writeSegments(): void {
    while (this.pending.length > 0 && this.writes.size < SEGMENTS_IN_FLIGHT && this.failure === undefined) {
      const lines = this.pending;
      const waiting = this.waiting;
      this.pending = [];
      this.waiting = [];
      const name = `${MANIFEST_FOLDER}/${this.runId}/${String(++this.segments).padStart(9, '0')}.jsonl`;
      const writing: Promise<void> = this.store
        .putSmall(name, Buffer.from(`${lines.join('\n')}\n`), 'application/x-ndjson')
        .then(
          () => {
            for (const waiter of waiting) waiter.resolve();
          },
          (error: unknown) => {
            this.failure ??= error;
            for (const waiter of [...waiting, ...this.waiting]) waiter.reject(this.failure);
            this.pending = [];
            this.waiting = [];
          },
        )
        .finally(() => {
          this.writes.delete(writing);
          this.writeSegments();
        });
      this.writes.add(writing);
    }
  }
}

/**
 * Every line of every run's manifest under the store's prefix, oldest run first and each
 * run's lines in the order they were appended. A line that is not a JSON object is skipped:
 * a segment is written whole or not at all, so only a hand-edited one can hold such lines.
 */
export async function* readManifests(store: ManifestStore): AsyncIterable<Record<string, unknown>> {
  const names: string[] = [];
  for await (const name of store.list(MANIFEST_FOLDER)) {
    if (name.endsWith('.jsonl')) names.push(name);
  }
  // Keys come sorted from S3; sorting again keeps the order on stores that list otherwise.
  names.sort();
  for (const name of names) {
    for (const entry of parseJsonLines((await store.getSmall(name)).toString('utf8'))) {
      if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) yield entry as Record<string, unknown>;
    }
  }
}

/** `20261129T130243123Z-9f86d081`: sorts by start time, unique between runs started at once. */
function runIdOf(startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}
