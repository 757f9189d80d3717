import type { RecordOutput } from '../../src/tasks/record-output';
import type { ProgressReporter } from '../../src/tasks/progress';
import type { PurgeArchive } from '../../src/purge/purge-archive';
import type { DeletionLogLine } from '../../src/journal/deletion-log';
import type { Recording } from '../../src/recordings/recording';
import type { RecordingPage } from '../../src/selection/select-recordings';
import { buildCriteria } from '../../src/selection/criteria';
import type { PurgeRequest } from '../../src/purge/purge-request';
import { DAY } from './time';

/** A progress bar that draws nothing. */
export const NO_PROGRESS = (): ProgressReporter => ({
  setTotal: () => undefined,
  itemDone: () => undefined,
  addBytes: () => undefined,
  stop: () => undefined,
});

/** A record output that keeps what it was given, and how it was ended. */
export interface KeptOutput extends RecordOutput {
  readonly records: Array<Record<string, unknown>>;
  /** undefined until ended; then whether it ended complete. */
  readonly ended: boolean | undefined;
}

export function keptOutput(): KeptOutput {
  const records: Array<Record<string, unknown>> = [];
  let ended: boolean | undefined;
  return {
    records,
    get ended() {
      return ended;
    },
    write: (batch) => records.push(...(batch as Array<Record<string, unknown>>)),
    end: (complete = true) => {
      ended ??= complete;
    },
    waitForRoom: () => Promise.resolve(),
  };
}

/** Lines said on stderr, by kind, in order. */
export class SaidLines {
  readonly info: string[] = [];
  readonly warn: string[] = [];
  readonly say = {
    info: (line: string) => void this.info.push(line),
    warn: (line: string) => void this.warn.push(line),
  };
}

/** The recordings as one page per account, in order. */
export function pagesOf(recordings: readonly Recording[]): () => AsyncIterable<RecordingPage> {
  return async function* () {
    for (const recording of recordings) yield { accountSid: recording.accountSid, recordings: [recording] };
  };
}

/**
 * An archive kept in memory: saves succeed unless `fails` names the recording, and deletions are
 * recorded in `lines`, as an archive's manifest records them.
 */
export class MemoryArchive implements PurgeArchive {
  readonly saved: string[] = [];
  readonly lines: DeletionLogLine[] = [];
  opened = 0;
  closed = 0;

  constructor(
    private readonly fails: ReadonlySet<string> = new Set(),
    private readonly refusal?: Error,
  ) {}

  readonly deletionLog = {
    path: 'memory://archive/manifest.jsonl',
    lines: () =>
      (async function* (lines: DeletionLogLine[]) {
        yield* lines;
      })(this.lines),
    openWriter: async () => ({
      path: this.deletionLog.path,
      append: async (entry: DeletionLogLine) => void this.lines.push(entry),
      close: async () => undefined,
    }),
  };

  async check(): Promise<void> {
    if (this.refusal) throw this.refusal;
  }

  async open() {
    this.opened += 1;
    return {
      save: async (recording: Recording) => {
        if (this.fails.has(recording.sid)) throw new Error('media ended early');
        this.saved.push(recording.sid);
        return { path: `${recording.sid}.wav` };
      },
      deletionLog: {
        path: this.deletionLog.path,
        append: async (entry: DeletionLogLine) => void this.lines.push(entry),
      },
      close: async () => void (this.closed += 1),
    };
  }
}

/**
 * A request as `recordings:purge --older-than 30d` makes it, holds in `holdsPath` (the default
 * file, not named), with `overrides` in place of its own.
 */
export function aPurgeRequest(now: Date, holdsPath: string, overrides: Partial<PurgeRequest> = {}): PurgeRequest {
  return {
    selection: buildCriteria({ olderThan: '30d', limitCounts: 'completed' }, now),
    holds: { path: holdsPath, named: false },
    maxPlanAge: { ms: 7 * DAY, text: '7d' },
    concurrency: 4,
    acceptUnverifiedEncrypted: false,
    format: 'wav',
    layout: '{date}/{sid}.{ext}',
    dryRun: false,
    force: false,
    ...overrides,
  };
}
