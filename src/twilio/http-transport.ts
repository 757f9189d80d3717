import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ConnectionPool } from './connection-pool';

export interface BasicAuth {
  username: string;
  password: string;
}

export interface HttpRequest {
  method: 'GET' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  auth?: BasicAuth;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body: Readable;
}

/**
 * One HTTP exchange: never follows redirects and never throws on an HTTP status,
 * so that redirects, retries and errors are decided in one place above it.
 */
export interface HttpTransport {
  send(request: HttpRequest): Promise<HttpResponse>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

function timeoutError(ms: number): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`no answer for ${ms / 1000} s`);
  error.code = 'ETIMEDOUT';
  return error;
}

function basicAuthorization({ username, password }: BasicAuth): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * A transport over Node's own HTTP client, with keep-alive connections from `pool` (which
 * honours the same proxy variables as the host CLI). The host's axios instance does the same
 * job, but its per-request set-up cost a fifth of the CPU of a bulk download.
 */
export function nodeTransport(userAgent: string, pool = new ConnectionPool()): HttpTransport {
  return {
    send(request) {
      const url = new URL(request.url);
      const headers: Record<string, string> = { 'User-Agent': userAgent, ...request.headers };
      if (request.auth) headers.Authorization = basicAuthorization(request.auth);
      const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const client = url.protocol === 'https:' ? https : http;
      return new Promise((resolve, reject) => {
        const outgoing = client.request(
          url,
          { method: request.method, headers, agent: pool.agentFor(request.url), timeout: timeoutMs },
          (incoming) => {
            const responseHeaders: Record<string, string | undefined> = {};
            for (const [name, value] of Object.entries(incoming.headers)) {
              responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: incoming.statusCode ?? 0, headers: responseHeaders, body: incoming });
          },
        );
        // Fires whenever the connection stays silent that long, also while a body streams in.
        outgoing.on('timeout', () => outgoing.destroy(timeoutError(timeoutMs)));
        outgoing.on('error', reject);
        outgoing.end();
      });
    },
  };
}

/** Reads a whole response body, refusing to hold more than `maxBytes`. */
export async function readBody(body: Readable, maxBytes = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buffer.length;
    if (size > maxBytes) {
      body.destroy();
      throw new Error(`response body larger than ${maxBytes} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

/** A body read whole into a lent buffer: its bytes are `bytes` up to `size`, until `release()` takes the buffer back. */
export interface LentBody {
  bytes: Buffer;
  size: number;
  release(): void;
}

/** Buffers given back by bodies read before, lent again to the next. */
const spareBuffers: Buffer[] = [];
/** Spare buffers kept: about as many as bodies arrive at once. */
const MAX_SPARE_BUFFERS = 8;

function lendBuffer(size: number): Buffer {
  const index = spareBuffers.findIndex((buffer) => buffer.length >= size);
  if (index >= 0) return spareBuffers.splice(index, 1)[0]!;
  return Buffer.allocUnsafeSlow(size);
}

function giveBack(buffer: Buffer): void {
  if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer);
}

/**
 * Reads a whole body, refusing more than `maxBytes`, into a buffer lent from those earlier bodies
 * gave back, each chunk copied in as it arrives. A list page is a megabyte in some sixty chunks:
 * held until the page was whole, they outlived the young generation and waited, outside the heap,
 * for a full collection; copied at once, they die young, and the lent buffers are reused.
 * `sizeHint` (a Content-Length) sizes a new buffer; it grows if the body is larger.
 */
export async function readLentBody(body: Readable, sizeHint = 0, maxBytes = 64 * 1024 * 1024): Promise<LentBody> {
  let bytes = lendBuffer(Math.min(Math.max(sizeHint, 64 * 1024), maxBytes));
  let size = 0;
  body.on('data', (chunk: Buffer) => {
    if (size + chunk.length > maxBytes) {
      body.destroy(new Error(`response body larger than ${maxBytes} bytes`));
      return;
    }
    if (size + chunk.length > bytes.length) {
      const larger = Buffer.allocUnsafeSlow(Math.min(Math.max(2 * bytes.length, size + chunk.length), maxBytes));
      bytes.copy(larger, 0, 0, size);
      bytes = larger;
    }
    size += chunk.copy(bytes, size);
  });
  try {
    await finished(body);
  } catch (error) {
    giveBack(bytes);
    throw error;
  }
  let lent = true;
  return {
    bytes,
    size,
    release() {
      if (lent) giveBack(bytes);
      lent = false;
    },
  };
}

/** Discards a body so its connection can be reused. */
export function discardBody(body: Readable): void {
  body.on('error', () => undefined);
  body.resume();
}
