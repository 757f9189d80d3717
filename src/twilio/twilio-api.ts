import { CredentialsError, TwilioApiError } from '../errors';
import { checkMediaAnswer, type MediaFormat } from './media-format';
import { ConcurrencyLimiter } from './concurrency-limiter';
import {
  discardBody,
  readBody,
  readLentBody,
  type BasicAuth,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from './http-transport';
import { readListPage } from './list-page-reader';
import { RetryableError, RetryPolicy, parseRetryAfter } from './retry-policy';

export const API_VERSION_PATH = '/2010-04-01';

/** The path of a recording resource; add `.json` for its metadata, `.wav` or `.mp3` for its media. */
export function recordingPath(accountSid: string, recordingSid: string): string {
  return `${API_VERSION_PATH}/Accounts/${accountSid}/Recordings/${recordingSid}`;
}
const MAX_REDIRECTS = 5;

export interface TwilioApiOptions {
  transport: HttpTransport;
  credentials: BasicAuth;
  /** The account acted on: the profile's, which owns any subaccounts. */
  accountSid: string;
  /** Origin of the REST API, such as https://api.twilio.com. */
  baseUrl: string;
  retryPolicy: RetryPolicy;
  limiter: ConcurrencyLimiter;
  /** Names the credentials in messages, e.g. `the credentials of profile "prod"`; never the secret. */
  credentialsLabel: string;
  /** Told each request and its answer (for `-l debug`); never given credentials. */
  debug?: (message: string) => void;
}

/** The API host for a profile's region and edge, as the Twilio helper library builds it. */
export function apiBaseUrl(region?: string, edge?: string): string {
  const effectiveRegion = region || (edge ? 'us1' : undefined);
  return `https://${['api', edge, effectiveRegion, 'twilio.com'].filter(Boolean).join('.')}`;
}

/** A request called off before it was sent, because the command was asked to stop. */
export class RequestNotSentError extends Error {
  constructor(what: string) {
    super(`${what} was not sent: the command was stopped`);
    this.name = 'RequestNotSentError';
  }
}

/** Credentials may travel only to Twilio's own hosts over HTTPS (or to the configured API origin). */
export function mayReceiveCredentials(url: URL, apiOrigin: string): boolean {
  if (url.origin === apiOrigin) return true;
  const host = url.hostname.toLowerCase();
  return url.protocol === 'https:' && (host === 'twilio.com' || host.endsWith('.twilio.com'));
}

interface TwilioErrorBody {
  code?: number;
  message?: string;
  more_info?: string;
}

/**
 * Access to the Twilio REST API through the one retry policy and concurrency limiter.
 * Every request goes through here, so throttling seen by one command slows all its work.
 */
export class TwilioApi {
  readonly baseUrl: string;

  constructor(private readonly options: TwilioApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
  }

  get accountSid(): string {
    return this.options.accountSid;
  }

  get limiter(): ConcurrencyLimiter {
    return this.options.limiter;
  }

  get retryPolicy(): RetryPolicy {
    return this.options.retryPolicy;
  }

  /** Absolute URL for an API path (`/2010-04-01/...`) or a URL Twilio returned. */
  url(pathOrUrl: string, query?: Record<string, string | number | boolean | undefined>): string {
    const url = new URL(pathOrUrl, this.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  async getJson<T>(pathOrUrl: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> {
    const url = this.url(pathOrUrl, query);
    return this.retryPolicy.run(
      async () => {
        const response = await this.send({ method: 'GET', url });
        const body = await readBody(response.body);
        if (response.status >= 200 && response.status < 300) return JSON.parse(body.toString('utf8')) as T;
        throw this.errorFor(response, body, `GET ${new URL(url).pathname}`, new URL(url).pathname);
      },
      this.limiter,
      `GET ${new URL(url).pathname}`,
    );
  }

  /**
   * One page of a list, its items (the array under `key`) handed to `collect` one at a time as
   * it takes them, each parsed only then (see readListPage); `collect` must take them at once.
   */
  async getListPage<R>(
    pathOrUrl: string,
    key: string,
    collect: (items: Iterable<unknown>) => R,
  ): Promise<{ envelope: Record<string, unknown>; collected: R }> {
    const url = this.url(pathOrUrl);
    return this.retryPolicy.run(
      async () => {
        const response = await this.send({ method: 'GET', url });
        if (response.status < 200 || response.status >= 300) {
          const body = await readBody(response.body);
          throw this.errorFor(response, body, `GET ${new URL(url).pathname}`, new URL(url).pathname);
        }
        const body = await readLentBody(response.body, Number(response.headers['content-length']) || 0);
        try {
          const { envelope, items } = readListPage(body.bytes, body.size, key);
          return { envelope, collected: collect(items) };
        } finally {
          body.release();
        }
      },
      this.limiter,
      `GET ${new URL(url).pathname}`,
    );
  }

  /**
   * Deletes a resource; `not-found` when Twilio no longer has it (already deleted). When `stop`
   * has aborted by the time a slot is free for the first try, nothing is sent: RequestNotSentError.
   */
  async delete(path: string, stop?: AbortSignal): Promise<'deleted' | 'not-found'> {
    const url = this.url(path);
    return this.retryPolicy.run(
      async (attempt) => {
        // A later try may follow one Twilio carried out: only the first can be called off.
        if (attempt === 1 && stop?.aborted) throw new RequestNotSentError(`DELETE ${new URL(url).pathname}`);
        const response = await this.send({ method: 'DELETE', url });
        const body = await readBody(response.body);
        if (response.status >= 200 && response.status < 300) return 'deleted' as const;
        if (response.status === 404) return 'not-found' as const;
        throw this.errorFor(response, body, `DELETE ${new URL(url).pathname}`, new URL(url).pathname);
      },
      this.limiter,
      `DELETE ${new URL(url).pathname}`,
    );
  }

  /**
   * Fetches a recording's media in `format` and hands Twilio's answer, checked to be that audio
   * (see checkMediaAnswer), to `receive`, which reads the body. Each try holds one slot of the
   * limiter until `receive` settles, and a retryable failure of either is tried again under the
   * retry policy; whatever `receive` keeps of a failed try is its own to discard.
   */
  fetchMedia<T>(
    recording: { sid: string; accountSid: string },
    format: MediaFormat,
    receive: (response: HttpResponse) => Promise<T>,
  ): Promise<T> {
    const mediaPath = `${recordingPath(recording.accountSid, recording.sid)}.${format}`;
    return this.retryPolicy.run(
      async () => {
        const response = await this.getFollowingRedirects(mediaPath);
        await checkMediaAnswer(this, recording, format, response);
        return receive(response);
      },
      this.limiter,
      `download of ${recording.sid}`,
    );
  }

  /**
   * One GET that follows redirects itself, sending credentials only to hosts allowed to
   * receive them. Returns the final response with its body unread; the caller owns it.
   * Not retried here: a streaming caller decides what a failure means for it.
   */
  async getFollowingRedirects(pathOrUrl: string, headers?: Record<string, string>): Promise<HttpResponse> {
    let url = new URL(this.url(pathOrUrl));
    for (let hop = 0; ; hop += 1) {
      const response = await this.send({ method: 'GET', url: url.toString(), headers }, url);
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || !location) return response;
      discardBody(response.body);
      if (hop >= MAX_REDIRECTS) throw new RetryableError(`too many redirects fetching ${url.pathname}`);
      url = new URL(location, url);
    }
  }

  /**
   * Turns a non-2xx answer into a retryable error, a credentials error or a Twilio API error.
   * `path`, when given, lets a 403 or 404 on the profile's account itself count as a credentials problem.
   */
  errorFor(response: HttpResponse, body: Buffer, what: string, path?: string): Error {
    const details = parseErrorBody(body);
    const codeText = details.code ? `, error ${details.code}` : '';
    const message = details.message ?? `HTTP ${response.status}`;
    if (response.status === 429 || response.status >= 500) {
      return new RetryableError(
        `Twilio answered ${response.status} (${message}${codeText}) to ${what}`,
        response.status === 429,
        parseRetryAfter(response.headers['retry-after']),
      );
    }
    const { credentialsLabel: label } = this.options;
    if (response.status === 401) {
      return new CredentialsError(
        `Twilio rejected ${label} for account ${this.accountSid} (401${codeText}). ` +
          'Check them with "twilio profiles:list", or store new ones with "twilio profiles:create".',
      );
    }
    if (path !== undefined && isAccountLevelPath(path, this.accountSid)) {
      if (response.status === 403) {
        return new CredentialsError(
          `Twilio refused ${label} access to account ${this.accountSid} (403${codeText}): the account may be ` +
            'suspended or the API key restricted. Check it in the Twilio Console, or use other credentials with -p.',
        );
      }
      if (response.status === 404) {
        return new CredentialsError(
          `Twilio has no account ${this.accountSid} for ${label} (404${codeText}). ` +
            'Check the account SID with "twilio profiles:list", or store the right one with "twilio profiles:create".',
        );
      }
    }
    return new TwilioApiError(
      `Twilio answered ${response.status} to ${what}: ${message}${codeText}.`,
      response.status,
      details.code,
    );
  }

  private async send(request: HttpRequest, target = new URL(request.url)): Promise<HttpResponse> {
    const withCredentials = mayReceiveCredentials(target, new URL(this.baseUrl).origin);
    const debug = this.options.debug;
    debug?.(`${request.method} ${target.toString()}${withCredentials ? '' : ' (without credentials)'}`);
    const response = await this.options.transport.send({
      ...request,
      auth: withCredentials ? this.options.credentials : undefined,
    });
    debug?.(`${response.status} from ${request.method} ${target.pathname}`);
    return response;
  }
}

/**
 * Whether `path` is the account itself or one of its lists (`/Accounts.json`, `/Accounts/AC….json`,
 * `/Accounts/AC…/Recordings.json`): a 403 or 404 there is about the account, not a missing resource.
 */
export function isAccountLevelPath(path: string, accountSid: string): boolean {
  if (path === `${API_VERSION_PATH}/Accounts.json`) return true;
  const prefix = `${API_VERSION_PATH}/Accounts/${accountSid}`;
  if (!path.startsWith(prefix)) return false;
  return /^(\.json|\/[A-Za-z]+\.json)$/.test(path.slice(prefix.length));
}

function parseErrorBody(body: Buffer): TwilioErrorBody {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as TwilioErrorBody) : {};
  } catch {
    return {};
  }
}
