import { rfc2822 } from './dates';
import type { Recording } from './recording-store';

/** Legacy transcriptions (`<Record transcribe="true">`): in progress, completed or failed. */
export type TranscriptionStatus = 'in-progress' | 'completed' | 'failed';

/** A transcription's sid is its recording's with TR in front: each recording has at most one. */
export function transcriptionSid(recordingSid: string): string {
  return `TR${recordingSid.slice(2)}`;
}

export function recordingSidOfTranscription(transcriptionSid: string): string {
  return `RE${transcriptionSid.slice(2)}`;
}

/**
 * The transcription of a recording, derived from its sid so that seeded and added recordings both
 * have a stable one: recordings of 5 seconds or more that were completed have one, mostly
 * completed, some still in progress, some failed. A recording deleted while its transcription was
 * in progress leaves it failed with warning 13618, as Twilio does.
 */
export function transcriptionOf(recording: Recording): TranscriptionStatus | undefined {
  if (recording.status !== 'completed' && recording.status !== 'deleted') return undefined;
  if (recording.durationSeconds < 5) return undefined;
  const digit = Number.parseInt(recording.sid.slice(-1), 16);
  const status: TranscriptionStatus = digit >= 14 ? 'failed' : digit >= 12 ? 'in-progress' : 'completed';
  return status === 'in-progress' && recording.status === 'deleted' ? 'failed' : status;
}

export function transcriptionJson(recording: Recording, status: TranscriptionStatus) {
  const sid = transcriptionSid(recording.sid);
  const deletedFirst = status === 'failed' && recording.status === 'deleted';
  return {
    account_sid: recording.accountSid,
    api_version: '2010-04-01',
    date_created: rfc2822(recording.dateCreatedMs),
    date_updated: rfc2822(recording.dateUpdatedMs),
    duration: String(recording.durationSeconds),
    price: status === 'completed' ? '-0.05000' : null,
    price_unit: 'USD',
    recording_sid: recording.sid,
    sid,
    status,
    transcription_text: status === 'completed' ? `Transcription of ${recording.sid}.` : null,
    type: 'fast',
    error_code: deletedFirst ? 13618 : status === 'failed' ? 13617 : null,
    uri: `/2010-04-01/Accounts/${recording.accountSid}/Transcriptions/${sid}.json`,
  };
}
