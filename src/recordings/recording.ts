import { parseEncryptionDetails, type RecordingEncryption } from '../encryption/encryption-details';
import { canonicalApiSid } from '../twilio/sids';

/** Recording statuses as the Recordings API reports them. */
export const RECORDING_STATUSES = [
  'in-progress',
  'paused',
  'stopped',
  'processing',
  'completed',
  'absent',
  'deleted',
] as const;

export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/** A recording resource, with Twilio's strings turned into numbers and dates. */
export interface Recording {
  sid: string;
  accountSid: string;
  callSid: string | null;
  conferenceSid: string | null;
  dateCreated: Date;
  dateUpdated: Date | null;
  startTime: Date | null;
  /** Seconds; 0 when Twilio has none yet. */
  duration: number;
  status: RecordingStatus | string;
  channels: number | null;
  source: string | null;
  price: string | null;
  priceUnit: string | null;
  errorCode: number | null;
  uri: string;
  mediaUrl: string | null;
  /** Set when Voice Recording Encryption encrypted the media: how, or why the details cannot be read. */
  encryption?: RecordingEncryption;
}

/**
 * Whether Twilio holds media for the recording: only a completed one has any (the others are
 * still being made, failed, or are deleted). It is also the one status Twilio can delete, and the
 * one that is stored and billed.
 */
export function hasMedia(recording: Pick<Recording, 'status'>): boolean {
  return recording.status === 'completed';
}

/** The JSON shape of a recording in API 2010-04-01 (snake_case, RFC 2822 dates, duration as a string). */
export interface ApiRecording {
  sid: string;
  account_sid: string;
  call_sid: string | null;
  conference_sid: string | null;
  date_created: string | null;
  date_updated: string | null;
  start_time: string | null;
  duration: string | null;
  status: string;
  channels: number | null;
  source: string | null;
  price: string | null;
  price_unit: string | null;
  error_code: number | null;
  uri: string;
  media_url: string | null;
  encryption_details?: unknown;
}

function parseDate(value: string | null): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A recording from Twilio's JSON, its SIDs in canonical form (see canonicalApiSid). */
export function recordingFromApi(json: ApiRecording): Recording {
  const duration = Number.parseInt(json.duration ?? '', 10);
  return {
    sid: canonicalApiSid(json.sid),
    accountSid: canonicalApiSid(json.account_sid),
    callSid: canonicalApiSid(json.call_sid),
    conferenceSid: canonicalApiSid(json.conference_sid),
    // A recording always has a creation date; the epoch keeps a malformed one out of every age window.
    dateCreated: parseDate(json.date_created) ?? new Date(0),
    dateUpdated: parseDate(json.date_updated),
    startTime: parseDate(json.start_time),
    duration: Number.isFinite(duration) && duration > 0 ? duration : 0,
    status: json.status,
    channels: json.channels,
    source: json.source,
    price: json.price,
    priceUnit: json.price_unit,
    errorCode: json.error_code,
    uri: json.uri,
    mediaUrl: json.media_url,
    ...encryptionOf(json.encryption_details),
  };
}

function encryptionOf(details: unknown): { encryption?: RecordingEncryption } {
  const encryption = parseEncryptionDetails(details);
  return encryption ? { encryption } : {};
}

/** A recording as list and purge print it: its encryption shown as the key SID it names, not as bytes. */
export type RecordingRow = Omit<Recording, 'encryption'> & { encrypted: boolean; keySid: string | null };

export function recordingRow(recording: Recording): RecordingRow {
  const { encryption, ...rest } = recording;
  return { ...rest, encrypted: encryption !== undefined, keySid: encryptionKeySid(recording) };
}

/** Whether a recording is encrypted with another public key than `keySid` (or with details that cannot be read). */
export function encryptedWithOtherKey(recording: Pick<Recording, 'encryption'>, keySid: string): boolean {
  return recording.encryption !== undefined && encryptionKeySid(recording) !== keySid;
}

/** The Public Key SID an encrypted recording names, null when it is not encrypted or its details are unreadable. */
export function encryptionKeySid(recording: Pick<Recording, 'encryption'>): string | null {
  return recording.encryption?.readable ? recording.encryption.keySid : null;
}
