import type { ApiRecording, Recording } from '../recordings/recording';
import { RecordingColumns } from '../recordings/recording-columns';
import { API_VERSION_PATH, type TwilioApi } from '../twilio/twilio-api';
import { readingSample, shardFilters, splitFullShard, type DateShard, type DayFilterReading } from './date-shards';
import { shardsToSplitInto, spareRequests, type AccountEvidence } from './scan-budget';

/** One page of an account's list as Twilio returned it, before any exact filtering. */
export interface ScannedPage {
  accountSid: string;
  recordings: Recording[];
}

export interface ScanOptions {
  /** The list query's other parameters (PageSize, CallSid, ...), without day filters. */
  query: Record<string, string>;
  /** The selected window: the first shard of each account; its day filters as today's single walk sends them. */
  window: DateShard;
  windowFilters: Record<string, string>;
  /** Recordings on a full page: the query's PageSize. */
  pageSize: number;
  /** Pages fetched and not yet handed on, plus pages being fetched: the memory bound. */
  maxPagesHeld: number;
  /** Recordings a shard is split to hold, and the most shards one split makes (see splitFullShard). */
  shardTargetRecords: number;
  maxShardsPerSplit: number;
  /** The account's creation, which bounds a window that has no start. */
  accountCreated(accountSid: string): Promise<number>;
  /** How Twilio reads day filters, learnt once from a recording of this account created at `sampleMs`. */
  dayFilterReading(accountSid: string, sampleMs: number): Promise<DayFilterReading>;
  /** Each page as it arrives, for progress. */
  onPageScanned?(records: number): void;
}

/** One shard being scanned: a chain of pages, each fetched after the one before. */
interface Shard extends DateShard {
  accountSid: string;
  /** The next page to fetch; null once no page of this shard can hold anything it owns. */
  next: string | null;
  fetching: boolean;
  /** Its first page came back full and what to do with the rest is being decided. */
  splitting: boolean;
  /** Whether its first page has arrived. */
  started: boolean;
  /** Pages fetched and not yet handed on, held compactly. */
  pages: RecordingColumns[];
  /** Why the next page could not be fetched: raised when the walk would have reached it. */
  failure?: { error: unknown };
  /** Whether the one page it may spend coming back less than full is still reserved in the budget. */
  reserved: boolean;
  /**
   * Twilio's word, by a next page link, that a recording not yet received lies in this shard's
   * stretch, shared with the shards split from it; closed once one of them brings a recording.
   */
  shown?: { open: boolean };
}

/**
 * Scans accounts' recordings as several date shards at once and hands on pages in the order of
 * a one-page-at-a-time walk: accounts in the order given, newest first within each. Each account
 * starts as one shard, its walk. A shard whose page comes back full, with more to come, keeps a
 * page or two of its chain and hands the stretch below to new shards (see splitFullShard), as
 * many as the request budget affords (see spareRequests) and requests could start now, so that
 * the scan never asks for more than twice the pages the walk needs; each shard keeps only the
 * recordings it owns. At most `maxPagesHeld` pages are held (fetched but not handed on, or being
 * fetched), plus one for the shard at the head.
 */
