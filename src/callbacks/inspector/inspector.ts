import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { BadInputError, messageOf } from '../../errors';
import type { ArchiveResult } from '../callback-archiver';
import type { ListenerObserver, ListenerTally, ObservedRequest } from '../callback-listener';
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
import {
  callbackEntry,
  curlCommand,
  eventSummary,
  handlerExchange,
  RequestHistory,
  type InspectedEntry,
  type NewEntry,
} from './request-history';
import { diagnoseSignature } from './signature-diagnosis';
import { parseRecordingStatusCallback } from '../callback-event';

/** The page's files, shipped in the package beside lib/. */
const ASSETS_DIR = join(__dirname, '..', '..', '..', 'assets', 'inspector');
const ASSETS: Record<string, string> = {
  '/inspector.js': 'text/javascript; charset=utf-8',
  '/inspector.css': 'text/css; charset=utf-8',
};
/** How long new rows wait to be sent to the page together. */
const FLUSH_INTERVAL_MS = 100;
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
 * The page `listen --inspect` serves on this machine's loopback address: the session, each request
 * live (Server-Sent Events), its details, replay, and test events. It reads the listener's events;
 * the listener never waits for it.
 */
export class Inspector implements ListenerObserver {
  private readonly server: Server;
  private readonly token = newInspectorToken();
  private readonly history: RequestHistory;
  private readonly streams = new Set<ServerResponse>();
  private readonly clock: () => Date;
  private readonly client: WebhookClient;
  /** Requests answered but not yet made into rows: that work waits until their answers are sent. */
  private observed: ObservedRequest[] = [];
  private recordScheduled = false;
  /** Rows for the open pages, serialised once per batch when it is sent. */
  private pending: Array<{ type: 'entry' | 'update'; entry: InspectedEntry }> = [];
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
   * Keeps a reference to the request; its row is made once the listener's answer has gone out, so
   * that the relay does not wait for the page.
   */
  request(observed: ObservedRequest): void {
    this.observed.push(observed);
    // However busy the loop, no more requests wait than the history keeps.
    if (this.observed.length >= this.history.limit) return this.record();
    if (this.recordScheduled) return;
    this.recordScheduled = true;
    setImmediate(() => this.record());
  }

  download(result: ArchiveResult): void {
    this.record();
    const entry = this.history.addDownload(result);
    if (entry) this.publish('update', entry);
  }

  /** What the inspector holds for the page, each bounded by the history's limit. */
  get held(): { rows: number; waiting: number; unsent: number; pages: number } {
    return {
      rows: this.history.all().length,
      waiting: this.observed.length,
      unsent: this.pending.length,
      pages: this.streams.size,
    };
  }

  /** Ends the live streams and stops serving. */
  async close(): Promise<void> {
    this.record();
    this.flush();
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    this.client.close();
  }

  /** Makes rows of the requests answered since the last call. */
  private record(): void {
    this.recordScheduled = false;
    const observed = this.observed;
    if (observed.length === 0) return;
    this.observed = [];
    for (const one of observed) this.publish('entry', this.history.add(this.entryOf(one)));
  }

