import { messageOf, TwilioApiError } from '../errors';
import type { MediaStore, SavedMedia } from '../media/media-store';
import { deletionEntry } from '../purge/deletion-log';
import { recordingFromApi, type ApiRecording, type Recording } from '../recordings/recording';
import type { TwilioApi } from '../twilio/twilio-api';
import { recordingPath } from '../twilio/twilio-api';

/** The part of the MediaStore of `recordings:download` the archiver uses. */
export type RecordingSaver = Pick<MediaStore, 'save' | 'appendToManifest'>;

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
}

/**
 * Downloads a completed recording as its callback arrives and, when asked, deletes it from Twilio once
 * its file is verified. The recording is fetched by sid from the API the profile points at; the
 * callback's RecordingUrl is never fetched.
 */
export class CallbackArchiver {
  private readonly inFlight = new Map<string, Promise<ArchiveResult>>();

  constructor(
    private readonly api: Pick<TwilioApi, 'getJson' | 'delete'>,
    private readonly saver: RecordingSaver,
    private readonly deleteAfterDownload: boolean,
    private readonly clock: () => Date = () => new Date(),
  ) {}

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
    if (recording.status !== 'completed') {
      return { ...base, outcome: 'failed', error: `the recording is ${recording.status}, not completed` };
    }
    let saved: SavedMedia;
    try {
      saved = await this.saver.save(recording);
    } catch (error) {
      return { ...base, outcome: 'failed', error: messageOf(error) };
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
    // Both outcomes mean a file checked against its hash: just written, or present and hashed again.
    let outcome: 'deleted' | 'not-found';
    try {
      outcome = await this.api.delete(path);
    } catch (error) {
      return { ...result, error: `the file is saved but deleting it from Twilio failed: ${messageOf(error)}` };
    }
    const deleted = { ...result, deleted: outcome === 'deleted' };
    try {
      const entry = deletionEntry(
        recording,
        outcome === 'deleted' ? 'deleted' : 'already-deleted',
        this.clock(),
        saved.path,
      );
      await this.saver.appendToManifest(entry);
      return deleted;
    } catch (error) {
      return {
        ...deleted,
        error: `deleted from Twilio, but the manifest line could not be written: ${messageOf(error)}`,
      };
    }
  }
}
