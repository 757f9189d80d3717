import type { Recording } from '../recordings/recording';

/** The object metadata key that holds the SHA-256 of an object's bytes (hex), read back by HEAD. */
export const SHA256_METADATA_KEY = 'sha256';

/** S3 sends user metadata as HTTP headers and keeps at most 2 KB of it. */
const MAX_METADATA_BYTES = 2048;

/**
 * A recording's fields as S3 user metadata (`x-amz-meta-*`), so that an object says what it
 * is without the manifest: sid, account, call, conference, date created, duration, channels,
 * source, and the SHA-256 of the bytes. Values are ASCII: anything else Twilio might send is
 * percent-encoded, since headers cannot carry it.
 */
export function recordingObjectMetadata(recording: Recording, sha256: string): Record<string, string> {
  const fields: Record<string, string | number | null> = {
    sid: recording.sid,
    'account-sid': recording.accountSid,
    'call-sid': recording.callSid,
    'conference-sid': recording.conferenceSid,
    'date-created': recording.dateCreated.toISOString(),
    duration: recording.duration,
    channels: recording.channels,
    source: recording.source,
    [SHA256_METADATA_KEY]: sha256,
  };
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null) metadata[key] = headerSafe(String(value));
  }
  return metadata;
}

/** Whether metadata fits what S3 keeps; `put` refuses more rather than let the store cut it. */
export function metadataFits(metadata: Record<string, string>): boolean {
  const bytes = Object.entries(metadata).reduce((sum, [key, value]) => sum + key.length + value.length, 0);
  return bytes <= MAX_METADATA_BYTES;
}

function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
