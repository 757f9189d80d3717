import { parseRecordingStatusCallback, recordingUrlProblem, type RecordingStatusEvent } from './callback-event';
import type { ArchiveResult, CallbackArchiver } from './callback-archiver';
import { CallbackServer, type CallbackReply, type IncomingCallback } from './callback-server';
import type { CallbackForwarder } from './forwarder';
import {
  isCallbackVerdict,
  type ForwardOutcome,
  type ListenerReport,
  type RequestReport,
  type Verdict,
} from './listener-report';
import type { RequestLog } from './request-log';
import { hasMedia } from '../recordings/recording';
import { isValidTwilioSignature, type CallbackParams } from './signature';
import { isLoopbackHostname, localOrigin, type LocalAddress, type Tunnel, type TunnelOpener } from './tunnel';
import {
  describeDeliveryError,
  firstLineOf,
  flatHeaders,
  FORM_CONTENT_TYPE,
  millisecondsSince,
  queryOf,
  type SignedWebhookRequest,
  type WebhookAnswer,
  type WebhookMethod,
} from './webhook-request';

export interface CallbackListenerOptions {
  host: string;
  port: number;
  /** The path callbacks arrive at, e.g. /recording-status. */
  path: string;
  maxBodyBytes?: number;
  /** Verifies X-Twilio-Signature with this token; undefined turns verification off. */
  authToken?: string;
  accounts: { isOwnAccount(accountSid: string): Promise<boolean> };
  /** Origins a genuine RecordingUrl may have (api.twilio.com and the profile's API host). */
  recordingUrlOrigins: readonly string[];
  tunnel: TunnelOpener;
  report: ListenerReport;
  forwarder?: CallbackForwarder;
  archiver?: CallbackArchiver;
  log?: RequestLog;
  clock?: () => Date;
  /** Told of every archive's result, whatever started it. */
  onArchived?: (result: ArchiveResult) => void;
  /** Answers GET /healthz (never counted, logged or reported, so a load balancer can poll it). */
  health?: () => CallbackReply;
}

/** Where the listener answers health checks, whatever --path is. */
export const HEALTH_PATH = '/healthz';

/** What started an archive: a callback, or a catch-up scan that found the recording missing. */
export type ArchiveTrigger = 'callback' | 'catch-up';

/** What the listener saw, for the summary printed when it stops. */
export interface ListenerTally {
  received: number;
  verified: number;
  unverified: number;
  rejected: number;
  ignored: number;
  forwarded: number;
  forwardFailed: number;
  downloaded: number;
  downloadFailed: number;
  deleted: number;
}

/** A tally of nothing seen yet. */
export function emptyListenerTally(): ListenerTally {
  return {
    received: 0,
    verified: 0,
    unverified: 0,
    rejected: 0,
    ignored: 0,
    forwarded: 0,
    forwardFailed: 0,
    downloaded: 0,
    downloadFailed: 0,
    deleted: 0,
  };
}

/** Everything the listener knows of one request once it is answered, for an observer such as the inspector. */
export interface ObservedRequest extends RequestReport {
  /** The URL Twilio called, as the listener rebuilds it. */
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The parameters it carried (a POST's body, a GET's query), in order. */
  params: CallbackParams;
  /** For a signature that matched none: the URLs whose forms were checked. */
  urlsChecked?: string[];
  /** The request relayed to the handler, as sent, and the handler's full answer. */
  relay?: RelayedExchange;
}

/** A request sent to the handler and what came of it. */
export interface RelayedExchange {
  request: SignedWebhookRequest;
  answer?: WebhookAnswer;
  error?: string;
  latencyMs: number;
}

/**
 * Told of every request answered and every download finished, after the report. The observer may
 * keep what it is handed: the listener keeps no reference to it.
 */
export interface ListenerObserver {
  request(observed: ObservedRequest): void;
  download(result: ArchiveResult): void;
}

interface Judgement {
  status: number;
  verdict: Verdict;
  reason?: string;
  event?: RecordingStatusEvent;
  /** Something odd about a callback that was still taken. */
  warning?: string;
  /** The URLs checked for a signature that matched none of them. */
  urlsChecked?: string[];
}

