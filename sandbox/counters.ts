export type RouteKind = 'list' | 'fetch' | 'media' | 'delete' | 'accounts' | 'keys' | 'public-keys' | 'cdn' | 'other';

/** What the sandbox saw; a plain object that tests read directly. */
export interface Counters {
  requests: Record<RouteKind | 'total', number>;
  /** How requests arrived: direct (origin-form), tunnel (CONNECT + TLS) or absolute (absolute-form via proxy). */
  transports: { direct: number; tunnel: number; absolute: number };
  /** Recordings sent on list pages, all accounts together. */
  listedRecords: number;
  /** Media body bytes written, from the API host and the CDN host. */
  mediaBytes: number;
  /** Responses by HTTP status code ("200", "429", ...); dropped requests have none. */
  responses: Record<string, number>;
  throttled: number;
  /** Most API requests in flight at once for any one account family. */
  maxConcurrent: number;
  dropped: number;
  truncated: number;
  errorsInjected: number;
  /** Requests held unanswered by `holdAfterRequests`. */
  held: number;
  cdnAuthorizationHeaders: number;
  /** DELETE requests that reached the recording (authorized, not throttled or faulted), per sid. */
  deletesPerSid: Record<string, number>;
  /** Media responses sent in full, per recording sid. */
  mediaFetchesPerSid: Record<string, number>;
}

export function createCounters(): Counters {
  return {
    requests: {
      total: 0,
      list: 0,
      fetch: 0,
      media: 0,
      delete: 0,
      accounts: 0,
      keys: 0,
      'public-keys': 0,
      cdn: 0,
      other: 0,
    },
    transports: { direct: 0, tunnel: 0, absolute: 0 },
    listedRecords: 0,
    mediaBytes: 0,
    responses: {},
    throttled: 0,
    maxConcurrent: 0,
    dropped: 0,
    truncated: 0,
    errorsInjected: 0,
    held: 0,
    cdnAuthorizationHeaders: 0,
    deletesPerSid: {},
    mediaFetchesPerSid: {},
  };
}

/** Zeroes the counters in place, so references held by tests stay live. */
export function resetCounters(counters: Counters): void {
  Object.assign(counters, createCounters());
}

export function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}
