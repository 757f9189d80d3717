import type { DeletionLog, DeletionLogWriter } from '../journal/deletion-log';
import type { Recording } from '../recordings/recording';

/** A verified copy of a recording's media, complete and flushed to disk. */
export interface ArchivedCopy {
  /** Relative to the archive folder. */
  path: string;
}

/** Saves a recording's media; resolves only once the copy is verified and on disk, throws otherwise. */
export type ArchiveRecording = (recording: Recording, onBytes?: (bytes: number) => void) => Promise<ArchivedCopy>;

/** An archive opened for a purge: saves each recording, and records each deletion next to the copies. */
export interface PurgeArchiveSession {
  save: ArchiveRecording;
  deletionLog: DeletionLogWriter;
  close(): Promise<void>;
}

/** Where a purge archives to: checked before anything else happens, opened once the purge is confirmed. */
export interface PurgeArchive {
  /** Throws a bad-input error when the archive cannot be used; changes nothing. */
  check(): Promise<void>;
  /** Where the archive records deletions, whose unanswered intents are settled first. */
  readonly deletionLog: DeletionLog;
  /**
   * Recordings archived and deleted at once for each request to Twilio in flight (2 by default):
   * more for a store whose round trips are long, so that Twilio's slots are not left idle.
   */
  readonly recordingsPerSlot?: number;
  open(): Promise<PurgeArchiveSession>;
}