  private entryOf(observed: ObservedRequest): NewEntry {
    const entry = callbackEntry(observed);
    if (observed.verdict === 'rejected' && observed.urlsChecked && this.options.authToken) {
      entry.rejection = diagnoseSignature(
        this.options.authToken,
        observed.headers['x-twilio-signature'],
        observed.urlsChecked,
        observed.method === 'POST' ? observed.params : [],
        observed.headers,
      );
    }
    entry.curl = this.curlFor(entry);
    return entry;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    // Until the port is known, Host cannot be checked: nothing is served.
    if (!this.access) return this.json(res, 503, { error: 'the inspector is starting: reload in a moment' });
    const refusal = this.access.refusal({ method, target, headers: req.headers });
    if (refusal) return this.json(res, refusal.status, { error: refusal.reason });
    const path = new URL(target, 'http://inspector.invalid').pathname;
    if (method === 'GET' && path === '/') return this.page(res);
    if (method === 'GET' && ASSETS[path]) return this.asset(res, path);
    if (method === 'GET' && path === '/api/state') return this.json(res, 200, this.snapshot());
    if (method === 'GET' && path === '/api/events') return this.stream(req, res);
    if (method === 'POST' && (path === '/api/replay' || path === '/api/send')) {
      try {
        const call = await readCall(req);
        const answer = path === '/api/replay' ? await this.replay(call) : await this.sendTest(call);
        return this.json(res, 200, answer);
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

  private snapshot() {
    this.record();
    return {
      session: this.options.session,
      tally: this.options.tally(),
      limit: this.history.limit,
      dropped: this.history.droppedCount,
      entries: this.history.all(),
      canReplay: this.options.forwarder !== undefined,
      canSend: this.options.authToken !== undefined,
      events: SEND_EVENTS,
    };
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write(`retry: 2000\n${message('snapshot', this.snapshot())}`);
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  /** Queues a row for every open page; writes go out together, a tenth of a second at most after the first. */
  private publish(type: 'entry' | 'update', entry: InspectedEntry): void {
    if (this.streams.size === 0) return;
    this.pending.push({ type, entry });
    // A batch never holds more rows than the history keeps.
    if (this.pending.length >= this.history.limit) return this.flush();
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Rows go out ten times a second at most: a busy listener then costs a page a few redraws, not one per request.
    setTimeout(() => this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const pending = this.pending;
    this.pending = [];
    if (this.streams.size === 0) return;
    // The counters are the same for the whole batch: serialised once, with each row as it is now.
    const after = `,"tally":${JSON.stringify(this.options.tally())},"dropped":${this.history.droppedCount}}\n\n`;
    const chunk = pending.map(({ type, entry }) => `event: ${type}\ndata: {"entry":${JSON.stringify(entry)}${after}`);
    const text = chunk.join('');
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
  private async replay(call: Record<string, unknown>): Promise<{ entry: InspectedEntry }> {
    const forwarder = this.options.forwarder;
    if (!forwarder) throw new CallError(409, 'replay sends to the handler: start listen with --forward-to URL');
    this.record();
    const original = typeof call.id === 'number' ? this.history.get(call.id) : undefined;
    if (!original) throw new CallError(404, 'that request is no longer kept: replay a newer one');
    if (!original.replayable) {
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
    const entry = await this.exchange('replay', sent, forwarder, original.params, original.target);
    entry.replayOf = original.id;
    return { entry: this.addOwn(entry) };
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
        const entry = this.addOwn(
          await this.exchange('test', request, forwarder as CallbackForwarder, callback.params),
        );
        results.push({ event: callback.label, status: entry.status, id: entry.id });
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
  ): Promise<NewEntry> {
    const started = process.hrtime.bigint();
    let handler;
    try {
      const answer = await forwarder.send(sent);
      handler = handlerExchange({ request: sent, answer, latencyMs: answer.latencyMs });
    } catch (error) {
      handler = handlerExchange({
        request: sent,
        error: describeDeliveryError(error),
        latencyMs: millisecondsSince(started),
      });
    }
    const parsed = parseRecordingStatusCallback(params);
    const url = new URL(sent.url);
    return {
      kind,
      time: this.clock().toISOString(),
      method: sent.method,
      target: target ?? `${url.pathname}${url.search}`,
      url: sent.url,
      verdict: kind === 'replay' ? 'replayed' : 'test',
      status: handler.status ?? 0,
      warnings: [],
      event: parsed.ok ? eventSummary(parsed.event) : null,
      params: params.map(([key, value]): [string, string] => [key, value]),
      headers: sent.headers,
      body: sent.body,
      handler,
      curl: curlCommand(sent),
      replayable: false,
    };
  }

  private addOwn(entry: NewEntry): InspectedEntry {
    this.record();
    const kept = this.history.add(entry);
    this.publish('entry', kept);
    return kept;
  }

  /** A curl command for a verified callback: the request as relayed, or re-signed for the listener itself. */
  private curlFor(entry: NewEntry): string | undefined {
    if (entry.handler) return entry.verdict === 'accepted' ? curlCommand(entry.handler.request) : undefined;
    const token = this.options.authToken;
    if (entry.verdict !== 'accepted' || !token) return undefined;
    const method = entry.method as WebhookMethod;
    const url = new URL(entry.target, this.options.session.localUrl).toString();
    return curlCommand(
      signWebhookRequest(method, url, method === 'POST' ? entry.params : [], token, {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    );
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

function message(type: string, value: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(value)}\n\n`;
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
