import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BadInputError, messageOf } from '../errors';
import { printable } from '../text/printable';
import { twilioSignature, type CallbackParams } from './signature';

export type WebhookMethod = 'GET' | 'POST';

/** A request as Twilio would make it: the exact URL, body and signature header. */
export interface SignedWebhookRequest {
  method: WebhookMethod;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  latencyMs: number;
}

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/**
 * Builds the request Twilio makes to `url` with these parameters: in the form-encoded body for POST,
 * appended to the query for GET; signed with the auth token when one is given.
 */
export function signWebhookRequest(
  method: WebhookMethod,
  url: string,
  params: CallbackParams,
  authToken: string | undefined,
  headers: Record<string, string> = {},
): SignedWebhookRequest {
  const encoded = new URLSearchParams(params.map(([key, value]): [string, string] => [key, value])).toString();
  const target = method === 'GET' && encoded ? appendQuery(url, encoded) : url;
  const body = method === 'POST' ? encoded : '';
  const signed: Record<string, string> = { ...headers };
  if (method === 'POST') signed['content-type'] = FORM_CONTENT_TYPE;
  if (authToken) signed['x-twilio-signature'] = twilioSignature(authToken, target, method === 'POST' ? params : []);
  return { method, url: target, headers: signed, body };
}

/** `url` with `query` (already encoded) added after any query it has. */
export function appendQuery(url: string, query: string): string {
  if (!query) return url;
  const hashAt = url.indexOf('#');
  const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
  return `${base}${base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?'}${query}`;
}

export interface WebhookClientOptions {
  timeoutMs?: number;
  /** Response bytes kept; the rest is read and dropped. */
  maxBodyBytes?: number;
  /** Connections kept open between requests. */
  maxSockets?: number;
}

/**
 * Sends webhook requests straight to their URL (never through a proxy: they usually go to a local
 * handler) over keep-alive connections, and reads each answer whatever its status.
 */
export class WebhookClient {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;

  constructor(options: WebhookClientOptions = {}) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  }

  send(request: SignedWebhookRequest): Promise<WebhookAnswer> {
    return this.attempt(request, process.hrtime.bigint(), false);
  }

  /**
   * A server may close a kept-alive connection just as a request goes out on it (Node's own servers do
   * after 5 idle seconds): such a request was never read, and is sent once more on a new connection.
   */
  private attempt(request: SignedWebhookRequest, started: bigint, retried: boolean): Promise<WebhookAnswer> {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const headers: Record<string, string> = { ...request.headers };
    if (request.method === 'POST') headers['content-length'] = String(Buffer.byteLength(request.body));
    return new Promise((resolve, reject) => {
      let answered = false;
      const send = secure ? httpsRequest : httpRequest;
      const outgoing = send(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: url.port || undefined,
          // The exact path and query the signature covers, not a re-encoded form of them.
          path: pathAndQueryOf(request.url),
          method: request.method,
          headers,
          agent: secure ? this.httpsAgent : this.httpAgent,
          timeout: this.timeoutMs,
        },
        (answer) => {
          answered = true;
          const chunks: Buffer[] = [];
          let kept = 0;
          answer.on('data', (chunk: Buffer) => {
            if (kept >= this.maxBodyBytes) return;
            chunks.push(chunk);
            kept += chunk.length;
          });
          answer.on('error', reject);
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 0,
              headers: answer.headers,
              body: Buffer.concat(chunks).subarray(0, this.maxBodyBytes),
              latencyMs: millisecondsSince(started),
            }),
          );
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        const closedUnderIt = outgoing.reusedSocket && !answered && error.code === 'ECONNRESET';
        if (closedUnderIt && !retried) resolve(this.attempt(request, started, true));
        else reject(error);
      });
      outgoing.end(request.method === 'POST' ? request.body : undefined);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * Reads the URL of a callback handler (`name` is how the user gave it, e.g. `--forward-to`): absolute
 * http(s), kept in its normal form so that a signature computed for it matches the request line.
 */
export function parseHandlerUrl(text: string, name: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadInputError(
      `Invalid ${name} "${printable(text)}": give the absolute http(s) URL of your callback handler, e.g. http://localhost:8080/recording-status.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadInputError(`Invalid ${name} "${printable(text)}": only http and https URLs can receive callbacks.`);
  }
  if (url.username || url.password) {
    throw new BadInputError(`Invalid ${name} "${printable(text)}": leave credentials out of the URL.`);
  }
  url.hash = '';
  return url.toString();
}

/** The query of a request target, without `?` ('' when none). */
export function queryOf(target: string): string {
  const queryAt = target.indexOf('?');
  return queryAt >= 0 ? target.slice(queryAt + 1) : '';
}

/** Headers as one string each, repeated ones joined as HTTP allows. */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Milliseconds since `started`, a `process.hrtime.bigint()` reading. */
export function millisecondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The path and query of an absolute URL exactly as written (no normalisation). */
function pathAndQueryOf(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url);
  const rest = match?.[1] ?? '';
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** The first line of an answer's body, trimmed to fit a terminal line. */
export function firstLineOf(body: Buffer | string, max = 80): string {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).trim();
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Describes why a request got no answer, for one line of output. */
export function describeDeliveryError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = messageOf(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
