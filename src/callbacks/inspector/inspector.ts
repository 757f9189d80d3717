import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { BadInputError, messageOf } from '../../errors';
import type { ArchiveResult } from '../callback-archiver';
import type { ListenerObserver, ListenerTally, ObservedRequest, RelayedExchange } from '../callback-listener';
import type { CallbackForwarder } from '../forwarder';
import { planCallbacks, SEND_EVENTS, TWILIO_CALLBACK_HEADERS, type SendEvent } from '../sender';
import {
  describeDeliveryError,
  millisecondsSince,
  queryOf,
  signWebhookRequest,
  WebhookClient,
  type WebhookMethod,
} from '../webhook-request';
import { InspectorAccess, newInspectorToken } from './inspector-access';
import { requestDetails, requestMatches } from './request-details';
import { kindOf, RequestHistory, type OwnRequest } from './request-history';
import { rowJson } from './row-summary';
import { parseRecordingStatusCallback } from '../callback-event';

/** The page's files, shipped in the package beside lib/. */
const ASSETS_DIR = join(__dirname, '..', '..', '..', 'assets', 'inspector');
const ASSETS: Record<string, string> = {
  '/inspector.js': 'text/javascript; charset=utf-8',
  '/inspector.css': 'text/css; charset=utf-8',
  '/favicon.svg': 'image/svg+xml',
};
/** A request's details: /api/requests/ID. */
const DETAILS_PATH = /^\/api\/requests\/(\d{1,15})$/;
/** Longest text the page may search the kept requests for. */
const MAX_SEARCH_CHARACTERS = 200;
/** How long new rows wait to be sent to the page together. */
const FLUSH_INTERVAL_MS = 250;
/**
 * Bytes a page may leave unread before it is dropped (its EventSource reconnects and starts from a
 * snapshot). A batch is often larger than a socket's buffer: that alone is no sign of a slow page.
 */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;
/** Largest body of a replay or test-event call. */
const MAX_CALL_BYTES = 16 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** What the session panel shows: where the listener is, how it checks, and where it relays. */
export interface InspectedSession {
  callbackUrl: string;
  localUrl: string;
  twiml: string;
  verification: string;
  forwardTo: string | null;
  downloadDir: string | null;
}

export interface InspectorOptions {
  /** 0 for any free port. */
  port: number;
  session: InspectedSession;
  tally: () => ListenerTally;
  accountSid: string;
  /** Signs test events, and diagnoses rejected signatures; undefined when the listener has no token. */
  authToken?: string;
  forwarder?: CallbackForwarder;
  /** Sends test events to the listener; one of its own by default, closed with the inspector. */
  client?: WebhookClient;
  /** Requests kept for the page. */
  limit?: number;
  clock?: () => Date;
}

class CallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The page `listen --inspect` serves on this machine's loopback address: the session, a row per
 * request live (Server-Sent Events), its details when the page opens it, replay, and test events.
 * It reads the listener's events; the listener never waits for it.
 */
export class Inspector implements ListenerObserver {
  private readonly server: Server;
  private readonly token = newInspectorToken();
  private readonly history: RequestHistory;
  private readonly streams = new Set<ServerResponse>();
  private readonly clock: () => Date;
  private readonly client: WebhookClient;
  /** The newest request whose row the open pages have been sent. */
  private sentUpTo = 0;
  /** Rows already sent whose downloads changed since. */
  private readonly updated = new Set<number>();
  private flushScheduled = false;
  private access: InspectorAccess | undefined;
  private port = 0;

