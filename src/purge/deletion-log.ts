import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { JsonLinesFile } from '../media/json-lines-file';
import type { Recording } from '../recordings/recording';

/** One line of the deletion record: what Twilio confirmed gone, and where its copy is, if any. */
export interface DeletionEntry {
  event: 'deleted';
  /** `deleted` when this run deleted it; `already-deleted` when Twilio answered 404. */
  outcome: 'deleted' | 'already-deleted';
  sid: string;
  callSid: string | null;
  conferenceSid: string | null;
  accountSid: string;
  dateCreated: string;
  /** Seconds. */
  duration: number;
  deletedAt: string;
  /** The archived copy, relative to the archive folder; null without an archive. */
  archivedPath: string | null;
}

export function deletionEntry(
  recording: Recording,
  outcome: DeletionEntry['outcome'],
  deletedAt: Date,
  archivedPath: string | null,
): DeletionEntry {
  return {
    event: 'deleted',
    outcome,
    sid: recording.sid,
    callSid: recording.callSid,
    conferenceSid: recording.conferenceSid,
    accountSid: recording.accountSid,
    dateCreated: recording.dateCreated.toISOString(),
    duration: recording.duration,
    deletedAt: deletedAt.toISOString(),
    archivedPath,
  };
}

/** Where deletions are recorded: each append resolves once its line is on disk. */
export interface DeletionRecorder {
  readonly path: string;
  append(entry: DeletionEntry): Promise<void>;
}

/** The log a purge writes without an archive: one file a day in the plugin's data folder. */
export function defaultDeletionLogPath(dataDir: string, now: Date): string {
  return join(dataDir, `purge-${now.toISOString().slice(0, 10)}.jsonl`);
}

/** The deletion log of a purge without an archive: its own JSON-lines file, flushed to disk before each append resolves. */
export class DeletionLog implements DeletionRecorder {
  private constructor(private readonly file: JsonLinesFile) {}

  get path(): string {
    return this.file.path;
  }

  /** Opens (creating if needed) the file at `path` for appending: folder 0700, file 0600. */
  static async open(path: string): Promise<DeletionLog> {
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return new DeletionLog(await JsonLinesFile.open(path));
  }

  append(entry: DeletionEntry): Promise<void> {
    return this.file.append(entry);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
