import { BadInputError, messageOf } from '../errors';
import { printable } from '../text/printable';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer, isIP, type AddressInfo, type Server as NetServer } from 'node:net';
import type { LocalAddress } from './tunnel';

/** Largest request body accepted: a callback is well under 2 KB. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** A request as it reached the listener, body read in full. */
export interface IncomingCallback {
  receivedAt: Date;
  method: string;
  /** Path and query exactly as received. */
  target: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface CallbackReply {
  status: number;
  contentType?: string;
  body?: string | Buffer;
}

export interface CallbackServerOptions {
  host: string;
  /** 0 for any free port. */
  port: number;
  maxBodyBytes?: number;
  handle(request: IncomingCallback): Promise<CallbackReply>;
  /** Told about a request refused with 413 before its body was read. */
  onOversized?(request: IncomingCallback): void;
  clock?: () => Date;
}

/** The HTTP side of the listener: reads requests with a size cap, and drains in-flight ones on stop. */
export class CallbackServer {
  private readonly server: Server;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxBodyBytes: number;
  private readonly clock: () => Date;

  constructor(private readonly options: CallbackServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.clock = options.clock ?? (() => new Date());
    this.server = createServer({ keepAlive: true }, (req, res) => {
      const done = this.serve(req, res).finally(() => this.inFlight.delete(done));
      this.inFlight.add(done);
    });
    this.server.keepAliveTimeout = 10_000;
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  /**
   * Binds the address and lets it go again, so that an address this machine cannot listen on is
   * reported, as a bad-input error, before anything else is done (files opened, tunnels started).
   */
  static async checkAddress(host: string, port: number): Promise<void> {
    const probe = createNetServer();
    await bind(probe, host, port);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }

  start(): Promise<LocalAddress> {
    return bind(this.server, this.options.host, this.options.port).then((address) => ({
      host: this.options.host,
      port: address.port,
    }));
  }

  /** Stops accepting connections, lets the requests being handled finish, then closes every connection. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.server.closeAllConnections();
    await closed;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request: IncomingCallback = {
      receivedAt: this.clock(),
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      headers: req.headers,
      body: '',
    };
    const body = await this.readBody(req);
    // The caller went away mid-body: nobody is waiting for an answer, and half a callback is no callback.
    if (body === ABORTED) return;
    if (body === undefined) {
      this.options.onOversized?.(request);
      res.shouldKeepAlive = false;
      reply(res, { status: 413, body: `Request body larger than ${this.maxBodyBytes} bytes.\n` });
      res.on('finish', () => req.socket.destroy());
      return;
    }
    request.body = body;
    let answer: CallbackReply;
    try {
      answer = await this.options.handle(request);
    } catch (error) {
      answer = { status: 500, body: `Listener error: ${messageOf(error)}\n` };
    }
    reply(res, answer);
  }

  /** The body as text; undefined when it is larger than the cap (the rest is not read); ABORTED when cut off. */
  private readBody(req: IncomingMessage): Promise<string | undefined | typeof ABORTED> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          settled = true;
          req.pause();
          resolve(undefined);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (!settled) resolve(Buffer.concat(chunks).toString('utf8'));
        settled = true;
      });
      req.on('error', () => {
        if (!settled) resolve(ABORTED);
        settled = true;
      });
    });
  }
}

const ABORTED = Symbol('aborted');

/** Listens on host:port; an address that cannot be listened on rejects with a bad-input error saying why. */
function bind(server: NetServer, host: string, port: number): Promise<AddressInfo> {
  if (/^[\d.]+$/.test(host) && !isIP(host)) return Promise.reject(notListenable(host, port, 'ENOTFOUND'));
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(notListenable(host, port, error.code ?? messageOf(error)));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** One line naming the address, what is wrong with it and what to do. */
function notListenable(host: string, port: number, code: string): BadInputError {
  const address = `${printable(host.includes(':') ? `[${host}]` : host)}:${port}`;
  const otherHost =
    'give --host an address of this machine: 127.0.0.1 (only this machine, the default) or 0.0.0.0 (every network)';
  switch (code) {
    case 'EADDRINUSE':
      return new BadInputError(
        `Cannot listen on ${address}: another program is using port ${port}. Stop it, or pick another port with --port (0 for any free port).`,
      );
    case 'EACCES':
      return new BadInputError(
        `Cannot listen on ${address}: ports below 1024 need administrator rights. Pick another port with --port, e.g. --port 3000.`,
      );
    case 'EADDRNOTAVAIL':
    case 'EINVAL':
      return new BadInputError(`Cannot listen on ${address}: the address is not one of this machine's; ${otherHost}.`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new BadInputError(
        `Cannot listen on ${address}: "${printable(host)}" is not an IP address or a name this machine resolves; ${otherHost}.`,
      );
    default:
      return new BadInputError(`Cannot listen on ${address} (${printable(code)}): check --host and --port.`);
  }
}

function reply(res: ServerResponse, answer: CallbackReply): void {
  if (res.headersSent || res.destroyed) return;
  const body = answer.body ?? '';
  res.statusCode = answer.status;
  if (body.length > 0) res.setHeader('content-type', answer.contentType ?? 'text/plain; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
