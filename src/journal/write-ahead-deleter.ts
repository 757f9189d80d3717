import { CredentialsError, messageOf, TwilioApiError } from '../errors';
import type { Recording } from '../recordings/recording';
import { RequestNotSentError, recordingPath, type TwilioApi } from '../twilio/twilio-api';
import {
  deletionEntry,
  deletionIntent,
  DeletionLogError,
  notDeletedEntry,
  UnrecordedDeletionError,
  type DeletionEntry,
  type DeletionLogWriter,
} from './deletion-log';

/**
 * Deletes recordings write-ahead: an intent line on disk before each DELETE, the outcome after
 * its answer. A DELETE whose answer never came (a crash, a second Ctrl-C, a lost connection) leaves
 * an intent without an outcome, which the next run settles by asking Twilio (see reconcileDeletions).
 */
export class WriteAheadDeleter {
  constructor(
    private readonly writer: DeletionLogWriter,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get path(): string {
    return this.writer.path;
  }

  /** Writes and flushes the run's first line, so that a log that cannot take one stops the run before any DELETE. */
  async start(command: string): Promise<void> {
    try {
      await this.writer.append({ event: 'run-started', command, at: this.clock().toISOString() });
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
      await this.writer.append(deletionIntent(recording, this.clock(), archivedPath));
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
        await this.writer.append(notDeletedEntry(recording, this.clock(), messageOf(error))).catch(() => undefined);
      }
      throw error;
    }
    const outcome = answer === 'deleted' ? 'deleted' : 'already-deleted';
    try {
      await this.writer.append(deletionEntry(recording, outcome, this.clock(), archivedPath));
    } catch (error) {
      throw new UnrecordedDeletionError(recording.sid, error);
    }
    return outcome;
  }
}
