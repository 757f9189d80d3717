import { RECORDING_ERROR_MEANINGS, type RecordingStatusEvent } from '../callback-event';
import type { RelayedExchange } from '../callback-listener';
import type { CallbackParams } from '../signature';
import { signWebhookRequest, type SignedWebhookRequest, type WebhookMethod } from '../webhook-request';
import { kindOf, KEPT_ANSWER_BYTES, type DownloadOutcome, type EntryKind, type KeptRequest } from './request-history';
import { diagnoseSignature, type SignatureDiagnosis } from './signature-diagnosis';

export interface HandlerExchange {
  request: SignedWebhookRequest;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  bodyCut?: boolean;
  latencyMs: number;
  error?: string;
}

export interface EventSummary {
  status: string;
  recordingSid: string;
  callSid: string | null;
  conferenceSid: string | null;
  accountSid: string;
  duration: number | null;
  errorCode: number | null;
  errorMeaning: string | null;
}

/** Everything the page shows of one request when it is opened. Every string in it may come from outside. */
export interface RequestDetails {
  id: number;
  kind: EntryKind;
  time: string;
  method: string;
  target: string;
  url: string;
  verdict: string;
  /** What the listener answered, or for replays and test events, the handler's status (0 when unreachable). */
  status: number;
  reason?: string;
  warnings: string[];
  event: EventSummary | null;
  params: CallbackParams;
  headers: Record<string, string>;
  body: string;
  rejection?: SignatureDiagnosis;
  handler?: HandlerExchange;
  downloads: readonly DownloadOutcome[];
  curl?: string;
  /** True for verified callbacks, the only ones replayed. */
  replayable: boolean;
  replayOf?: number;
}

/** What the details need beyond the request: the listener's token and address, and what followed. */
export interface DetailsContext {
  /** Undefined when the listener has no token: then no rejection is diagnosed and nothing re-signed. */
  authToken?: string;
  /** The listener's own URL, which a curl command for a callback that was not relayed is signed for. */
  localUrl: string;
  downloads?: readonly DownloadOutcome[];
  answerCut?: boolean;
}

/**
 * The details of a kept request, made when the page opens it: the diagnosis of a rejected signature
 * and the curl command cost a few HMACs each, which no request pays for while it is being relayed.
 */
export function requestDetails(id: number, request: KeptRequest, context: DetailsContext): RequestDetails {
  const kind = kindOf(request);
  const details: RequestDetails = {
    id,
    kind,
    time: request.time.toISOString(),
    method: request.method,
    target: request.target,
    url: request.url,
    verdict: request.verdict,
    status: request.status,
    reason: request.reason,
    warnings: request.warnings,
    event: eventSummary(request.event),
    params: request.params,
    headers: request.headers,
    body: request.body,
    handler: request.relay ? handlerExchange(request.relay, context.answerCut === true) : undefined,
    downloads: context.downloads ?? [],
    replayable: kind === 'callback' && request.verdict === 'accepted',
    replayOf: 'kind' in request ? request.replayOf : undefined,
  };
  const token = context.authToken;
  if (request.verdict === 'rejected' && request.urlsChecked && token) {
    details.rejection = diagnoseSignature(
      token,
      request.headers['x-twilio-signature'],
      request.urlsChecked,
      request.method === 'POST' ? request.params : [],
      request.headers,
    );
  }
  details.curl = curlFor(request, kind, context);
  return details;
}

/** A curl command for a verified callback or the inspector's own: as relayed, or re-signed for the listener. */
function curlFor(request: KeptRequest, kind: EntryKind, context: DetailsContext): string | undefined {
  if (kind !== 'callback') return request.relay ? curlCommand(request.relay.request) : undefined;
  if (request.verdict !== 'accepted') return undefined;
  if (request.relay) return curlCommand(request.relay.request);
  if (!context.authToken) return undefined;
  const method = request.method as WebhookMethod;
  const url = new URL(request.target, context.localUrl).toString();
  return curlCommand(
    signWebhookRequest(method, url, method === 'POST' ? request.params : [], context.authToken, {
      'content-type': 'application/x-www-form-urlencoded',
    }),
  );
}

export function eventSummary(event: RecordingStatusEvent | undefined): EventSummary | null {
  if (!event) return null;
  return {
    status: event.status,
    recordingSid: event.recordingSid,
    callSid: event.callSid,
    conferenceSid: event.conferenceSid,
    accountSid: event.accountSid,
    duration: event.duration,
    errorCode: event.errorCode,
    errorMeaning: event.errorCode === null ? null : (RECORDING_ERROR_MEANINGS[event.errorCode] ?? null),
  };
}

/** A handler exchange as the page shows it: headers flattened, the answer's body as text, cut to a bound. */
export function handlerExchange(relay: RelayedExchange, cut = false): HandlerExchange {
  const exchange: HandlerExchange = { request: relay.request, latencyMs: round(relay.latencyMs), error: relay.error };
  if (relay.answer) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(relay.answer.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    exchange.status = relay.answer.status;
    exchange.headers = headers;
    exchange.body = relay.answer.body.subarray(0, KEPT_ANSWER_BYTES).toString('utf8');
    exchange.bodyCut = cut || relay.answer.body.length > KEPT_ANSWER_BYTES;
  }
  return exchange;
}

/** A request as a curl command line, every part single-quoted for a POSIX shell. */
export function curlCommand(request: SignedWebhookRequest): string {
  const parts = ['curl', '-X', request.method, quote(request.url)];
  for (const [name, value] of Object.entries(request.headers)) parts.push('-H', quote(`${name}: ${value}`));
  if (request.method === 'POST') parts.push('--data-raw', quote(request.body));
  return parts.join(' ');
}

/** True when `text` (lower case) is in the request's method, target, verdict, reason, parameters or answer. */
export function requestMatches(request: KeptRequest, text: string): boolean {
  const has = (value: string) => value.toLowerCase().includes(text);
  if (has(request.method) || has(request.target) || has(request.verdict) || has(String(request.status))) return true;
  if (request.reason !== undefined && has(request.reason)) return true;
  if (request.params.some(([key, value]) => has(`${key}=${value}`))) return true;
  const answer = request.relay?.answer;
  return answer !== undefined && has(answer.body.toString('utf8'));
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
