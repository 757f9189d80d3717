import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header state-changing calls carry the token in: a cross-site form or image cannot set it. */
export const TOKEN_HEADER = 'x-inspector-token';

/** A new unguessable token: 256 random bits, URL-safe. */
export function newInspectorToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Why a request is refused: 403 for a foreign Host or Origin, 401 for a missing or wrong token; or undefined. */
export interface Refusal {
  status: 401 | 403;
  reason: string;
}

export interface AccessRequest {
  method: string;
  /** Path and query as received. */
  target: string;
  headers: IncomingHttpHeaders;
}

/**
 * Decides who may use the inspector. Every request must name this machine's loopback address and the
 * port in Host (a DNS-rebinding page names its own host) and carry the token; an Origin, when sent,
 * must be the inspector's own. A state-changing request must also be same-origin with the token in a
 * header, so that neither another site nor a link can make one.
 */
export class InspectorAccess {
  private readonly hosts: ReadonlySet<string>;
  private readonly origins: ReadonlySet<string>;

  constructor(
    private readonly token: string,
    port: number,
  ) {
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
    this.origins = new Set([...this.hosts].map((host) => `http://${host}`));
  }

  refusal(request: AccessRequest): Refusal | undefined {
    const host = single(request.headers.host)?.toLowerCase();
    if (!host || !this.hosts.has(host)) return { status: 403, reason: 'Host is not this machine’s inspector address' };
    const origin = single(request.headers.origin);
    if (origin !== undefined && !this.origins.has(origin.toLowerCase())) {
      return { status: 403, reason: 'requests from other sites are refused' };
    }
    const site = single(request.headers['sec-fetch-site']);
    const isPage = request.method === 'GET' && !request.target.startsWith('/api/');
    if (!isPage && site !== undefined && site !== 'same-origin') {
      return { status: 403, reason: 'requests from other sites are refused' };
    }
    if (request.method === 'GET') {
      return this.matches(tokenInQuery(request.target)) || this.matches(single(request.headers[TOKEN_HEADER]))
        ? undefined
        : { status: 401, reason: 'open the URL the listener printed, with its token' };
    }
    if (origin === undefined)
      return { status: 403, reason: 'state-changing requests must come from the inspector page' };
    return this.matches(single(request.headers[TOKEN_HEADER]))
      ? undefined
      : { status: 401, reason: `state-changing requests need the token in ${TOKEN_HEADER}` };
  }

  private matches(given: string | undefined): boolean {
    if (!given) return false;
    const expected = Buffer.from(this.token, 'utf8');
    const actual = Buffer.from(given, 'utf8');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}

function tokenInQuery(target: string): string | undefined {
  const queryAt = target.indexOf('?');
  if (queryAt < 0) return undefined;
  return new URLSearchParams(target.slice(queryAt + 1)).get('token') ?? undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
