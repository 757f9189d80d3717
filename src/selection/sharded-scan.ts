import type { ApiRecording, Recording } from '../recordings/recording';
import { RecordingColumns } from '../recordings/recording-columns';
import { API_VERSION_PATH, type TwilioApi } from '../twilio/twilio-api';
import { readingSample, shardFilters, splitFullShard, type DateShard, type DayFilterReading } from './date-shards';

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
}

/**
 * Scans accounts' recordings as several date shards at once and hands on pages in the order of
 * a one-page-at-a-time walk: accounts in the order given, newest first within each. Each account
 * starts as one shard, its walk; a shard whose first page comes back full keeps a page or two of
 * its chain and hands the stretch below to new shards (see splitFullShard), so shards are planned
 * from what pages showed, and each keeps only the recordings it owns. At most `maxPagesHeld`
 * pages are held (fetched but not handed on, or being fetched), plus one for the shard at the head.
 */
export async function* scanShards(
  api: TwilioApi,
  accountSids: string[],
  options: ScanOptions,
): AsyncGenerator<ScannedPage> {
  const newShard = (accountSid: string, range: DateShard, next: string): Shard => ({
    ...range,
    accountSid,
    next,
    fetching: false,
    splitting: false,
    started: false,
    pages: [],
  });
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

  const fetchPage = async (shard: Shard): Promise<void> => {
    const { recordings, nextPageUri } = await listPage(api, shard.accountSid, shard.next as string);
    if (closed) return;
    options.onPageScanned?.(recordings.length);
    const first = !shard.started;
    shard.started = true;
    shard.pages.push(recordings);
    held += 1;
    const next = nextPageUri && !pastOwnedRange(shard, recordings) ? api.url(nextPageUri) : null;
    if (!first || !next) {
      shard.next = next;
      return;
    }
    shard.next = null;
    shard.splitting = true;
    try {
      shard.next = await split(shard, recordings, next);
    } finally {
      shard.splitting = false;
    }
  };

  /** Splits a shard whose first page came back full; the URL of its next page. */
  const split = async (shard: Shard, page: RecordingColumns, next: string): Promise<string> => {
    const created = Array.from({ length: page.length }, (_, i) => page.createdMs(i));
    const sample = readingSample(created);
    const reading = sample === undefined ? 'unknown' : await options.dayFilterReading(shard.accountSid, sample);
    const accountCreatedMs = shard.fromMs === undefined ? await options.accountCreated(shard.accountSid) : 0;
    const plan = splitFullShard(shard, created, {
      accountCreatedMs,
      targetRecords: options.shardTargetRecords,
      maxShards: options.maxShardsPerSplit,
    });
    if (closed || !plan) return next;
    shard.fromMs = plan.keepFromMs;
    shards.splice(
      shards.indexOf(shard) + 1,
      0,
      ...plan.rest.map((range) =>
        newShard(
          shard.accountSid,
          range,
          listUrl(api, shard.accountSid, { ...options.query, ...shardFilters(range, reading) }),
        ),
      ),
    );
    // The chain's next page, narrowed to what the shard still owns: Twilio applies the filters of a page URL to every page.
    const from = shardFilters({ fromMs: plan.keepFromMs }, reading)['DateCreated>'];
    return from === undefined ? next : api.url(next, { 'DateCreated>': from });
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
