import { printable, printableClip } from '../text/printable';
import { canonicalSid } from '../twilio/sids';
import { recordingPath } from '../twilio/twilio-api';
import type { CallbackParams } from './signature';

/** Where a genuine RecordingUrl points: Twilio names its main API host there. */
export const RECORDING_URL_ORIGIN = 'https://api.twilio.com';

/** The recording statuses a Recording Status Callback reports, in the order Twilio sends them. */
export const CALLBACK_STATUSES = ['in-progress', 'completed', 'absent', 'failed'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/** What Twilio's recording error codes mean, as shown next to an event. */
export const RECORDING_ERROR_MEANINGS: Readonly<Record<number, string>> = {
  16101: 'recording too short',
  16102: 'recording silent, no audio',
  16104: 'recording encryption failed',
};

/** A recording status callback, its well-known parameters typed; `params` keeps every one that arrived. */
export interface RecordingStatusEvent {
  accountSid: string;
  callSid: string | null;
  conferenceSid: string | null;
  recordingSid: string;
  recordingUrl: string | null;
  status: string;
  /** Seconds; null when absent or not a number (Twilio sends -1 while in progress). */
  duration: number | null;
  channels: number | null;
  source: string | null;
  startTime: string | null;
  /** Null when Twilio sent none or 0. */
  errorCode: number | null;
  track: string | null;
  params: Record<string, string>;
}

export type ParsedCallback = { ok: true; event: RecordingStatusEvent } | { ok: false; problem: string };

/** Describes an error code for people: `16101 (recording too short)`. */
export function describeErrorCode(code: number): string {
  const meaning = RECORDING_ERROR_MEANINGS[code];
  return meaning ? `${code} (${meaning})` : String(code);
}

/**
 * Reads a recording status callback's parameters, refusing anything that is not one: sids must be
 * well formed, since they end up in API paths and file names, and are kept in canonical form.
 */
export function parseRecordingStatusCallback(pairs: CallbackParams): ParsedCallback {
  const params: Record<string, string> = {};
  for (const [key, value] of pairs) if (!(key in params)) params[key] = value;
  const accountSid = canonicalSid('account', params.AccountSid);
  const recordingSid = canonicalSid('recording', params.RecordingSid);
  const callSid = params.CallSid ? canonicalSid('call', params.CallSid) : null;
  const conferenceSid = params.ConferenceSid ? canonicalSid('conference', params.ConferenceSid) : null;
  const status = params.RecordingStatus;
  if (!accountSid) return { ok: false, problem: describeBadSid('AccountSid', params.AccountSid) };
  if (!recordingSid) return { ok: false, problem: describeBadSid('RecordingSid', params.RecordingSid) };
  if (callSid === undefined) return { ok: false, problem: describeBadSid('CallSid', params.CallSid) };
  if (conferenceSid === undefined) return { ok: false, problem: describeBadSid('ConferenceSid', params.ConferenceSid) };
  if (!status || !/^[a-z][a-z-]{0,31}$/.test(status)) {
    return {
      ok: false,
      problem: status ? `RecordingStatus "${printableClip(status, 40)}" is not a status` : 'RecordingStatus is missing',
    };
  }
  const errorCode = integerOrNull(params.ErrorCode);
  return {
    ok: true,
    event: {
      accountSid,
      callSid,
      conferenceSid,
      recordingSid,
      recordingUrl: params.RecordingUrl || null,
      status,
      duration: integerOrNull(params.RecordingDuration),
      channels: integerOrNull(params.RecordingChannels),
      source: params.RecordingSource || null,
      startTime: params.RecordingStartTime || null,
      errorCode: errorCode === 0 ? null : errorCode,
      track: params.RecordingTrack || null,
      params,
    },
  };
}

/** The API path of a recording, without extension, as RecordingUrl names it. */

/** Why a callback's RecordingUrl is not one Twilio would send, or undefined when it is. */
export function recordingUrlProblem(
  event: RecordingStatusEvent,
  allowedOrigins: readonly string[],
): string | undefined {
  if (!event.recordingUrl) return undefined;
  let url: URL;
  try {
    url = new URL(event.recordingUrl);
  } catch {
    return 'RecordingUrl is not a URL; it is not used';
  }
  if (!allowedOrigins.includes(url.origin)) {
    // A URL without a host (javascript:, data:, file:) is named by its scheme and start, made printable.
    const where =
      url.host === '' ? `a ${url.protocol} URL ("${printableClip(event.recordingUrl, 60)}")` : printable(url.host);
    return `RecordingUrl points at ${where}, not at Twilio's API; it is not used (recordings are fetched by sid from the API)`;
  }
  if (url.pathname.replace(/\.(wav|mp3|json)$/, '') !== recordingPath(event.accountSid, event.recordingSid)) {
    return `RecordingUrl does not name recording ${event.recordingSid} of ${event.accountSid}; it is not used`;
  }
  return undefined;
}

/** A time as report lines show it: ISO 8601 to the second. */
export function formatTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One readable line for an event: time, status, sids, duration, channels, source and any error; always one line. */
export function formatEventLine(event: RecordingStatusEvent, receivedAt: Date): string {
  const parts = [
    formatTime(receivedAt),
    event.status.padEnd(11),
    event.recordingSid,
    event.callSid ? `call ${event.callSid}` : event.conferenceSid ? `conference ${event.conferenceSid}` : 'no call',
    event.duration !== null && event.duration >= 0 ? `${event.duration}s` : '-',
    event.channels !== null ? `${event.channels}ch` : '-',
    event.source === null ? '-' : printable(event.source),
  ];
  if (event.errorCode !== null) parts.push(`error ${describeErrorCode(event.errorCode)}`);
  return parts.join('  ');
}

function integerOrNull(text: string | undefined): number | null {
  if (text === undefined || !/^-?\d{1,9}$/.test(text.trim())) return null;
  return Number(text.trim());
}

function describeBadSid(name: string, value: string | undefined): string {
  return value === undefined || value === ''
    ? `${name} is missing`
    : `${name} "${printableClip(value, 40)}" is not a well-formed sid`;
}
