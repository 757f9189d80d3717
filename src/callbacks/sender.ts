import { randomBytes } from 'node:crypto';
import { BadInputError, TwilioApiError } from '../errors';
import { printable } from '../text/printable';
import { hasMedia, recordingFromApi, type ApiRecording, type Recording } from '../recordings/recording';
import { parseSid } from '../twilio/sids';
import { recordingPath, type TwilioApi } from '../twilio/twilio-api';
import { CALLBACK_STATUSES, RECORDING_URL_ORIGIN, type CallbackStatus } from './callback-event';
import { readReplayableRequests, type LoggedRequest } from './request-log';
import {
  describeDeliveryError,
  firstLineOf,
  millisecondsSince,
  parseHandlerUrl,
  queryOf,
  signWebhookRequest,
  type WebhookClient,
  type WebhookMethod,
} from './webhook-request';

export type SendEvent = CallbackStatus | 'all';
export const SEND_EVENTS: readonly SendEvent[] = [...CALLBACK_STATUSES, 'all'];

/** One callback to send: what it stands for, and its parameters. */
export interface CallbackToSend {
  /** e.g. `completed`, or `replay 3` */
  label: string;
  method: WebhookMethod;
  params: Array<[string, string]>;
}

/** A recording the callbacks describe: a real one from the API, or a made-up one. */
export interface CallbackRecording {
  accountSid: string;
  sid: string;
  callSid: string | null;
  conferenceSid: string | null;
  durationSeconds: number;
  channels: number;
  source: string;
  startTime: Date;
  /** Voice Recording Encryption's details, sent as the JSON string `EncryptionDetails` when completed. */
  encryptionDetails?: unknown;
}

/** The headers Twilio's callback requests carry besides the signature. */
export const TWILIO_CALLBACK_HEADERS: Readonly<Record<string, string>> = {
  'user-agent': 'TwilioProxy/1.1',
  accept: '*/*',
};

/** The errors Twilio reports with each unsuccessful status. */
const DEFAULT_ERROR_CODES: Record<CallbackStatus, string> = {
  'in-progress': '0',
  completed: '0',
  absent: '16101',
  failed: '16104',
};

export interface CallbackPlanOptions {
  event: SendEvent;
  method: WebhookMethod;
  accountSid: string;
  /** A real recording to describe; otherwise well-formed random ones are made up. */
  recording?: CallbackRecording;
  /** `--param` values: `Key=Value` adds or replaces, `Key` alone removes. */
  overrides?: readonly string[];
  now?: Date;
  randomHex?: (digits: number) => string;
  /** Describe recordings encrypted with Voice Recording Encryption (made-up details for made-up recordings). */
  encrypted?: boolean;
}

/**
 * The callbacks Twilio would send for an event. `all` is the four statuses in the order a call
 * with three recordings would produce them: in-progress then completed for the first recording,
 * then absent (too short) for a second and failed (encryption) for a third, all on one call.
 */
export function planCallbacks(options: CallbackPlanOptions): CallbackToSend[] {
  const randomHex =
    options.randomHex ??
    ((digits: number) =>
      randomBytes(Math.ceil(digits / 2))
        .toString('hex')
        .slice(0, digits));
  const overrides = parseOverrides(options.overrides ?? []);
  const now = options.now ?? new Date();
  const callSid = options.recording ? options.recording.callSid : `CA${randomHex(32)}`;
  const fakeRecording = (durationSeconds: number): CallbackRecording => ({
    accountSid: options.accountSid,
    sid: `RE${randomHex(32)}`,
    callSid,
    conferenceSid: null,
    durationSeconds,
    channels: 2,
    source: 'DialVerb',
    startTime: new Date(Math.floor(now.getTime() / 1000) * 1000 - durationSeconds * 1000),
  });
  const made = fakeRecording(42);
  if (options.encrypted) made.encryptionDetails = fakeEncryptionDetails(randomHex);
  const first = options.recording ?? made;
  const steps: Array<[CallbackStatus, CallbackRecording]> =
    options.event === 'all'
      ? [
          ['in-progress', first],
          ['completed', first],
          ['absent', fakeRecording(0)],
          ['failed', fakeRecording(42)],
        ]
      : [[options.event, first]];
  return steps.map(([status, recording]) => ({
    label: status,
    method: options.method,
    params: applyOverrides(callbackParams(status, recording), overrides),
  }));
}