/**
 * Receives recording status callbacks: checks each one's signature against the public URL Twilio
 * called, turns it into an event, and hands it to the chosen actions (report, forward, archive, log).
 */
export class CallbackListener {
  readonly tally: ListenerTally = emptyListenerTally();
  private readonly server: CallbackServer;
  private readonly archives = new Map<string, Promise<ArchiveResult>>();
  /** When the last request taken as a callback arrived. */
  lastCallbackAt: Date | undefined;
  private readonly clock: () => Date;
  private local: LocalAddress | undefined;
  private tunnel: Tunnel | undefined;
  private observer: ListenerObserver | undefined;

  private constructor(private readonly options: CallbackListenerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.server = new CallbackServer({
      host: options.host,
      port: options.port,
      maxBodyBytes: options.maxBodyBytes,
      clock: this.clock,
      handle: (request) => this.handle(request),
      onOversized: (request) =>
        this.finish(request, [], { status: 413, verdict: 'too-large', reason: 'body too large' }),
    });
  }

  /** Starts the server, then opens the tunnel to it. */
  static async start(options: CallbackListenerOptions): Promise<CallbackListener> {
    const listener = new CallbackListener(options);
    listener.local = await listener.server.start();
    try {
      listener.tunnel = await options.tunnel.open(listener.local);
    } catch (error) {
      await listener.server.stop();
      throw error;
    }
    return listener;
  }

  /** From now on, tells `observer` of every request answered and every download finished. */
  observe(observer: ListenerObserver): void {
    this.observer = observer;
  }

  get localUrl(): string {
    return `${localOrigin(this.local as LocalAddress)}${this.options.path}`;
  }

  /** The URL to give Twilio as RecordingStatusCallback. */
  get callbackUrl(): string {
    return `${(this.tunnel as Tunnel).publicUrl}${this.options.path}`;
  }

  get tunnelDescription(): string {
    return (this.tunnel as Tunnel).description;
  }

  /** True when Twilio cannot reach the listener: there is no tunnel. */
  get localOnly(): boolean {
    return (this.tunnel as Tunnel).localOnly;
  }

  /** Closes the tunnel, stops accepting, lets requests and downloads under way finish, and returns the tally. */
  async stop(): Promise<ListenerTally> {
    await this.tunnel?.close().catch(() => undefined);
    await this.server.stop();
    while (this.archives.size > 0) await Promise.allSettled([...this.archives.values()]);
    this.options.forwarder?.close();
    await this.options.log?.close();
    return this.tally;
  }

  private async handle(request: IncomingCallback): Promise<CallbackReply> {
    if (this.options.health && new URL(request.target, 'http://listener.invalid').pathname === HEALTH_PATH) {
      if (request.method === 'GET' || request.method === 'HEAD') return this.options.health();
    }
    const params = paramsOf(request);
    const judgement = await this.judge(request, params);
    let reply: CallbackReply = {
      status: judgement.status,
      body: judgement.reason ? `${judgement.reason}\n` : undefined,
    };
    let forwardOutcome: ForwardOutcome | undefined;
    let relay: RelayedExchange | undefined;
    const isCallback = isCallbackVerdict(judgement.verdict);
    if (isCallback) this.lastCallbackAt = request.receivedAt;
    if (isCallback && this.options.forwarder) {
      const verified = judgement.verdict === 'accepted';
      ({
        reply,
        outcome: forwardOutcome,
        relay,
      } = await this.forward(this.options.forwarder, request, params, verified));
    }
    if (isCallback && judgement.event && hasMedia(judgement.event) && this.options.archiver) {
      void this.archive(judgement.event.accountSid, judgement.event.recordingSid, 'callback');
    }
    this.finish(request, params, { ...judgement, status: reply.status }, forwardOutcome, relay);
    return reply;
  }

