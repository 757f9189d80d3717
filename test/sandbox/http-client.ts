import { createHash } from 'node:crypto';
import { Agent, request, type ClientRequestArgs, type IncomingHttpHeaders } from 'node:http';
import { connect as netConnect, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

import type { Sandbox } from '../../sandbox';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  json<T = any>(): T;
  sha256(): string;
}

export interface RequestOptions {
  method?: string;
  /** [username, password] for Basic auth; omit for none. */
  auth?: [string, string];
  headers?: Record<string, string>;
  body?: string;
  agent?: Agent;
}

function basic([user, pass]: [string, string]): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

function send(
  target: { host: string; port: number; path: string; agent?: Agent; hostHeader?: string },
  options: RequestOptions,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth) headers.Authorization = basic(options.auth);
    if (target.hostHeader) headers.Host = target.hostHeader;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(options.body));
    }
    const req = request(
      {
        host: target.host,
        port: target.port,
        path: target.path,
        method: options.method ?? 'GET',
        headers,
        agent: target.agent ?? options.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('aborted')));
        res.on('end', () => {
          if (!res.complete) return reject(new Error('incomplete response'));
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body.toString('utf8')),
            sha256: () => createHash('sha256').update(body).digest('hex'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Origin-form request straight to the sandbox, as unit tests with a plain base URL make them. */
export function direct(sandbox: Sandbox, path: string, options: RequestOptions = {}): Promise<Reply> {
  return send({ host: '127.0.0.1', port: sandbox.port, path }, options);
}

/** Absolute-form request sent in plain text to the proxy, as axios does with HTTPS_PROXY. */
export function absolute(sandbox: Sandbox, url: string, options: RequestOptions = {}): Promise<Reply> {
  return send({ host: '127.0.0.1', port: sandbox.port, path: url, hostHeader: new URL(url).host }, options);
}

/** Opens a CONNECT tunnel to `host:443` through the sandbox and completes a TLS handshake trusting its CA. */
export function openTunnel(sandbox: Sandbox, host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const raw = netConnect(sandbox.port, '127.0.0.1', () => {
      raw.write(`CONNECT ${host}:443 HTTP/1.1\r\nHost: ${host}:443\r\n\r\n`);
    });
    raw.on('error', reject);
    let received = '';
    const onData = (chunk: Buffer): void => {
      received += chunk.toString('latin1');
      if (!received.includes('\r\n\r\n')) return;
      raw.off('data', onData);
      if (!/^HTTP\/1\.1 200/.test(received)) return reject(new Error(`CONNECT refused: ${received}`));
      const secure = tlsConnect({ socket: raw, servername: host, ca: sandbox.caCertPem }, () => resolve(secure));
      secure.on('error', reject);
    };
    raw.on('data', onData);
  });
}

/** A keep-alive agent whose connections are CONNECT tunnels with TLS, like an HTTPS client behind a proxy. */
export class TunnelAgent extends Agent {
  tunnelsOpened = 0;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly host: string,
  ) {
    super({ keepAlive: true, maxSockets: 4 });
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    this.tunnelsOpened++;
    openTunnel(this.sandbox, this.host).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, new Socket()),
    );
    return undefined;
  }
}

/** Request through a tunnel agent: the path is origin-form and the Host header names the Twilio host. */
export function tunneled(agent: TunnelAgent, host: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  return send({ host, port: 443, path, agent, hostHeader: host }, options);
}
