import type { ArchiveResult } from '../callback-archiver';
import { RECORDING_ERROR_MEANINGS, type RecordingStatusEvent } from '../callback-event';
import type { ObservedRequest, RelayedExchange } from '../callback-listener';
import type { CallbackParams } from '../signature';
import type { SignedWebhookRequest } from '../webhook-request';
import type { SignatureDiagnosis } from './signature-diagnosis';

/** Requests the inspector keeps by default; older ones are dropped, the counters go on. */
export const DEFAULT_KEPT_REQUESTS = 500;
/** Bytes of a handler's answer kept for the page; the rest is dropped and marked as cut. */
export const KEPT_ANSWER_BYTES = 16 * 1024;

/** How a row came about: a request the listener received, a replay, or a test event sent to the handler. */
export type EntryKind = 'callback' | 'replay' | 'test';

export interface HandlerExchange {
  request: SignedWebhookRequest;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  bodyCut?: boolean;
  latencyMs: number;
  error?: string;
}

export interface DownloadOutcome {
  outcome: ArchiveResult['outcome'];
  path?: string;
  bytes?: number;
  deleted: boolean;
  error?: string;
}

/** One row of the page, with everything its details show. Every string in it may come from outside. */
export interface InspectedEntry {
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
  downloads: DownloadOutcome[];
  curl?: string;
  /** True for verified callbacks, the only ones replayed. */
  replayable: boolean;
  replayOf?: number;
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

export type NewEntry = Omit<InspectedEntry, 'id' | 'downloads'>;

/**
 * The last `limit` requests, newest last, for the page: memory stays bounded however long the
 * listener runs; a download outcome is attached to the newest `completed` row of its recording.
 */
export class RequestHistory {
  private readonly entries = new Map<number, InspectedEntry>();
  private readonly completedRows = new Map<string, number>();
  private nextId = 1;
  private dropped = 0;

  constructor(readonly limit: number = DEFAULT_KEPT_REQUESTS) {}

  add(entry: NewEntry): InspectedEntry {
    const kept: InspectedEntry = { ...entry, id: this.nextId++, downloads: [] };
    this.entries.set(kept.id, kept);
    if (kept.kind === 'callback' && kept.event?.status === 'completed') {
      this.completedRows.set(kept.event.recordingSid, kept.id);
    }
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value as number;
      const gone = this.entries.get(oldest) as InspectedEntry;
      this.entries.delete(oldest);
      if (gone.event && this.completedRows.get(gone.event.recordingSid) === oldest) {
        this.completedRows.delete(gone.event.recordingSid);
      }
      this.dropped += 1;
    }
    return kept;
  }

  /** Attaches a download's outcome to its row; undefined when the row is no longer kept. */
  addDownload(result: ArchiveResult): InspectedEntry | undefined {
    const id = this.completedRows.get(result.recordingSid);
    const entry = id === undefined ? undefined : this.entries.get(id);
    entry?.downloads.push({
      outcome: result.outcome,
      path: result.path,
      bytes: result.bytes,
      deleted: result.deleted,
      error: result.error,
    });
    return entry;
  }

  get(id: number): InspectedEntry | undefined {
    return this.entries.get(id);
  }

  /** Every row kept, oldest first. */
  all(): InspectedEntry[] {
    return [...this.entries.values()];
  }

  /** Rows no longer kept. */
  get droppedCount(): number {
    return this.dropped;
  }
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
export function handlerExchange(relay: RelayedExchange): HandlerExchange {
  const exchange: HandlerExchange = { request: relay.request, latencyMs: round(relay.latencyMs), error: relay.error };
  if (relay.answer) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(relay.answer.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    exchange.status = relay.answer.status;
    exchange.headers = headers;
    exchange.body = relay.answer.body.subarray(0, KEPT_ANSWER_BYTES).toString('utf8');
    exchange.bodyCut = relay.answer.body.length > KEPT_ANSWER_BYTES;
  }
  return exchange;
}

/** The entry of a request the listener answered. */
export function callbackEntry(observed: ObservedRequest): NewEntry {
  return {
    kind: 'callback',
    time: observed.time.toISOString(),
    method: observed.method,
    target: observed.target,
    url: observed.url,
    verdict: observed.verdict,
    status: observed.status,
    reason: observed.reason,
    warnings: observed.warnings,
    event: eventSummary(observed.event),
    // References, not copies: the listener hands these on and keeps none of them.
    params: observed.params,
    headers: observed.headers,
    body: observed.body,
    handler: observed.relay ? handlerExchange(observed.relay) : undefined,
    replayable: observed.verdict === 'accepted',
  };
}

/** A request as a curl command line, every part single-quoted for a POSIX shell. */
export function curlCommand(request: SignedWebhookRequest): string {
  const parts = ['curl', '-X', request.method, quote(request.url)];
  for (const [name, value] of Object.entries(request.headers)) parts.push('-H', quote(`${name}: ${value}`));
  if (request.method === 'POST') parts.push('--data-raw', quote(request.body));
  return parts.join(' ');
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
