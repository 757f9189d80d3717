import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

import { ACCOUNTS_HOST, handleAccountsRequest } from './accounts-routes';
import { handleApiRequest, matchApiRoute } from './api-routes';
import type { CertificateAuthority } from './ca';
import { handleCdnRequest } from './cdn-routes';
import { bump, type RouteKind } from './counters';
import { FaultInjector, ThrottleGate } from './faults';
import { sendJson } from './http-replies';
import { twilioError } from './representations';
import type { RequestContext, SandboxState, Transport } from './request-context';

/** Twilio API hosts: api.twilio.com and its regional forms such as api.sydney.au1.twilio.com. */
export function isApiHost(host: string): boolean {
  return /^api(\.[a-z0-9-]+){0,2}\.twilio\.com$/.test(host);
}

/** Path prefix that routes a direct (no proxy) request to the CDN host instead of the API. */
export const DIRECT_CDN_PREFIX = '/__cdn';

interface Target {
  host: string;
  path: string;
  query: URLSearchParams;
  transport: Transport;
}

function stripPort(host: string): string {
  return host
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One port that is at once an HTTP proxy (CONNECT tunnels terminated with a minted certificate, and
 * absolute-form requests) and a plain origin server for direct requests.
 */
export class SandboxServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly tunnelHosts = new WeakMap<Socket, string>();
  private readonly faults: FaultInjector;
  private readonly gate = new ThrottleGate();
  private requestsSinceHoldSet = 0;
  private held: Array<() => void> = [];

  constructor(
    private readonly state: SandboxState,
    private readonly ca: CertificateAuthority,
  ) {
    this.faults = new FaultInjector(state.knobs().faultSeed);
    this.server = createServer({ keepAlive: true }, (req, res) => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, twilioError(500, 20500, `Sandbox error: ${String(error)}`));
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (socket: Socket) => this.track(socket));
    this.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.onConnect(req, socket, head),
    );
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.releaseHeld();
      for (const socket of this.sockets) socket.destroy();
      this.server.closeAllConnections();
    });
  }

  /** Fault seed, bursts or hold changed: restart the sequences and counts that depend on them. */
  onKnobsChanged(changed: { faultSeed?: number; throttleBursts?: unknown; holdAfterRequests?: number | null }): void {
    if (changed.faultSeed !== undefined) this.faults.reseed(changed.faultSeed);
    if ('throttleBursts' in changed) this.gate.restartBursts();
    if ('holdAfterRequests' in changed) {
      this.requestsSinceHoldSet = 0;
      if (changed.holdAfterRequests === null) this.releaseHeld();
    }
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const release of held) release();
  }

  private hostKind(host: string): 'api' | 'accounts' | 'cdn' | 'unknown' {
    if (host === this.state.cdnHost) return 'cdn';
    if (host === ACCOUNTS_HOST) return 'accounts';
    return isApiHost(host) ? 'api' : 'unknown';
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.once('close', () => this.sockets.delete(socket));
  }

  private onConnect(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const authority = req.url ?? '';
    const host = stripPort(authority);
    const port = /:(\d+)$/.exec(authority)?.[1] ?? '443';
    this.track(socket);
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    if (port === '80') {
      this.tunnelHosts.set(socket, host);
      this.server.emit('connection', socket);
      return;
    }
    const tlsSocket = new TLSSocket(socket, {
      isServer: true,
      secureContext: this.ca.contextFor(host),
      SNICallback: (servername, callback) => callback(null, this.ca.contextFor(servername)),
      ALPNProtocols: ['http/1.1'],
    });
    this.tunnelHosts.set(tlsSocket, host);
    tlsSocket.on('error', () => tlsSocket.destroy());
    this.server.emit('connection', tlsSocket);
  }

  private resolveTarget(req: IncomingMessage): Target {
    const raw = req.url ?? '/';
    if (/^https?:\/\//i.test(raw)) {
      const url = new URL(raw);
      return { host: url.hostname.toLowerCase(), path: url.pathname, query: url.searchParams, transport: 'absolute' };
    }
    const url = new URL(raw, 'http://sandbox.invalid');
    const tunnelHost = this.tunnelHosts.get(req.socket as Socket);
    if (tunnelHost !== undefined) {
      const host = req.headers.host ? stripPort(req.headers.host) : tunnelHost;
      return { host, path: url.pathname, query: url.searchParams, transport: 'tunnel' };
    }
    if (url.pathname === DIRECT_CDN_PREFIX || url.pathname.startsWith(`${DIRECT_CDN_PREFIX}/`)) {
      const path = url.pathname.slice(DIRECT_CDN_PREFIX.length) || '/';
      return { host: this.state.cdnHost, path, query: url.searchParams, transport: 'direct' };
    }
    return { host: 'api.twilio.com', path: url.pathname, query: url.searchParams, transport: 'direct' };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { counters } = this.state;
    const knobs = this.state.knobs();
    const target = this.resolveTarget(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const hostKind = this.hostKind(target.host);
    const apiMatch = hostKind === 'api' ? matchApiRoute(method, target.path) : undefined;
    const kind: RouteKind =
      hostKind === 'cdn' ? 'cdn' : hostKind === 'accounts' ? 'public-keys' : (apiMatch?.kind ?? 'other');

    counters.requests.total++;
    counters.requests[kind]++;
    counters.transports[target.transport]++;
    res.once('close', () => {
      if (res.headersSent) bump(counters.responses, String(res.statusCode));
    });

    if (knobs.holdAfterRequests !== null && ++this.requestsSinceHoldSet > knobs.holdAfterRequests) {
      counters.held++;
      await new Promise<void>((resolve) => this.held.push(resolve));
      if (res.destroyed) return;
    }

    if (hostKind === 'unknown') {
      sendJson(
        res,
        404,
        twilioError(404, 20404, `The requested resource ${target.path} was not found on host ${target.host}`),
      );
      return;
    }

    if (hostKind === 'api') {
      const family =
        this.state.accounts.familyOfUsername(req.headers.authorization) ??
        this.state.accounts.familyOf(/AC[0-9a-fA-F]{32}/.exec(target.path)?.[0] ?? '') ??
        'anonymous';
      const admission = this.gate.admit(family, knobs);
      if (!admission.admitted) {
        counters.throttled++;
        const headers: Record<string, string> = { 'Twilio-Concurrent-Requests': String(admission.current) };
        if (knobs.retryAfterSeconds !== null) headers['Retry-After'] = String(knobs.retryAfterSeconds);
        sendJson(res, 429, twilioError(429, 20429, 'Too Many Requests'), headers);
        return;
      }
      counters.maxConcurrent = Math.max(counters.maxConcurrent, admission.inFlight);
      res.once('close', admission.release);
    }

    const fault = this.faults.decide(knobs);
    if (knobs.latencyMs > 0) await delay(knobs.latencyMs);
    if (res.destroyed) return;
    if (fault.drop) {
      counters.dropped++;
      req.socket.destroy();
      return;
    }
    if (fault.error !== null) {
      counters.errorsInjected++;
      const body =
        fault.error === 500
          ? twilioError(500, 20500, 'Internal Server Error')
          : twilioError(503, 20503, 'Service Unavailable');
      sendJson(res, fault.error, body);
      return;
    }

    const ctx: RequestContext = {
      req,
      res,
      method,
      path: target.path,
      query: target.query,
      transport: target.transport,
      fault,
    };
    if (hostKind === 'cdn') await handleCdnRequest(ctx, this.state);
    else if (hostKind === 'accounts') await handleAccountsRequest(ctx, this.state);
    else if (apiMatch) await handleApiRequest(ctx, this.state, apiMatch);
  }
}