export async function* scanShards(
  api: TwilioApi,
  accountSids: string[],
  options: ScanOptions,
): AsyncGenerator<ScannedPage> {
  const accounts = new Map<string, AccountEvidence>(
    accountSids.map((sid) => [sid, { answered: false, records: 0, fullPages: 0, moreShown: false }]),
  );
  /** Requests that may come back less than full: one per shard not yet done so, those done, and the reading's. */
  let committed = 0;
  let reading: Promise<DayFilterReading> | undefined;
  const newShard = (accountSid: string, range: DateShard, next: string, shown?: { open: boolean }): Shard => {
    committed += 1;
    return {
      ...range,
      accountSid,
      next,
      fetching: false,
      splitting: false,
      started: false,
      pages: [],
      reserved: true,
      shown,
    };
  };
  const shards: Shard[] = accountSids.map((accountSid) =>
    newShard(accountSid, options.window, listUrl(api, accountSid, { ...options.query, ...options.windowFilters })),
  );
  let held = 0;
  /** Pages being fetched. */
  let inFlight = 0;
  let failed = false;
  let closed = false;
  let wake: (() => void) | undefined;
  const changed = () => {
    wake?.();
    wake = undefined;
  };

  const live = (shard: Shard) => shard.next !== null || shard.fetching || shard.splitting;

  /** What each account's pages have shown, with Twilio's word on more still standing where a live shard carries it. */
  const evidence = (): Iterable<AccountEvidence> => {
    const shown = new Set(shards.filter((s) => live(s) && s.shown?.open).map((s) => s.accountSid));
    for (const [sid, account] of accounts) account.moreShown = shown.has(sid);
    return accounts.values();
  };

  /**
   * Requests that shards split off from `shard` could start now, ahead of every shard printed after
   * it (the pump starts fetches in print order), within the limiter and the pages held.
   */
  const room = (shard: Shard): number => {
    let fetching = 0;
    let pages = 0;
    let waiting = 0;
    for (const s of shards) {
      if (s.fetching) fetching += 1;
      pages += s.pages.length + (s.fetching ? 1 : 0);
      if (!s.started && !s.fetching && s.next !== null) waiting += 1;
      if (s === shard) break;
    }
    return Math.min(api.limiter.limit - fetching, options.maxPagesHeld - pages) - waiting;
  };

  const fetchPage = async (shard: Shard): Promise<void> => {
    const { recordings, nextPageUri } = await listPage(api, shard.accountSid, shard.next as string);
    if (closed) return;
    options.onPageScanned?.(recordings.length);
    shard.started = true;
    shard.pages.push(recordings);
    held += 1;
    const full = recordings.length >= options.pageSize;
    const owned = ownedCount(shard, recordings);
    const account = accounts.get(shard.accountSid)!;
    account.answered = true;
    account.records += owned;
    if (full) account.fullPages += 1;
    if (owned > 0 && shard.shown) shard.shown.open = false;
    const next = nextPageUri && !pastOwnedRange(shard, recordings) ? api.url(nextPageUri) : null;
    shard.shown = next ? { open: true } : undefined;
    if (!full) {
      // The page it reserved, or, past its first, one more.
      if (shard.reserved) shard.reserved = false;
      else committed += 1;
    } else if (!next && shard.reserved) {
      shard.reserved = false;
      committed -= 1;
    }
    if (!full || !next) {
      shard.next = next;
      return;
    }
    const shardCount = shardsToSplitInto({
      spare: spareRequests(evidence(), committed, options.pageSize),
      readingToAsk: reading === undefined,
      room: room(shard),
      maxShards: options.maxShardsPerSplit,
    });
    if (shardCount === 0) {
      shard.next = next;
      return;
    }
    shard.next = null;
    shard.splitting = true;
    try {
      shard.next = await split(shard, recordings, next, shardCount);
    } finally {
      shard.splitting = false;
    }
  };

  /** How Twilio reads day filters, asked once, from a recording on this page; undefined when none can tell. */
  const readingFrom = (accountSid: string, created: number[]): Promise<DayFilterReading> | undefined => {
    if (reading) return reading;
    const sample = readingSample(created);
    if (sample === undefined) return undefined;
    committed += 1;
    reading = options.dayFilterReading(accountSid, sample);
    return reading;
  };

  /** Splits off up to `shardCount` shards below a full page of a shard; the URL of its next page. */
  const split = async (shard: Shard, page: RecordingColumns, next: string, shardCount: number): Promise<string> => {
    const created = Array.from({ length: page.length }, (_, i) => page.createdMs(i));
    // Held in the budget while the reading and the account's creation are awaited, so that no other split spends them.
    committed += shardCount;
    try {
      // Both asked at once: the chain waits for them.
      const [filtersRead, accountCreatedMs] = await Promise.all([
        readingFrom(shard.accountSid, created) ?? ('unknown' as const),
        shard.fromMs === undefined ? options.accountCreated(shard.accountSid) : 0,
      ]);
      const plan = splitFullShard(shard, created, {
        accountCreatedMs,
        targetRecords: options.shardTargetRecords,
        maxShards: shardCount,
      });
      if (closed || !plan) return next;
      shard.fromMs = plan.keepFromMs;
      const rest = plan.rest.map((range) => {
        const url = listUrl(api, shard.accountSid, { ...options.query, ...shardFilters(range, filtersRead) });
        return newShard(shard.accountSid, range, url, shard.shown);
      });
      shards.splice(shards.indexOf(shard) + 1, 0, ...rest);
      // The chain's next page, narrowed to what the shard still owns: Twilio applies the filters of a page URL to every page.
      const from = shardFilters({ fromMs: plan.keepFromMs }, filtersRead)['DateCreated>'];
      return from === undefined ? next : api.url(next, { 'DateCreated>': from });
    } finally {
      // The shards made hold their own reservations.
      committed -= shardCount;
    }
  };

  /** The recordings of a page that the shard owns. */
  const ownedCount = (shard: Shard, recordings: RecordingColumns): number => {
    let owned = 0;
    for (let i = 0; i < recordings.length; i += 1) {
      const created = recordings.createdMs(i);
      if (
        (shard.fromMs === undefined || created >= shard.fromMs) &&
        (shard.beforeMs === undefined || created < shard.beforeMs)
      ) {
        owned += 1;
      }
    }
    return owned;
  };

  /** Whether a page reaches below the shard's start, so that no later page can hold anything it owns. */
  const pastOwnedRange = (shard: Shard, recordings: RecordingColumns): boolean =>
    recordings.length === 0 ||
    (shard.fromMs !== undefined && recordings.createdMs(recordings.length - 1) < shard.fromMs);

  /**
   * Starts the fetches there is room for, in order, so the pages needed soonest come first.
   * No more are started than the limiter lets through, so that a page the head needs next is
   * never queued behind pages needed later: it takes the next slot that frees.
   * After a failure, only those the head needs: what comes before the failure is still handed on.
   */
  const pump = () => {
    if (closed) return;
    for (let i = 0; i < shards.length; i += 1) {
      const shard = shards[i]!;
      if (!shard.next || shard.fetching || shard.splitting || shard.failure) continue;
      if (i !== 0 && (failed || held >= options.maxPagesHeld || inFlight >= api.limiter.limit)) break;
      shard.fetching = true;
      held += 1;
      inFlight += 1;
      fetchPage(shard)
        .catch((error: unknown) => {
          shard.failure = { error };
          failed = true;
        })
        .finally(() => {
          shard.fetching = false;
          held -= 1;
          inFlight -= 1;
          changed();
        });
    }
  };

  try {
    for (;;) {
      pump();
      const head = shards[0];
      if (!head) return;
      if (head.pages.length > 0 && !head.splitting) {
        const page = head.pages.shift()!;
        const recordings = page.recordingsWithin(head.fromMs, head.beforeMs);
        page.release();
        held -= 1;
        yield { accountSid: head.accountSid, recordings };
        continue;
      }
      if (head.failure && !head.fetching) throw head.failure.error;
      if (!head.next && !head.fetching && !head.splitting && head.pages.length === 0) {
        shards.shift();
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    closed = true;
  }
}

/** One list page: its recordings kept compactly, and the envelope let go of at once. */
async function listPage(
  api: TwilioApi,
  accountSid: string,
  url: string,
): Promise<{ recordings: RecordingColumns; nextPageUri: string | null }> {
  const page = await api.getListPage(url, 'recordings', (items) =>
    RecordingColumns.of(accountSid, api.baseUrl, items as Iterable<ApiRecording>),
  );
  const next = page.envelope.next_page_uri;
  return { recordings: page.collected, nextPageUri: typeof next === 'string' && next !== '' ? next : null };
}

function listUrl(api: TwilioApi, accountSid: string, query: Record<string, string>): string {
  return api.url(`${API_VERSION_PATH}/Accounts/${accountSid}/Recordings.json`, query);
}
