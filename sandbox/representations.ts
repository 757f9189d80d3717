import type { Account, ApiKey } from './accounts';
import { rfc2822 } from './dates';
import type { Recording } from './recording-store';

/** The JSON bodies the sandbox sends, in Twilio's field names and order. */

export const API_BASE = '/2010-04-01';
const PUBLIC_ORIGIN = 'https://api.twilio.com';

export interface TwilioError {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export function twilioError(status: number, code: number, message: string): TwilioError {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function commonRecordingFields(recording: Recording) {
  return {
    account_sid: recording.accountSid,
    api_version: '2010-04-01',
    call_sid: recording.callSid,
    conference_sid: recording.conferenceSid,
    date_created: rfc2822(recording.dateCreatedMs),
    date_updated: rfc2822(recording.dateUpdatedMs),
    start_time: rfc2822(recording.startTimeMs),
    duration: String(recording.durationSeconds),
    sid: recording.sid,
    price: recording.price,
    price_unit: recording.priceUnit,
    status: recording.status,
    channels: recording.channels,
    source: recording.source,
    error_code: recording.errorCode,
  };
}

/** `api.v2010.account.recording` */
export function recordingJson(recording: Recording, mediaOrigin: string = PUBLIC_ORIGIN) {
  const base = `${API_BASE}/Accounts/${recording.accountSid}/Recordings/${recording.sid}`;
  return {
    ...commonRecordingFields(recording),
    uri: `${base}.json`,
    encryption_details: recording.encryptionDetails,
    subresource_uris: {
      add_on_results: `${base}/AddOnResults.json`,
      transcriptions: `${base}/Transcriptions.json`,
    },
    media_url: `${mediaOrigin}${base}`,
  };
}

/** `api.v2010.account.call.call_recording`: no media_url or subresource_uris, but a track. */
export function callRecordingJson(recording: Recording) {
  return {
    ...commonRecordingFields(recording),
    uri: `${API_BASE}/Accounts/${recording.accountSid}/Calls/${recording.callSid}/Recordings/${recording.sid}.json`,
    encryption_details: recording.encryptionDetails,
    track: recording.track,
  };
}

/** `api.v2010.account.conference.conference_recording` */
export function conferenceRecordingJson(recording: Recording) {
  return {
    ...commonRecordingFields(recording),
    encryption_details: recording.encryptionDetails,
    uri: `${API_BASE}/Accounts/${recording.accountSid}/Conferences/${recording.conferenceSid}/Recordings/${recording.sid}.json`,
  };
}

const ACCOUNT_SUBRESOURCES = [
  ['available_phone_numbers', 'AvailablePhoneNumbers'],
  ['calls', 'Calls'],
  ['conferences', 'Conferences'],
  ['incoming_phone_numbers', 'IncomingPhoneNumbers'],
  ['notifications', 'Notifications'],
  ['outgoing_caller_ids', 'OutgoingCallerIds'],
  ['recordings', 'Recordings'],
  ['transcriptions', 'Transcriptions'],
  ['addresses', 'Addresses'],
  ['signing_keys', 'SigningKeys'],
  ['connect_apps', 'ConnectApps'],
  ['sip', 'SIP'],
  ['authorized_connect_apps', 'AuthorizedConnectApps'],
  ['usage', 'Usage'],
  ['keys', 'Keys'],
  ['applications', 'Applications'],
  ['short_codes', 'SMS/ShortCodes'],
  ['queues', 'Queues'],
  ['messages', 'Messages'],
  ['balance', 'Balance'],
] as const;

/** `api.v2010.account` */
export function accountJson(account: Account) {
  const base = `${API_BASE}/Accounts/${account.sid}`;
  return {
    auth_token: account.authToken,
    date_created: rfc2822(account.createdMs),
    date_updated: rfc2822(account.createdMs),
    friendly_name: account.friendlyName,
    owner_account_sid: account.ownerAccountSid,
    sid: account.sid,
    status: account.status,
    subresource_uris: Object.fromEntries(ACCOUNT_SUBRESOURCES.map(([name, path]) => [name, `${base}/${path}.json`])),
    type: account.type,
    uri: `${base}.json`,
  };
}

/** `api.v2010.account.new_key`: the only time the secret is shown. */
export function newKeyJson(key: ApiKey) {
  return {
    sid: key.sid,
    friendly_name: key.friendlyName,
    date_created: rfc2822(key.createdMs),
    date_updated: rfc2822(key.createdMs),
    secret: key.secret,
  };
}

export interface PageEnvelopeInput {
  /** Name of the array field: `recordings`, `accounts`. */
  key: string;
  items: unknown[];
  /** Path without query, e.g. /2010-04-01/Accounts/AC.../Recordings.json */
  path: string;
  /** Filters to repeat in every page link, in the order the client sent them. */
  filters: [string, string][];
  page: number;
  pageSize: number;
  /** PageToken the client sent for this page, if any. */
  pageToken?: string;
  nextPageToken?: string;
  previousPageToken?: string;
  hasPrevious: boolean;
}

function pageUri(path: string, filters: [string, string][], pageSize: number, page: number, token?: string): string {
  const params = new URLSearchParams(filters);
  params.set('PageSize', String(pageSize));
  params.set('Page', String(page));
  if (token) params.set('PageToken', token);
  return `${path}?${params.toString()}`;
}

export function pageEnvelope(input: PageEnvelopeInput) {
  const start = input.page * input.pageSize;
  const count = input.items.length;
  return {
    [input.key]: input.items,
    end: count > 0 ? start + count - 1 : start,
    first_page_uri: pageUri(input.path, input.filters, input.pageSize, 0),
    next_page_uri:
      input.nextPageToken === undefined
        ? null
        : pageUri(input.path, input.filters, input.pageSize, input.page + 1, input.nextPageToken),
    page: input.page,
    page_size: input.pageSize,
    previous_page_uri:
      input.hasPrevious && input.page > 0
        ? pageUri(input.path, input.filters, input.pageSize, input.page - 1, input.previousPageToken)
        : null,
    start,
    uri: pageUri(input.path, input.filters, input.pageSize, input.page, input.pageToken),
  };
}
