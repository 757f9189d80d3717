import {
  type IncomingHttpHeaders,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The S3 operations the proxy tells apart, from the method and query of a path-style request. */
export type S3Operation =
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'HeadObject'
  | 'GetObject'
  | 'PutObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'DeleteObject'
  | 'Other';

export interface SeenRequest {
  operation: S3Operation;
  method: string;
  /** The key, without the bucket; empty for bucket requests. */
  key: string;
  partNumber?: number;
  /** Bytes of the request body that reached the proxy. */
  bodyBytes: number;
  /** The request's headers, names in lower case. */
  headers: IncomingHttpHeaders;
}

/** What the proxy does instead of forwarding a request. */
export type Fault =
  /** Answer with this status and S3 error code (and headers), the store never seeing the request. */
  | { kind: 'answer'; status: number; code: string; headers?: Record<string, string> }
  /** Read half the body, then close the connection without an answer. */
  | { kind: 'drop' }
  /** Flip one byte of the body before forwarding it. */
  | { kind: 'corrupt' }
  /** Forward nothing and never answer: a store that has stopped responding. */
  | { kind: 'hold' }
  /** Forward the request, and answer with this ETag instead of the store's: one of a store's own making. */
  | { kind: 'etag'; etag: string };

export interface FaultRule {
  operation: S3Operation;
  /** Counted among the requests of this operation, from 1; each listed request gets the fault. */
  nth: number[];
  /** Only requests whose key contains this (a recording's sid), counted among themselves. */
  keyIncludes?: string;
  fault: Fault;
}

/**
 * A proxy in front of the local S3 server that records every request and injects faults by
 * request count: error answers, dropped connections, corrupted bodies and requests never
 * answered. Nothing depends on the clock.
 */
export class S3FaultProxy {
  readonly seen: SeenRequest[] = [];
  /** Body bytes of requests the store has answered, as they come back through the proxy. */
  bytesAnswered = 0;
  private readonly counts = new Map<S3Operation, number>();
  private readonly sockets = new Set<Socket>();
  private readonly held: Array<(seen: SeenRequest) => void> = [];
  private rules: FaultRule[] = [];

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(targetEndpoint: string): Promise<S3FaultProxy> {
    const server = createServer();
    const proxy = new S3FaultProxy(server, new URL(targetEndpoint));
    server.on('request', (req, res) => proxy.handle(req, res));
    server.on('connection', (socket) => {
      proxy.sockets.add(socket);
      socket.on('close', () => proxy.sockets.delete(socket));
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  inject(...rules: FaultRule[]): void {
    this.rules.push(...rules);
  }

  count(operation: S3Operation): number {
    return this.seen.filter((seen) => seen.operation === operation).length;
  }

  /** Resolves when a request is being held (see the `hold` fault). */
  nextHeld(): Promise<SeenRequest> {
    return new Promise((resolveHeld) => this.held.push(resolveHeld));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolveClose) => this.server.close(resolveClose));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.target);
    const seen = { ...describe(req.method ?? 'GET', url), headers: req.headers };
    const nth = (this.counts.get(seen.operation) ?? 0) + 1;
    this.counts.set(seen.operation, nth);
    this.seen.push(seen);
    const nthOnKey = (rule: FaultRule) =>
      this.seen.filter((other) => other.operation === seen.operation && other.key.includes(rule.keyIncludes!)).length;
    const fault = this.rules.find(
      (rule) =>
        rule.operation === seen.operation &&
        (rule.keyIncludes === undefined
          ? rule.nth.includes(nth)
          : seen.key.includes(rule.keyIncludes) && rule.nth.includes(nthOnKey(rule))),
    )?.fault;
    const length = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      seen.bodyBytes += chunk.length;
      if (fault?.kind === 'drop' && seen.bodyBytes >= length / 2) req.socket.destroy();
    });
    req.on('end', () => {
      if (fault?.kind === 'drop') return void req.socket.destroy();
      if (fault?.kind === 'hold') return void this.held.shift()?.(seen);
      if (fault?.kind === 'answer') return answerWithError(res, fault);
      const body = Buffer.concat(chunks);
      if (fault?.kind === 'corrupt' && body.length > 0) body[body.length >> 1] ^= 0xff;
      this.forward(req, url, body, res, fault?.kind === 'etag' ? fault.etag : undefined);
    });
  }

  private forward(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse, etag?: string): void {
    const upstream = httpRequest(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
      },
      (answer) => {
        if (answer.statusCode && answer.statusCode < 300) this.bytesAnswered += body.length;
        res.writeHead(answer.statusCode ?? 502, etag ? { ...answer.headers, etag } : answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }
}

function describe(method: string, url: URL): Omit<SeenRequest, 'headers'> {
  const [, , ...keyParts] = url.pathname.split('/');
  const key = decodeURIComponent(keyParts.join('/'));
  const query = url.searchParams;
  const partNumber = query.has('partNumber') ? Number(query.get('partNumber')) : undefined;
  return { operation: operationOf(method, key, query), method, key, partNumber, bodyBytes: 0 };
}

function operationOf(method: string, key: string, query: URLSearchParams): S3Operation {
  if (key === '') {
    if (method === 'GET' && query.has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET') return 'ListObjectsV2';
    return 'Other';
  }
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'PUT') return query.has('uploadId') ? 'UploadPart' : 'PutObject';
  if (method === 'POST') return query.has('uploads') ? 'CreateMultipartUpload' : 'CompleteMultipartUpload';
  if (method === 'DELETE') return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  return 'Other';
}

function answerWithError(res: ServerResponse, fault: Extract<Fault, { kind: 'answer' }>): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>injected by the test</Message></Error>`;
  res.writeHead(fault.status, { 'content-type': 'application/xml', ...fault.headers });
  res.end(body);
}
