import type { AxiosInstance } from 'axios';
import type { Readable } from 'node:stream';
import { ConnectionPool } from './connection-pool';

export interface BasicAuth {
  username: string;
  password: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  auth?: BasicAuth;
  body?: string;
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

/**
 * A transport over the host CLI's axios instance, with keep-alive connections from `pool`
 * (which honours the same proxy variables as the host CLI).
 */
export function axiosTransport(http: AxiosInstance, userAgent: string, pool = new ConnectionPool()): HttpTransport {
  return {
    async send(request) {
      const agent = pool.agentFor(request.url);
      const response = await http.request({
        httpAgent: agent,
        httpsAgent: agent,
        proxy: false,
        url: request.url,
        method: request.method,
        headers: { 'User-Agent': userAgent, ...request.headers },
        auth: request.auth,
        data: request.body,
        timeout: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        responseType: 'stream',
        maxRedirects: 0,
        validateStatus: () => true,
      });
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(response.headers ?? {})) {
        headers[name.toLowerCase()] = Array.isArray(value)
          ? value.join(', ')
          : value == null
            ? undefined
            : String(value);
      }
      return { status: response.status, headers, body: response.data as Readable };
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
  return Buffer.concat(chunks);
}

/** Discards a body so its connection can be reused. */
export function discardBody(body: Readable): void {
  body.on('error', () => undefined);
  body.resume();
}
