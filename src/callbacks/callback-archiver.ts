import { messageOf, TwilioApiError, MediaSaveError } from '../errors';
import type { MediaDestination, SavedMedia } from '../media/media-destination';
import { UnrecordedDeletionError } from '../journal/deletion-log';
import { reconcileDeletions, type SettledIntents } from '../journal/reconciliation';
import { hasMedia, recordingFromApi, type ApiRecording, type Recording } from '../recordings/recording';
import type { TwilioApi } from '../twilio/twilio-api';
import { recordingPath } from '../twilio/twilio-api';
import { WriteAheadDeleter } from '../journal/write-ahead-deleter';

/** The part of the media destination of `recordings:download` the archiver uses. */
export type RecordingSaver = Pick<MediaDestination, 'save' | 'appendToManifest' | 'manifestPath' | 'manifestLog'>;

export interface ArchiveResult {
  recordingSid: string;
  accountSid: string;
  outcome: 'saved' | 'gone' | 'failed';
  /** Where the file is on disk. */
  path?: string;
  bytes?: number;
  sha256?: string;
  /** The store's own word on the file: `downloaded`, or `already-present` when a verified copy was there. */
  storeOutcome?: SavedMedia['outcome'];
  deleted: boolean;
  error?: string;
  /** Set when a legal hold kept the saved recording on Twilio. */
  held?: true;
  /** Set when the destination refused a write (the copy or a manifest line): it may be unable to take more. */
  destinationFailed?: true;
}

/**
 * Downloads a completed recording as its callback arrives and, when asked, deletes it from Twilio once
 * its file is verified. The recording is fetched by sid from the API the profile points at; the
 * callback's RecordingUrl is never fetched.
 */
export class CallbackArchiver {
  private readonly inFlight = new Map<string, Promise<ArchiveResult>>();
  /** Deletions are recorded write-ahead in the folder's manifest. */
  private readonly deleter: WriteAheadDeleter;

  constructor(
    private readonly api: Pick<TwilioApi, 'getJson' | 'delete'>,
    private readonly saver: RecordingSaver,
    private readonly deleteAfterDownload: boolean,
    private readonly clock: () => Date = () => new Date(),
    /** The legal hold that keeps a recording now, if any: a held recording is downloaded, never deleted. */
    private readonly holdOf?: (recording: Recording) => Promise<string | undefined>,
  ) {
    const manifest = { path: saver.manifestPath, append: (line: object) => saver.appendToManifest(line) };
    this.deleter = new WriteAheadDeleter(manifest, clock);
  }

  /**
   * Before the first callback, when deleting: settles the deletions an earlier listener sent without
   * recording their answer, then proves the manifest takes a line. Returns what settling found.
   */
  async prepare(maxPending: number): Promise<SettledIntents | undefined> {
    if (!this.deleteAfterDownload) return undefined;
    const settled = await reconcileDeletions({
      api: this.api,
      log: this.saver.manifestLog(),
      maxPending,
      clock: this.clock,
    });
    await this.deleter.start('callbacks:listen');
    return settled;
  }

  /** Archives one recording; a second callback for a recording being archived shares the first's work. */
  archive(accountSid: string, recordingSid: string): Promise<ArchiveResult> {
    const key = `${accountSid}/${recordingSid}`;
    let work = this.inFlight.get(key);
    if (!work) {
      work = this.run(accountSid, recordingSid).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, work);
    }
    return work;
  }

  private async run(accountSid: string, recordingSid: string): Promise<ArchiveResult> {
    const path = `${recordingPath(accountSid, recordingSid)}.json`;
    const base = { accountSid, recordingSid, deleted: false };
    let recording: Recording;
    try {
      recording = recordingFromApi(await this.api.getJson<ApiRecording>(path));
    } catch (error) {
      if (error instanceof TwilioApiError && error.httpStatus === 404) {
        return { ...base, outcome: 'gone', error: 'Twilio no longer has this recording' };
      }
      return { ...base, outcome: 'failed', error: messageOf(error) };
    }
    if (recording.sid !== recordingSid || recording.accountSid !== accountSid) {
      return {
        ...base,
        outcome: 'failed',
        error: `Twilio answered with recording ${recording.sid} of ${recording.accountSid}`,
      };
    }
    if (!hasMedia(recording)) {
      return { ...base, outcome: 'failed', error: `the recording is ${recording.status}, not completed` };
    }
    let saved: SavedMedia;
    try {
      saved = await this.saver.save(recording);
    } catch (error) {
      const destinationFailed = error instanceof MediaSaveError && error.atDestination ? true : undefined;
      return { ...base, outcome: 'failed', error: messageOf(error), ...(destinationFailed && { destinationFailed }) };
    }
    const result: ArchiveResult = {
      ...base,
      outcome: 'saved',
      path: saved.absolutePath,
      bytes: saved.bytes,
      sha256: saved.sha256,
      storeOutcome: saved.outcome,
    };
    if (!this.deleteAfterDownload) return result;
    let hold: string | undefined;
    try {
      hold = await this.holdOf?.(recording);
    } catch (error) {
      return { ...result, error: `not deleted: the holds could not be read: ${messageOf(error)}` };
    }
    if (hold !== undefined) return { ...result, held: true, error: `not deleted: held (${hold})` };
    // Both outcomes mean a file checked against its hash: just written, or present and hashed again.
    try {
      const outcome = await this.deleter.deleteRecording(this.api, recording, saved.path);
      return { ...result, deleted: outcome === 'deleted' };
    } catch (error) {
      if (error instanceof UnrecordedDeletionError) {
        return {
          ...result,
          deleted: true,
          error: `deleted from Twilio, but the manifest line could not be written: ${messageOf(error)}`,
          destinationFailed: true,
        };
      }
      return { ...result, error: `the file is saved but deleting it from Twilio failed: ${messageOf(error)}` };
    }
  }
}
