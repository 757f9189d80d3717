import { parseEncryptionDetails, type RecordingEncryption } from '../encryption/encryption-details';
import { canonicalApiSid } from '../twilio/sids';
import type { ApiRecording, Recording } from './recording';

/** How a field is written: each value is one of these bytes, then its bytes if it has any. */
const NULL = 0;
const MISSING = 1;
/** A string of characters below 256: a 32-bit length, then a byte a character. */
const LATIN1 = 2;
/** Any other string: a 32-bit length in bytes, then UTF-16 code units, lone surrogates and all. */
const UTF16 = 3;
const NUMBER = 4;
const TRUE = 5;
const FALSE = 6;
/** Anything else JSON can hold (an object or an array): its JSON text, as UTF16 is written. */
const JSON_TEXT = 7;
/** The value a field usually has, which the reader rebuilds: the page's account, the usual uri or media URL. */
const USUAL = 8;

/** Bytes a recording usually takes, to size a new buffer. */
const BYTES_PER_RECORDING = 256;

/** Buffers of pages handed on, lent again to the next pages. */
const spareBuffers: Buffer[] = [];
/** Spare buffers kept: about as many as pages are held at once. */
const MAX_SPARE_BUFFERS = 64;

/**
 * A page of recordings held compactly while it waits its turn: each recording's fields written
 * one after another into one buffer lent from those of pages handed on before, times as numbers,
 * and no account, `uri` or `media_url` kept where it is the usual one. A page waits for seconds,
 * longer than the heap's young generation keeps anything, so held as JavaScript strings and arrays
 * it moved to the old generation and stayed there, dead, until a full collection; V8 lets the old
 * generation grow to several times what is live before one. Held in reused buffers, a waiting page
 * leaves nothing behind, and its Recording objects, made only when it is handed on, die young.
 */
export class RecordingColumns {
  private bytes: Buffer;
  private size = 0;
  /** Where each recording starts in `bytes`. */
  private readonly starts: number[] = [];
  private readonly encryptions = new Map<number, RecordingEncryption>();

  constructor(
    readonly accountSid: string,
    /** The origin of media URLs Twilio gives for this API host, such as https://api.twilio.com. */
    private readonly mediaOrigin: string,
    expectedRecordings = 0,
  ) {
    this.bytes = lendBuffer(Math.max(expectedRecordings, 1) * BYTES_PER_RECORDING);
  }

  get length(): number {
    return this.starts.length;
  }

  /** Keeps the recordings of a list page, in order, as recordingFromApi reads them. */
  static of(accountSid: string, mediaOrigin: string, page: Iterable<ApiRecording>): RecordingColumns {
    const columns = new RecordingColumns(accountSid, mediaOrigin, Array.isArray(page) ? page.length : 1000);
    for (const json of page) columns.push(json);
    return columns;
  }

  /** Gives the buffer back for the next page: nothing may be read from these columns after. */
  release(): void {
    giveBack(this.bytes);
    this.bytes = Buffer.alloc(0);
    this.size = 0;
    this.starts.length = 0;
    this.encryptions.clear();
  }

  private push(json: ApiRecording): void {
    // SIDs in canonical form, as recordingFromApi gives them.
    const sid = canonicalApiSid(json.sid);
    const accountSid = canonicalApiSid(json.account_sid);
    this.starts.push(this.size);
    const duration = Number.parseInt(json.duration ?? '', 10);
    const created = parseMs(json.date_created);
    // A recording always has a creation date; the epoch keeps a malformed one out of every age window.
    this.writeNumber(Number.isNaN(created) ? 0 : created);
    this.writeNumber(parseMs(json.date_updated));
    this.writeNumber(parseMs(json.start_time));
    this.writeNumber(Number.isFinite(duration) && duration > 0 ? duration : 0);
    this.write(sid);
    if (accountSid === this.accountSid) this.writeTag(USUAL);
    else this.write(accountSid);
    this.write(canonicalApiSid(json.call_sid));
    this.write(canonicalApiSid(json.conference_sid));
    this.write(json.status);
    this.write(json.channels);
    this.write(json.source);
    this.write(json.price);
    this.write(json.price_unit);
    this.write(json.error_code);
    if (json.uri === usualUri(accountSid, sid)) this.writeTag(USUAL);
    else this.write(json.uri);
    if (json.media_url === usualMediaUrl(this.mediaOrigin, accountSid, sid)) this.writeTag(USUAL);
    else this.write(json.media_url);
    const encryption = parseEncryptionDetails(json.encryption_details);
    if (encryption) this.encryptions.set(this.starts.length - 1, encryption);
  }

  /** When the `index`-th recording was created, in milliseconds. */
  createdMs(index: number): number {
    return this.bytes.readDoubleLE(this.starts[index]!);
  }

