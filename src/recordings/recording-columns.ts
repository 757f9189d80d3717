import { parseEncryptionDetails, type RecordingEncryption } from '../encryption/encryption-details';
import type { ApiRecording, Recording } from './recording';

/**
 * A page of recordings held compactly while it waits its turn: one array per field, times as
 * numbers, and no `uri` or `media_url` kept where it is the one Twilio builds from the SIDs.
 * A held page costs about a third of its Recording objects, which are made only when it is
 * handed on, so that they die young instead of filling the old generation of the heap.
 */
export class RecordingColumns {
  private readonly sids: string[] = [];
  /** Null where it is the page's account, as it always is in an account's own list. */
  private readonly accountSids: Array<string | null> = [];
  private readonly callSids: Array<string | null> = [];
  private readonly conferenceSids: Array<string | null> = [];
  /** Milliseconds; NaN for a missing or malformed date. */
  private readonly times: number[] = [];
  private readonly durations: number[] = [];
  private readonly statuses: string[] = [];
  private readonly channels: Array<number | null> = [];
  private readonly sources: Array<string | null> = [];
  private readonly prices: Array<string | null> = [];
  private readonly priceUnits: Array<string | null> = [];
  private readonly errorCodes: Array<number | null> = [];
  /** Undefined where it is the usual one for the recording (see usualUri, usualMediaUrl). */
  private readonly uris: Array<string | undefined> = [];
  private readonly mediaUrls: Array<string | null | undefined> = [];
  private readonly encryptions = new Map<number, RecordingEncryption>();

  constructor(
    readonly accountSid: string,
    /** The origin of media URLs Twilio gives for this API host, such as https://api.twilio.com. */
    private readonly mediaOrigin: string,
  ) {}

  get length(): number {
    return this.sids.length;
  }

  /** Keeps the recordings of a list page, in order, as recordingFromApi reads them. */
  static of(accountSid: string, mediaOrigin: string, page: Iterable<ApiRecording>): RecordingColumns {
    const columns = new RecordingColumns(accountSid, mediaOrigin);
    for (const json of page) columns.push(json);
    return columns;
  }

  private push(json: ApiRecording): void {
    const { sid, account_sid: accountSid } = json;
    const index = this.sids.length;
    const duration = Number.parseInt(json.duration ?? '', 10);
    this.sids.push(sid);
    this.accountSids.push(accountSid === this.accountSid ? null : accountSid);
    this.callSids.push(json.call_sid);
    this.conferenceSids.push(json.conference_sid);
    // A recording always has a creation date; the epoch keeps a malformed one out of every age window.
    const created = parseMs(json.date_created);
    this.times.push(Number.isNaN(created) ? 0 : created, parseMs(json.date_updated), parseMs(json.start_time));
    this.durations.push(Number.isFinite(duration) && duration > 0 ? duration : 0);
    this.statuses.push(json.status);
    this.channels.push(json.channels);
    this.sources.push(json.source);
    this.prices.push(json.price);
    this.priceUnits.push(json.price_unit);
    this.errorCodes.push(json.error_code);
    this.uris.push(json.uri === usualUri(accountSid, sid) ? undefined : json.uri);
    this.mediaUrls.push(
      json.media_url === usualMediaUrl(this.mediaOrigin, accountSid, sid) ? undefined : json.media_url,
    );
    const encryption = parseEncryptionDetails(json.encryption_details);
    if (encryption) this.encryptions.set(index, encryption);
  }

  /** When the `index`-th recording was created, in milliseconds. */
  createdMs(index: number): number {
    return this.times[3 * index]!;
  }

  /** The `index`-th recording, the same as recordingFromApi makes it. */
  recording(index: number): Recording {
    const sid = this.sids[index]!;
    const accountSid = this.accountSids[index] ?? this.accountSid;
    const encryption = this.encryptions.get(index);
    const uri = this.uris[index];
    const mediaUrl = this.mediaUrls[index];
    const recording: Recording = {
      sid,
      accountSid,
      callSid: this.callSids[index]!,
      conferenceSid: this.conferenceSids[index]!,
      dateCreated: new Date(this.times[3 * index]!),
      dateUpdated: dateOrNull(this.times[3 * index + 1]!),
      startTime: dateOrNull(this.times[3 * index + 2]!),
      duration: this.durations[index]!,
      status: this.statuses[index]!,
      channels: this.channels[index]!,
      source: this.sources[index]!,
      price: this.prices[index]!,
      priceUnit: this.priceUnits[index]!,
      errorCode: this.errorCodes[index]!,
      uri: uri ?? usualUri(accountSid, sid),
      mediaUrl: mediaUrl === undefined ? usualMediaUrl(this.mediaOrigin, accountSid, sid) : mediaUrl,
    };
    if (encryption) recording.encryption = encryption;
    return recording;
  }

  /** The recordings created after `afterMs`, in order. */
  recordingsAfter(afterMs: number): Recording[] {
    const recordings: Recording[] = [];
    for (let i = 0; i < this.sids.length; i += 1) {
      if (this.createdMs(i) > afterMs) recordings.push(this.recording(i));
    }
    return recordings;
  }
}

/** As recordingFromApi reads a date: NaN for none or a malformed one. */
function parseMs(value: string | null): number {
  return value ? new Date(value).getTime() : Number.NaN;
}

function dateOrNull(ms: number): Date | null {
  return Number.isNaN(ms) ? null : new Date(ms);
}

function usualUri(accountSid: string, sid: string): string {
  return `/2010-04-01/Accounts/${accountSid}/Recordings/${sid}.json`;
}

function usualMediaUrl(origin: string, accountSid: string, sid: string): string {
  return `${origin}/2010-04-01/Accounts/${accountSid}/Recordings/${sid}`;
}
