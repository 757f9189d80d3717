import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { CredentialsError, messageOf, OperationFailedError, TwilioApiError } from '../errors';
import { JsonLinesFile } from './json-lines-file';
import type { Recording } from '../recordings/recording';
import { RequestNotSentError, recordingPath, type TwilioApi } from '../twilio/twilio-api';

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

/** Where deletions are recorded: each append resolves once its line is on disk. */
export interface DeletionRecorder {
  readonly path: string;
  append(entry: DeletionLogLine): Promise<void>;
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
export class DeletionLog implements DeletionRecorder {
  private constructor(private readonly file: JsonLinesFile) {}

  get path(): string {
    return this.file.path;
  }

  /** Throws a bad-input error when `path` cannot be a deletion log; creates nothing, so it can run before the plan. */
  static check(path: string): Promise<void> {
    return JsonLinesFile.check(path);
  }

  /** Opens (creating if needed) the file at `path` for appending, refusing what JsonLinesFile refuses: folder 0700, file 0600. */
  static async open(path: string): Promise<DeletionLog> {
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return new DeletionLog(await JsonLinesFile.open(path));
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

/**
 * Deletes recordings write-ahead: an intent line on disk before each DELETE, the outcome after
 * its answer. A DELETE whose answer never came (a crash, a second Ctrl-C, a lost connection) leaves
 * an intent without an outcome, which the next run settles by asking Twilio (see reconcileDeletions).
 */
export class DeletionJournal {
  constructor(
    private readonly recorder: DeletionRecorder,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get path(): string {
    return this.recorder.path;
  }

  /** Writes and flushes the run's first line, so that a log that cannot take one stops the run before any DELETE. */
  async start(command: string): Promise<void> {
    try {
      await this.recorder.append({ event: 'run-started', command, at: this.clock().toISOString() });
    } catch (error) {
      throw new DeletionLogError(
        `Cannot write the deletion log ${this.path}: ${messageOf(error)}. Nothing was deleted: free the disk or name another log, then run the command again.`,
      );
    }
  }

  /**
   * Deletes one recording: intent, DELETE, outcome. Throws DeletionLogError (not deleted) when the
   * intent cannot be written, UnrecordedDeletionError when the outcome cannot, and the API's error
   * when Twilio refused or `stop` called the DELETE off (both recorded as not deleted) or Twilio could
   * not be asked (the intent stays open).
   */
  async deleteRecording(
    api: Pick<TwilioApi, 'delete'>,
    recording: Recording,
    archivedPath: string | null,
    stop?: AbortSignal,
  ): Promise<DeletionEntry['outcome']> {
    try {
      await this.recorder.append(deletionIntent(recording, this.clock(), archivedPath));
    } catch (error) {
      throw new DeletionLogError(`not deleted: the log could not take its intent line (${messageOf(error)})`);
    }
    let answer: 'deleted' | 'not-found';
    try {
      answer = await api.delete(`${recordingPath(recording.accountSid, recording.sid)}.json`, stop);
    } catch (error) {
      if (
        error instanceof TwilioApiError ||
        error instanceof CredentialsError ||
        error instanceof RequestNotSentError
      ) {
        // Twilio answered, or was never asked: the recording is still there. A failed line only leaves the intent open.
        await this.recorder.append(notDeletedEntry(recording, this.clock(), messageOf(error))).catch(() => undefined);
      }
      throw error;
    }
    const outcome = answer === 'deleted' ? 'deleted' : 'already-deleted';
    try {
      await this.recorder.append(deletionEntry(recording, outcome, this.clock(), archivedPath));
    } catch (error) {
      throw new UnrecordedDeletionError(recording.sid, error);
    }
    return outcome;
  }
}

export function notDeletedEntry(
  recording: Pick<Recording, 'sid' | 'accountSid'>,
  at: Date,
  reason: string,
): NotDeletedEntry {
  return { event: 'not-deleted', sid: recording.sid, accountSid: recording.accountSid, at: at.toISOString(), reason };
}