/** The parameters Twilio sends with a recording status callback, in the order it sends them. */
export function callbackParams(status: CallbackStatus, recording: CallbackRecording): Array<[string, string]> {
  const duration = status === 'in-progress' ? -1 : status === 'absent' ? 0 : recording.durationSeconds;
  const params: Array<[string, string]> = [['AccountSid', recording.accountSid]];
  if (recording.callSid) params.push(['CallSid', recording.callSid]);
  if (recording.conferenceSid) params.push(['ConferenceSid', recording.conferenceSid]);
  params.push(
    ['RecordingSid', recording.sid],
    ['RecordingUrl', `${RECORDING_URL_ORIGIN}${recordingPath(recording.accountSid, recording.sid)}`],
    ['RecordingStatus', status],
    ['RecordingDuration', String(duration)],
    ['RecordingChannels', String(recording.channels)],
    ['RecordingStartTime', rfc2822(recording.startTime)],
    ['RecordingSource', recording.source],
    ['RecordingTrack', 'both'],
    ['ErrorCode', DEFAULT_ERROR_CODES[status]],
  );
  if (hasMedia({ status }) && recording.encryptionDetails) {
    params.push(['EncryptionDetails', JSON.stringify(recording.encryptionDetails)]);
  }
  return params;
}

/**
 * Details shaped as Twilio's tutorial shows them: a content key wrapped for a 2048-bit RSA key (random
 * bytes here, so nobody can decrypt it), a 12-byte IV and a Public Key SID.
 */
function fakeEncryptionDetails(randomHex: (digits: number) => string): Record<string, string> {
  return {
    type: 'rsa-aes',
    public_key_sid: `CR${randomHex(32)}`,
    encrypted_cek: Buffer.from(randomHex(512), 'hex').toString('base64'),
    iv: Buffer.from(randomHex(24), 'hex').toString('base64'),
  };
}

/** A recording from the API as the callbacks would describe it. */
function callbackRecordingFrom(recording: Recording): CallbackRecording {
  return {
    accountSid: recording.accountSid,
    sid: recording.sid,
    callSid: recording.callSid,
    conferenceSid: recording.conferenceSid,
    durationSeconds: recording.duration,
    channels: recording.channels ?? 1,
    source: recording.source ?? 'DialVerb',
    startTime: recording.startTime ?? recording.dateCreated,
    ...(recording.encryption ? { encryptionDetails: recording.encryption.raw } : {}),
  };
}

/** The callbacks of a `listen --log` file, to be re-signed for a new URL: POST bodies or GET queries. */
export function replayCallbacks(requests: readonly LoggedRequest[]): CallbackToSend[] {
  return requests.map((request, index) => {
    const method: WebhookMethod = request.method === 'GET' ? 'GET' : 'POST';
    const params = [...new URLSearchParams(method === 'GET' ? queryOf(request.target) : request.body)];
    const status = params.find(([key]) => key === 'RecordingStatus')?.[1];
    const notes = [status, request.verdict === 'unverified' ? 'unverified' : undefined].filter(Boolean);
    return { label: `replay ${index + 1}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`, method, params };
  });
}

/** How one callback was answered. */
export interface SendResult {
  event: string;
  recordingSid: string | null;
  method: WebhookMethod;
  /** The HTTP status, or null when there was no answer. */
  status: number | null;
  latencyMs: number;
  body: string;
  error?: string;
}

/** Sends the callbacks one after another, as Twilio does for one recording, signed for `url`. */
async function sendCallbacks(
  url: string,
  callbacks: readonly CallbackToSend[],
  authToken: string,
  client: WebhookClient,
): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (const callback of callbacks) {
    const request = signWebhookRequest(callback.method, url, callback.params, authToken, TWILIO_CALLBACK_HEADERS);
    const sent = {
      event: callback.label,
      recordingSid: callback.params.find(([key]) => key === 'RecordingSid')?.[1] ?? null,
      method: callback.method,
    };
    const started = process.hrtime.bigint();
    try {
      const answer = await client.send(request);
      results.push({
        ...sent,
        status: answer.status,
        latencyMs: round(answer.latencyMs),
        body: firstLineOf(answer.body),
      });
    } catch (error) {
      const latencyMs = round(millisecondsSince(started));
      results.push({ ...sent, status: null, latencyMs, body: '', error: describeDeliveryError(error) });
    }
  }
  return results;
}

type Override = { key: string; value: string | undefined };

function parseOverrides(texts: readonly string[]): Override[] {
  return texts.map((text) => {
    const equals = text.indexOf('=');
    const key = equals >= 0 ? text.slice(0, equals) : text;
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(key)) {
      throw new BadInputError(
        `Invalid --param "${printable(text)}": use Key=Value to add or replace a parameter, or Key alone to leave it out, e.g. --param ErrorCode=16102.`,
      );
    }
    return { key, value: equals >= 0 ? text.slice(equals + 1) : undefined };
  });
}

function applyOverrides(params: Array<[string, string]>, overrides: readonly Override[]): Array<[string, string]> {
  let result = params;
  for (const { key, value } of overrides) {
    const at = result.findIndex(([name]) => name === key);
    result = result.filter(([name]) => name !== key);
    if (value === undefined) continue;
    if (at >= 0) result.splice(at, 0, [key, value]);
    else result.push([key, value]);
  }
  return result;
}