  private constructor(private readonly options: InspectorOptions) {
    this.history = new RequestHistory(options.limit);
    this.clock = options.clock ?? (() => new Date());
    this.client = options.client ?? new WebhookClient();
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.json(res, 500, { error: `inspector error: ${messageOf(error)}` });
        else res.destroy();
      });
    });
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  /** Binds the inspector's port and lets it go, so that a port in use is reported before anything starts. */
  static async checkPort(port: number): Promise<void> {
    const probe = createNetServer();
    await listenOnLoopback(probe, port);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }

  /** Serves the page on 127.0.0.1; a port in use rejects with one line saying what to do. */
  static async start(options: InspectorOptions): Promise<Inspector> {
    const inspector = new Inspector(options);
    inspector.port = await listenOnLoopback(inspector.server, options.port).catch((error: unknown) => {
      inspector.client.close();
      throw error;
    });
    inspector.access = new InspectorAccess(inspector.token, inspector.port);
    return inspector;
  }

  /** The page's address, token included: whoever has it can see every request and send signed ones. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/?token=${this.token}`;
  }

  /**
   * Keeps the request the listener hands on, as it is: one slot of the history. Its row is written
   * for the page with the next batch, after its answer has gone out; its details only if the page
   * opens it.
   */
  request(observed: ObservedRequest): void {
    this.history.add(observed);
    this.schedule();
  }

  download(result: ArchiveResult): void {
    const id = this.history.addDownload(result);
    if (id === undefined || this.streams.size === 0) return;
    if (id <= this.sentUpTo) this.updated.add(id);
    this.schedule();
  }

  /** What the inspector holds for the page, each bounded by the history's limit. */
  get held(): { rows: number; unsent: number; pages: number } {
    return {
      rows: this.history.size,
      unsent: this.history.newestId - Math.max(this.sentUpTo, this.history.oldestId - 1),
      pages: this.streams.size,
    };
  }

  /** Ends the live streams and stops serving. */
  async close(): Promise<void> {
    this.flush();
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    this.client.close();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    // Until the port is known, Host cannot be checked: nothing is served.
    if (!this.access) return this.json(res, 503, { error: 'the inspector is starting: reload in a moment' });
    const refusal = this.access.refusal({ method, target, headers: req.headers });
    if (refusal) return this.json(res, refusal.status, { error: refusal.reason });
    const url = new URL(target, 'http://inspector.invalid');
    const path = url.pathname;
    if (method === 'GET' && path === '/') return this.page(res);
    if (method === 'GET' && ASSETS[path]) return this.asset(res, path);
    if (method === 'GET' && path === '/api/state') return this.jsonText(res, 200, this.snapshot());
    if (method === 'GET' && path === '/api/events') return this.stream(req, res);
    if (method === 'GET' && path === '/api/search') return this.search(res, url.searchParams);
    const details = method === 'GET' ? DETAILS_PATH.exec(path) : null;
    if (details) return this.details(res, Number(details[1]));
    if (method === 'POST' && (path === '/api/replay' || path === '/api/send')) {
      try {
        const call = await readCall(req);
        if (path === '/api/replay') return this.jsonText(res, 200, `{"row":${await this.replay(call)}}`);
        return this.json(res, 200, await this.sendTest(call));
      } catch (error) {
        if (error instanceof CallError) return this.json(res, error.status, { error: error.message });
        if (error instanceof BadInputError) return this.json(res, 400, { error: error.message });
        throw error;
      }
    }
    return this.json(res, method === 'GET' || method === 'POST' ? 404 : 405, { error: 'no such page' });
  }

  private page(res: ServerResponse): void {
    const html = readFileSync(join(ASSETS_DIR, 'index.html'), 'utf8').replace(/\{\{TOKEN\}\}/g, this.token);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  }

  private asset(res: ServerResponse, path: string): void {
    res.writeHead(200, { 'content-type': ASSETS[path] }).end(readFileSync(join(ASSETS_DIR, path.slice(1))));
  }

  /** The session, the counters and every kept row, oldest first, as JSON. */
  private snapshot(): string {
    const head = JSON.stringify({
      session: this.options.session,
      tally: this.options.tally(),
      limit: this.history.limit,
      dropped: this.history.droppedCount,
      canReplay: this.options.forwarder !== undefined,
      canSend: this.options.authToken !== undefined,
      events: SEND_EVENTS,
    });
    return `${head.slice(0, -1)},"rows":[${this.rowsFrom(this.history.oldestId)}]}`;
  }

  /** The rows of the kept requests from `first` to the newest, joined for a JSON array. */
  private rowsFrom(first: number): string {
    let rows = '';
    for (let id = Math.max(first, this.history.oldestId); id <= this.history.newestId; id += 1) {
      rows += `${rows ? ',' : ''}${this.rowOf(id)}`;
    }
    return rows;
  }

  private rowOf(id: number): string {
    return rowJson(id, this.history.get(id) as ObservedRequest | OwnRequest, this.history.downloadsOf(id));
  }

  /** A kept request's parameters, headers, body, rejection, relayed exchange and curl command, made now. */
  private details(res: ServerResponse, id: number): void {
    const request = this.history.get(id);
    if (!request) return this.json(res, 404, { error: 'that request is no longer kept: open a newer one' });
    const details = requestDetails(id, request, {
      authToken: this.options.authToken,
      localUrl: this.options.session.localUrl,
      downloads: this.history.downloadsOf(id),
      answerCut: this.history.answerCut(id),
    });
    this.json(res, 200, details);
  }

  /**
   * The ids of the kept requests newer than `after` whose method, target, verdict, parameters or
   * handler's answer contain `text`, and the newest id searched.
   */
  private search(res: ServerResponse, query: URLSearchParams): void {
    const text = (query.get('text') ?? '').trim().toLowerCase();
    if (text === '' || text.length > MAX_SEARCH_CHARACTERS) {
      return this.json(res, 400, { error: `search for 1 to ${MAX_SEARCH_CHARACTERS} characters` });
    }
    const after = Number(query.get('after') ?? 0);
    const ids: number[] = [];
    const upTo = this.history.newestId;
    for (let id = Math.max(this.history.oldestId, Number.isInteger(after) ? after + 1 : 1); id <= upTo; id += 1) {
      if (requestMatches(this.history.get(id) as ObservedRequest | OwnRequest, text)) ids.push(id);
    }
    this.json(res, 200, { ids, upTo });
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    if (this.streams.size === 0) {
      // No page was open: the snapshot holds every row so far.
      this.sentUpTo = this.history.newestId;
      this.updated.clear();
    }
    res.write(`retry: 2000\nevent: snapshot\ndata: ${this.snapshot()}\n\n`);
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  /** Rows go out together, a quarter of a second at most after the first is kept. */
  private schedule(): void {
    if (this.flushScheduled || this.streams.size === 0) return;
    this.flushScheduled = true;
    // Four batches a second at most: a busy listener then costs a page a few redraws, not one per request.
    setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  /** Writes the rows kept since the last batch, and those whose downloads changed, to every open page. */
  private flush(): void {
    this.flushScheduled = false;
    const first = this.sentUpTo + 1;
    this.sentUpTo = this.history.newestId;
    const updated = [...this.updated].filter((id) => this.history.isKept(id));
    this.updated.clear();
    if (this.streams.size === 0 || (first > this.history.newestId && updated.length === 0)) return;
    const text =
      `event: rows\ndata: {"rows":[${this.rowsFrom(first)}],"updated":[${updated.map((id) => this.rowOf(id)).join(',')}]` +
      `,"tally":${JSON.stringify(this.options.tally())},"dropped":${this.history.droppedCount}}\n\n`;
    for (const stream of this.streams) {
      stream.write(text);
      // A page that cannot keep up is dropped; its EventSource reconnects and starts from a snapshot.
      if (stream.writableLength > MAX_UNREAD_BYTES) {
        this.streams.delete(stream);
        stream.destroy();
      }
    }
  }

  /** Re-sends a verified callback to the handler, re-signed as the relay signs it, and adds the answer as a row. */
  private async replay(call: Record<string, unknown>): Promise<string> {
    const forwarder = this.options.forwarder;
    if (!forwarder) throw new CallError(409, 'replay sends to the handler: start listen with --forward-to URL');
    const originalId = typeof call.id === 'number' ? call.id : NaN;
    const original = this.history.get(originalId);
    if (!original) throw new CallError(404, 'that request is no longer kept: replay a newer one');
    if (kindOf(original) !== 'callback' || original.verdict !== 'accepted') {
      throw new CallError(409, 'only verified callbacks are replayed: a rejected or unchecked request is never signed');
    }
    const method = original.method as WebhookMethod;
    const sent = forwarder.prepare({
      method,
      query: queryOf(original.target),
      headers: original.headers,
      body: original.body,
      signedParams: method === 'POST' ? original.params : [],
      verified: true,
    });
    const replayed = await this.exchange('replay', sent, forwarder, original.params, original.target);
    replayed.replayOf = originalId;
    const id = this.addOwn(replayed);
    return this.rowOf(id);
  }

  /** Sends test events as `recordings:callbacks:send` makes them, to the listener itself or to the handler. */
  private async sendTest(call: Record<string, unknown>): Promise<{ results: Array<Record<string, unknown>> }> {
    const token = this.options.authToken;
    if (!token) {
      throw new CallError(
        409,
        'test events are signed with the auth token: give listen --auth-token or TWILIO_AUTH_TOKEN',
      );
    }
    const event = String(call.event ?? 'completed');
    if (!(SEND_EVENTS as readonly string[]).includes(event)) {
      throw new CallError(400, `event must be one of ${SEND_EVENTS.join(', ')}`);
    }
    const method = call.method === 'GET' ? 'GET' : 'POST';
    const toHandler = call.to === 'handler';
    const forwarder = this.options.forwarder;
    if (toHandler && !forwarder) throw new CallError(409, 'there is no handler: start listen with --forward-to URL');
    const overrides = Array.isArray(call.params) ? call.params.map(String).filter((text) => text.trim() !== '') : [];
    const callbacks = planCallbacks({
      event: event as SendEvent,
      method,
      accountSid: this.options.accountSid,
      overrides,
      now: this.clock(),
    });
    const url = toHandler ? (forwarder as CallbackForwarder).targetUrl : this.options.session.localUrl;
    const results: Array<Record<string, unknown>> = [];
    for (const callback of callbacks) {
      const request = signWebhookRequest(callback.method, url, callback.params, token, { ...TWILIO_CALLBACK_HEADERS });
      if (toHandler) {
        const sent = await this.exchange('test', request, forwarder as CallbackForwarder, callback.params);
        results.push({ event: callback.label, status: sent.status, id: this.addOwn(sent) });
        continue;
      }
      // To the listener: its own row appears as for any request, verified as Twilio's would be.
      try {
        const answer = await this.client.send(request);
        results.push({ event: callback.label, status: answer.status });
      } catch (error) {
        results.push({ event: callback.label, status: 0, error: describeDeliveryError(error) });
      }
    }
    return { results };
  }

  private async exchange(
    kind: 'replay' | 'test',
    sent: ReturnType<CallbackForwarder['prepare']>,
    forwarder: CallbackForwarder,
    params: ReadonlyArray<readonly [string, string]>,
    target?: string,
  ): Promise<OwnRequest> {
    const started = process.hrtime.bigint();
    let relay: RelayedExchange;
    try {
      const answer = await forwarder.send(sent);
      relay = { request: sent, answer, latencyMs: answer.latencyMs };
    } catch (error) {
      relay = { request: sent, error: describeDeliveryError(error), latencyMs: millisecondsSince(started) };
    }
    const parsed = parseRecordingStatusCallback(params);
    const url = new URL(sent.url);
    return {
      kind,
      time: this.clock(),
      method: sent.method,
      target: target ?? `${url.pathname}${url.search}`,
      url: sent.url,
      verdict: kind === 'replay' ? 'replayed' : 'test',
      status: relay.answer?.status ?? 0,
      warnings: [],
      event: parsed.ok ? parsed.event : undefined,
      params: params.map(([key, value]): [string, string] => [key, value]),
      headers: sent.headers,
      body: sent.body,
      relay,
    };
  }

  /** Keeps a replay or test event as a row of its own; its id. */
  private addOwn(request: OwnRequest): number {
    const id = this.history.add(request);
    this.schedule();
    return id;
  }

  private jsonText(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  }

  private json(res: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
  }
}

/** Listens on 127.0.0.1:port and returns the port; a port that cannot be used rejects with a bad-input error. */
function listenOnLoopback(server: NetServer, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new BadInputError(
          error.code === 'EADDRINUSE'
            ? `Cannot serve the inspector on 127.0.0.1:${port}: another program is using the port. Pick another with --inspect-port (0 for any free port).`
            : `Cannot serve the inspector on 127.0.0.1:${port} (${error.code ?? messageOf(error)}): pick another port with --inspect-port (0 for any free port).`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The JSON object of a replay or test-event call: at most 16 KB, and nothing but JSON. */
async function readCall(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.toLowerCase().startsWith('application/json')) throw new CallError(415, 'send JSON');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CALL_BYTES) throw new CallError(413, 'request too large');
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new CallError(400, 'send a JSON object');
}