  private async judge(request: IncomingCallback, params: CallbackParams): Promise<Judgement> {
    const url = new URL(request.target, 'http://listener.invalid');
    if (url.pathname !== this.options.path) {
      return { status: 404, verdict: 'not-found', reason: `not the callback path ${this.options.path}` };
    }
    if (request.method !== 'POST' && request.method !== 'GET') {
      return { status: 405, verdict: 'method-not-allowed', reason: 'callbacks arrive by POST or GET' };
    }
    let verdict: Verdict = 'unverified';
    const token = this.options.authToken;
    if (token !== undefined) {
      const signature = headerValue(request.headers['x-twilio-signature']);
      if (!signature) return { status: 403, verdict: 'rejected', reason: 'no X-Twilio-Signature header' };
      const signedParams = signedParamsOf(request, params);
      const urls = this.calledUrlsOf(request);
      if (!urls.some((url) => isValidTwilioSignature(token, signature, url, signedParams))) {
        return {
          status: 403,
          verdict: 'rejected',
          reason: `X-Twilio-Signature does not match ${withoutQuery(this.publicUrlOf(request))}`,
          urlsChecked: urls,
        };
      }
      verdict = 'accepted';
    }
    const parsed = parseRecordingStatusCallback(params);
    if (!parsed.ok)
      return { status: 400, verdict: 'invalid', reason: `not a recording status callback: ${parsed.problem}` };
    const event = parsed.event;
    try {
      if (!(await this.options.accounts.isOwnAccount(event.accountSid))) {
        return {
          status: 403,
          verdict: 'foreign-account',
          reason: `AccountSid ${event.accountSid} is not this profile's account or one of its subaccounts`,
          event,
        };
      }
    } catch (error) {
      return {
        status: 503,
        verdict: 'error',
        reason: `could not check AccountSid ${event.accountSid}: ${describeDeliveryError(error)}`,
        event,
      };
    }
    return { status: 204, verdict, event, warning: recordingUrlProblem(event, this.options.recordingUrlOrigins) };
  }

  /** The URL Twilio called: the public URL's origin (and prefix) with the path and query as received. */
  private publicUrlOf(request: IncomingCallback): string {
    const tunnel = this.tunnel;
    if (tunnel && !tunnel.localOnly) return `${tunnel.publicUrl}${request.target}`;
    return this.hostUrlOf(request);
  }

  /**
   * The URLs a genuine signature may cover: the public one, and for a caller on this machine (such as
   * `recordings:callbacks:send` to the local address) the one its Host header names.
   */
  private calledUrlsOf(request: IncomingCallback): string[] {
    const urls = [this.publicUrlOf(request)];
    const host = headerValue(request.headers.host);
    if (host && isLoopbackHostname(host.replace(/:\d+$/, ''))) urls.push(this.hostUrlOf(request));
    return [...new Set(urls)];
  }

  private hostUrlOf(request: IncomingCallback): string {
    const host = headerValue(request.headers.host);
    const origin =
      host && /^[A-Za-z0-9.\-[\]:]+$/.test(host) ? `http://${host}` : `http://127.0.0.1:${this.local?.port ?? 80}`;
    return `${origin}${request.target}`;
  }

  private async forward(
    forwarder: CallbackForwarder,
    request: IncomingCallback,
    params: CallbackParams,
    verified: boolean,
  ): Promise<{ reply: CallbackReply; outcome: ForwardOutcome; relay: RelayedExchange }> {
    const started = process.hrtime.bigint();
    const sent = forwarder.prepare({
      method: request.method as WebhookMethod,
      query: queryOf(request.target),
      headers: request.headers,
      body: request.body,
      signedParams: signedParamsOf(request, params),
      verified,
    });
    try {
      const answer = await forwarder.send(sent);
      this.tally.forwarded += 1;
      const contentType = headerValue(answer.headers['content-type']);
      return {
        reply: { status: answer.status, contentType, body: answer.body },
        outcome: { status: answer.status, latencyMs: answer.latencyMs, firstLine: firstLineOf(answer.body) },
        relay: { request: sent, answer, latencyMs: answer.latencyMs },
      };
    } catch (error) {
      this.tally.forwardFailed += 1;
      const problem = describeDeliveryError(error);
      const latencyMs = millisecondsSince(started);
      return {
        reply: { status: 502, body: `handler ${forwarder.targetUrl} unreachable: ${problem}\n` },
        outcome: { latencyMs, error: problem },
        relay: { request: sent, error: problem, latencyMs },
      };
    }
  }