  /** The `index`-th recording, the same as recordingFromApi makes it. */
  recording(index: number): Recording {
    const reader = new FieldReader(this.bytes, this.starts[index]!);
    const created = reader.number();
    const updated = reader.number();
    const start = reader.number();
    const duration = reader.number();
    const sid = reader.value() as string;
    const accountSidField = reader.value();
    const accountSid = accountSidField === USUAL_VALUE ? this.accountSid : (accountSidField as string);
    const recording: Recording = {
      sid,
      accountSid,
      callSid: reader.value() as string | null,
      conferenceSid: reader.value() as string | null,
      dateCreated: new Date(created),
      dateUpdated: dateOrNull(updated),
      startTime: dateOrNull(start),
      duration,
      status: reader.value() as string,
      channels: reader.value() as number | null,
      source: reader.value() as string | null,
      price: reader.value() as string | null,
      priceUnit: reader.value() as string | null,
      errorCode: reader.value() as number | null,
      uri: '',
      mediaUrl: null,
    };
    const uri = reader.value();
    recording.uri = uri === USUAL_VALUE ? usualUri(accountSid, sid) : (uri as string);
    const mediaUrl = reader.value();
    recording.mediaUrl =
      mediaUrl === USUAL_VALUE ? usualMediaUrl(this.mediaOrigin, accountSid, sid) : (mediaUrl as string | null);
    const encryption = this.encryptions.get(index);
    if (encryption) recording.encryption = encryption;
    return recording;
  }

  /** The recordings created at or after `fromMs` and before `beforeMs` (either open when undefined), in order. */
  recordingsWithin(fromMs: number | undefined, beforeMs: number | undefined): Recording[] {
    const recordings: Recording[] = [];
    for (let i = 0; i < this.starts.length; i += 1) {
      const created = this.createdMs(i);
      if ((fromMs === undefined || created >= fromMs) && (beforeMs === undefined || created < beforeMs)) {
        recordings.push(this.recording(i));
      }
    }
    return recordings;
  }

  private room(bytes: number): void {
    if (this.size + bytes <= this.bytes.length) return;
    const larger = lendBuffer(Math.max(2 * this.bytes.length, this.size + bytes));
    this.bytes.copy(larger, 0, 0, this.size);
    giveBack(this.bytes);
    this.bytes = larger;
  }

  private writeTag(tag: number): void {
    this.room(1);
    this.bytes[this.size] = tag;
    this.size += 1;
  }

  private writeNumber(value: number): void {
    this.room(8);
    this.size = this.bytes.writeDoubleLE(value, this.size);
  }

  private write(value: unknown): void {
    if (value === null) this.writeTag(NULL);
    else if (value === undefined) this.writeTag(MISSING);
    else if (value === true) this.writeTag(TRUE);
    else if (value === false) this.writeTag(FALSE);
    else if (typeof value === 'number') {
      this.writeTag(NUMBER);
      this.writeNumber(value);
    } else if (typeof value === 'string') this.writeString(value);
    else this.writeUtf16(JSON_TEXT, JSON.stringify(value));
  }

  /** A byte a character where every character is below 256, as nearly all of Twilio's are; else UTF-16. */
  private writeString(value: string): void {
    const length = value.length;
    this.room(5 + length);
    const bytes = this.bytes;
    const start = this.size + 5;
    for (let i = 0; i < length; i += 1) {
      const code = value.charCodeAt(i);
      if (code > 0xff) {
        this.writeUtf16(UTF16, value);
        return;
      }
      bytes[start + i] = code;
    }
    bytes[this.size] = LATIN1;
    bytes.writeUInt32LE(length, this.size + 1);
    this.size = start + length;
  }

  private writeUtf16(tag: typeof UTF16 | typeof JSON_TEXT, text: string): void {
    const length = 2 * text.length;
    this.room(5 + length);
    this.bytes[this.size] = tag;
    this.bytes.writeUInt32LE(length, this.size + 1);
    this.size += 5 + this.bytes.write(text, this.size + 5, length, 'utf16le');
  }
}

/** What FieldReader.value gives for a field written as USUAL. */
const USUAL_VALUE = Symbol('usual');

/** Reads back, in order, the fields of one recording as RecordingColumns wrote them. */
class FieldReader {
  constructor(
    private readonly bytes: Buffer,
    private at: number,
  ) {}

  number(): number {
    const value = this.bytes.readDoubleLE(this.at);
    this.at += 8;
    return value;
  }

  value(): unknown {
    const tag = this.bytes[this.at]!;
    this.at += 1;
    switch (tag) {
      case NULL:
        return null;
      case MISSING:
        return undefined;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case NUMBER:
        return this.number();
      case USUAL:
        return USUAL_VALUE;
      default: {
        const length = this.bytes.readUInt32LE(this.at);
        const start = this.at + 4;
        this.at = start + length;
        const text = this.bytes.toString(tag === LATIN1 ? 'latin1' : 'utf16le', start, start + length);
        return tag === JSON_TEXT ? JSON.parse(text) : text;
      }
    }
  }
}

function lendBuffer(size: number): Buffer {
  const index = spareBuffers.findIndex((buffer) => buffer.length >= size);
  if (index >= 0) return spareBuffers.splice(index, 1)[0]!;
  return Buffer.allocUnsafeSlow(size);
}

function giveBack(buffer: Buffer): void {
  if (buffer.length > 0 && spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
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
