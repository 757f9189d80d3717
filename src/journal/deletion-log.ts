import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { messageOf, OperationFailedError } from '../errors';
import { JsonLinesFile, readJsonLines } from './json-lines-file';
import type { Recording } from '../recordings/recording';

/** The recording a line is about, as it was when the line was written. */
interface RecordingFields {
  sid: string;
  callSid: string | null;
  conferenceSid: string | null;
  accountSid: string;
  dateCreated: string;
  /** Seconds. */
  duration: number;
  /** The archived copy, relative to the archive folder; null without an archive. */
  archivedPath: string | null;
}

/** Written and flushed to disk before a DELETE is sent: proof that an answer may be owed. */
export interface DeletionIntent extends RecordingFields {
  event: 'delete-intent';
  at: string;
}

/** The outcome of an intent: Twilio confirmed the recording gone. */
export interface DeletionEntry extends RecordingFields {
  event: 'deleted';
  /** `deleted` when Twilio answered 204; `already-deleted` when it answered 404. */
  outcome: 'deleted' | 'already-deleted';
  deletedAt: string;
  /** Set when the outcome was found by checking Twilio after an interrupted run, not from the DELETE's answer. */
  reconciled?: true;
}

/** The outcome of an intent: the recording is still on Twilio. */
export interface NotDeletedEntry {
  event: 'not-deleted';
  sid: string;
  accountSid: string;
  at: string;
  reason: string;
  reconciled?: true;
}

/** The first line a run writes: proves the log takes a line and a flush before any DELETE is sent. */
export interface RunStartedEntry {
  event: 'run-started';
  command: string;
  at: string;
}

export type DeletionLogLine = DeletionIntent | DeletionEntry | NotDeletedEntry | RunStartedEntry;

function recordingFields(recording: Recording, archivedPath: string | null): RecordingFields {
  return {
    sid: recording.sid,
    callSid: recording.callSid,
    conferenceSid: recording.conferenceSid,
    accountSid: recording.accountSid,
    dateCreated: recording.dateCreated.toISOString(),
    duration: recording.duration,
    archivedPath,
  };
}

export function deletionIntent(recording: Recording, at: Date, archivedPath: string | null): DeletionIntent {
  return { event: 'delete-intent', ...recordingFields(recording, archivedPath), at: at.toISOString() };
}

export function deletionEntry(
  recording: Recording,
  outcome: DeletionEntry['outcome'],
  deletedAt: Date,
  archivedPath: string | null,
): DeletionEntry {
  return { event: 'deleted', outcome, ...recordingFields(recording, archivedPath), deletedAt: deletedAt.toISOString() };
}

/** A deletion log open for appending: each append resolves once its line is on disk. */
export interface DeletionLogWriter {
  readonly path: string;
  append(entry: DeletionLogLine): Promise<void>;
}

/**
 * A deletion log wherever it is kept (its own file, a folder's manifest, a bucket's manifest
 * objects): its lines read back, and a way to append more, such as the outcomes reconciliation settles.
 */
export interface DeletionLog {
  /** Where the log is, as printed: a file's path, or the place of a bucket's manifests. */
  readonly path: string;
  lines(): AsyncIterable<unknown>;
  openWriter(): Promise<DeletionLogWriter & { close(): Promise<void> }>;
}

/** A deletion log in a local JSON Lines file. */
export function fileDeletionLog(path: string): DeletionLog {
  return { path, lines: () => readJsonLines(path), openWriter: () => JsonLinesFile.open(path) };
}

/** The log a purge writes without an archive: one file a day in the plugin's data folder. */
export function defaultDeletionLogPath(dataDir: string, now: Date): string {
  return join(dataDir, `purge-${now.toISOString().slice(0, 10)}.jsonl`);
}

/** The dated logs of earlier purges in the data folder, oldest first. */
export async function defaultDeletionLogs(dataDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => /^purge-\d{4}-\d{2}-\d{2}\.jsonl$/.test(name))
    .sort()
    .map((name) => join(dataDir, name));
}

/** The deletion log of a purge without an archive: its own JSON-lines file, flushed to disk before each append resolves. */
export class DeletionLogFile implements DeletionLogWriter {
  private constructor(private readonly file: JsonLinesFile) {}

  get path(): string {
    return this.file.path;
  }

  /** Throws a bad-input error when `path` cannot be a deletion log; creates nothing, so it can run before the plan. */
  static check(path: string): Promise<void> {
    return JsonLinesFile.check(path);
  }

  /** Opens (creating if needed) the file at `path` for appending, refusing what JsonLinesFile refuses: folder 0700, file 0600. */
  static async open(path: string): Promise<DeletionLogFile> {
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return new DeletionLogFile(await JsonLinesFile.open(path));
  }

  append(entry: DeletionLogLine): Promise<void> {
    return this.file.append(entry);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** A line could not be written to the log before a DELETE: the recording was not deleted. */
export class DeletionLogError extends OperationFailedError {}

/** Twilio deleted a recording, but the line saying so could not be written. */
export class UnrecordedDeletionError extends OperationFailedError {
  constructor(
    readonly sid: string,
    cause: unknown,
  ) {
    super(`${sid} was deleted, but the log could not record it: ${messageOf(cause)}`);
  }
}

export function notDeletedEntry(
  recording: Pick<Recording, 'sid' | 'accountSid'>,
  at: Date,
  reason: string,
): NotDeletedEntry {
  return { event: 'not-deleted', sid: recording.sid, accountSid: recording.accountSid, at: at.toISOString(), reason };
}