  /**
   * Archives one recording (save, verify, and delete when asked), counted and reported once: a
   * callback and a catch-up that meet on one recording share one archive and one report.
   */
  archive(accountSid: string, recordingSid: string, trigger: ArchiveTrigger): Promise<ArchiveResult> {
    const archiver = this.options.archiver;
    if (!archiver) return Promise.reject(new Error('This listener does not download recordings.'));
    const key = `${accountSid}/${recordingSid}`;
    const under = this.archives.get(key);
    if (under) return under;
    const work = archiver.archive(accountSid, recordingSid).then((result) => {
      // A recording that left Twilio between a scan's list and its archive is no news.
      if (trigger === 'catch-up' && result.outcome === 'gone') return result;
      try {
        this.archived(result, trigger);
      } catch {
        // Only reporting can throw here (stdout gone); the archive itself reports its failures as results.
      }
      return result;
    });
    const tracked = work.finally(() => this.archives.delete(key));
    // The archive reports its failures as results; this keeps a rejected report from going unhandled.
    tracked.catch(() => undefined);
    this.archives.set(key, tracked);
    return tracked;
  }

  private archived(result: ArchiveResult, trigger: ArchiveTrigger): void {
    if (result.outcome === 'saved') this.tally.downloaded += 1;
    else this.tally.downloadFailed += 1;
    if (result.deleted) this.tally.deleted += 1;
    this.options.onArchived?.(result);
    this.options.report.download({ time: this.clock(), result, trigger });
    this.observer?.download(result);
  }

  private finish(
    request: IncomingCallback,
    params: CallbackParams,
    judgement: Judgement,
    forward?: ForwardOutcome,
    relay?: RelayedExchange,
  ): void {
    this.count(judgement.verdict);
    const url = this.publicUrlOf(request);
    const headers = flatHeaders(request.headers);
    this.options.log?.append({
      time: request.receivedAt.toISOString(),
      method: request.method,
      url,
      target: request.target,
      headers,
      body: request.body,
      verdict: judgement.verdict,
      status: judgement.status,
    });
    const report: RequestReport = {
      time: request.receivedAt,
      method: request.method,
      target: request.target,
      status: judgement.status,
      verdict: judgement.verdict,
      reason: judgement.reason,
      event: judgement.event,
      forward,
      warnings: judgement.warning ? [judgement.warning] : [],
    };
    this.options.report.request(report);
    this.observer?.request({
      ...report,
      url,
      headers,
      body: request.body,
      params,
      urlsChecked: judgement.urlsChecked,
      relay,
    });
  }

  private count(verdict: Verdict): void {
    this.tally.received += 1;
    if (verdict === 'accepted') this.tally.verified += 1;
    else if (verdict === 'unverified') this.tally.unverified += 1;
    else if (verdict === 'not-found' || verdict === 'method-not-allowed') this.tally.ignored += 1;
    else this.tally.rejected += 1;
  }
}

/** The callback's parameters: the form body of a POST, the query of a GET. */
function paramsOf(request: IncomingCallback): CallbackParams {
  if (request.method === 'GET') return [...new URLSearchParams(queryOf(request.target))];
  const contentType = headerValue(request.headers['content-type']) ?? FORM_CONTENT_TYPE;
  if (!contentType.toLowerCase().startsWith(FORM_CONTENT_TYPE)) return [];
  return [...new URLSearchParams(request.body)];
}

/** The parameters a signature covers: a POST's; a GET's are inside the URL. */
function signedParamsOf(request: IncomingCallback, params: CallbackParams): CallbackParams {
  return request.method === 'POST' ? params : [];
}

/** A URL for messages: its query (the callback's parameters, for GET) shortened to `?…`. */
function withoutQuery(url: string): string {
  const queryAt = url.indexOf('?');
  return queryAt >= 0 ? `${url.slice(0, queryAt)}?…` : url;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