/** Twilio's date form: `Tue, 14 Jan 2026 09:30:00 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export interface SendCommandOptions {
  /** The URL as the user typed it. */
  url: string;
  event: string;
  method: string;
  /** Describe this real recording (fetched from the API) instead of made-up ones. */
  recordingSid?: string;
  params: readonly string[];
  /** Resend the callbacks of a `listen --log` file instead. */
  replayFile?: string;
  /** With `replayFile`, also resend the requests `listen --no-verify` took unchecked. */
  includeUnverified?: boolean;
  /** Describe encrypted recordings: completed callbacks carry `EncryptionDetails`. */
  encrypted?: boolean;
  authToken: string;
}

export interface SendDependencies {
  api: Pick<TwilioApi, 'accountSid' | 'getJson'>;
  client: WebhookClient;
  /** Told what was left out of a replay. */
  warn?(message: string): void;
}

/** Checks the options, builds the callbacks, sends them signed for the URL, and returns how each was answered. */
export async function sendRecordingCallbacks(
  options: SendCommandOptions,
  deps: SendDependencies,
): Promise<SendResult[]> {
  const url = parseHandlerUrl(options.url, 'URL');
  const method = options.method.toUpperCase();
  if (method !== 'POST' && method !== 'GET')
    throw new BadInputError(`Invalid --method "${printable(options.method)}": use POST or GET.`);
  if (!(SEND_EVENTS as readonly string[]).includes(options.event)) {
    throw new BadInputError(`Invalid --event "${printable(options.event)}": use one of ${SEND_EVENTS.join(', ')}.`);
  }
  let callbacks: CallbackToSend[];
  if (options.replayFile) {
    callbacks = await replayLog(options.replayFile, options.includeUnverified ?? false, deps.warn);
  } else {
    const recording = options.recordingSid ? await fetchCallbackRecording(deps.api, options.recordingSid) : undefined;
    if (recording && options.encrypted && !recording.encryptionDetails) {
      throw new BadInputError(
        `Recording ${recording.sid} is not encrypted: leave out --encrypted, or leave out --recording-sid to describe a made-up encrypted recording.`,
      );
    }
    callbacks = planCallbacks({
      encrypted: options.encrypted,
      event: options.event as SendEvent,
      method,
      accountSid: deps.api.accountSid,
      recording,
      overrides: options.params,
    });
  }
  return sendCallbacks(url, callbacks, options.authToken, deps.client);
}

/** The callbacks of a `listen --log` file to resend; says what it leaves out, and refuses a file with nothing to send. */
async function replayLog(
  path: string,
  includeUnverified: boolean,
  warn: (message: string) => void = () => undefined,
): Promise<CallbackToSend[]> {
  const { requests, unverifiedLeftOut } = await readReplayableRequests(path, { includeUnverified });
  const leftOut =
    unverifiedLeftOut > 0
      ? `${unverifiedLeftOut} unverified (taken with --no-verify) left out; add --include-unverified to resend them`
      : '';
  if (requests.length === 0) {
    throw new BadInputError(
      `--replay file "${printable(path)}" holds no verified callbacks to resend${leftOut ? `: ${leftOut}.` : '.'}`,
    );
  }
  if (leftOut) warn(`Replaying ${requests.length} verified callbacks of "${printable(path)}"; ${leftOut}.`);
  return replayCallbacks(requests);
}

/** A real recording of the profile's account, as its callbacks would describe it. */
async function fetchCallbackRecording(
  api: Pick<TwilioApi, 'accountSid' | 'getJson'>,
  recordingSidAsWritten: string,
): Promise<CallbackRecording> {
  const recordingSid = parseSid('recording', recordingSidAsWritten, '--recording-sid');
  try {
    const json = await api.getJson<ApiRecording>(`${recordingPath(api.accountSid, recordingSid)}.json`);
    return callbackRecordingFrom(recordingFromApi(json));
  } catch (error) {
    if (error instanceof TwilioApiError && error.httpStatus === 404) {
      throw new BadInputError(
        `Recording ${recordingSid} was not found in account ${api.accountSid}: check the sid with "twilio recordings:list".`,
      );
    }
    throw error;
  }
}

/** Why the run failed (some answer was not 2xx, or never came), or undefined when every answer was 2xx. */
export function sendFailure(url: string, results: readonly SendResult[]): string | undefined {
  const unanswered = results.filter((result) => result.status === null);
  const refused = results.filter((result) => result.status !== null && (result.status < 200 || result.status > 299));
  if (unanswered.length === 0 && refused.length === 0) return undefined;
  if (unanswered.length === results.length) {
    return printable(
      `Could not reach ${url} (${unanswered[0]?.error}): check that your handler is running and the URL is right.`,
    );
  }
  const parts: string[] = [];
  if (refused.length > 0)
    parts.push(
      `${refused.length} answered with a non-2xx status (${[...new Set(refused.map((r) => r.status))].join(', ')})`,
    );
  if (unanswered.length > 0) parts.push(`${unanswered.length} got no answer (${unanswered[0]?.error})`);
  return printable(`${parts.join(' and ')} of ${results.length} callbacks sent to ${url}.`);
}
