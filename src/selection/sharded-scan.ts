import type { ApiRecording, Recording } from '../recordings/recording';
import { RecordingColumns } from '../recordings/recording-columns';
import { API_VERSION_PATH, type TwilioApi } from '../twilio/twilio-api';
import { shardFilters, splitRest, type DateShard } from './date-shards';

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
  /** Recordings a shard is split to hold (see splitRest). */
  shardTargetRecords: number;
  /** The account's creation, which bounds a window that has no start. */
  accountCreated(accountSid: string): Promise<number>;
  /** Each page as it arrives, for progress. */
  onPageScanned?(records: number): void;
}

/**
 * One shard being scanned: a chain of pages, each fetched after the one before. A shard owns,
 * of what its filters return, the recordings newer than every recording the next older shard
 * returns, so a recording two shards' day filters both return is handed on once, by the older.
 */
interface Shard extends DateShard {
  accountSid: string;
  /** The next page to fetch; null once no page of this shard can hold anything it owns. */
  next: string | null;
  fetching: boolean;
  splitting: boolean;
  /** Pages fetched and not yet handed on, held compactly. */
  pages: RecordingColumns[];
  /** Set by the first page: the newest date_created the shard's filters returned, if any. */
  newestMs?: number | null;
  /** Why the next page could not be fetched: raised when the walk would have reached it. */
  failure?: { error: unknown };
}

/**
 * Scans accounts' recordings as several date shards at once and hands on pages in the order of
 * a one-page-at-a-time walk: accounts in the order given, newest first within each. At most
 * `maxPagesHeld` pages are held (fetched but not handed on, or being fetched), plus one for the
 * shard at the head and one for the first page of the shard after it, which the head needs.
 */
export async function* scanShards(
  api: TwilioApi,
  accountSids: string[],
  options: ScanOptions,
): AsyncGenerator<ScannedPage> {
  const shards: Shard[] = accountSids.map((accountSid) => ({
    ...options.window,
    accountSid,
    next: listUrl(api, accountSid, { ...options.query, ...options.windowFilters }),
    fetching: false,
    splitting: false,
    pages: [],
  }));
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
    const first = shard.newestMs === undefined;
    if (first) shard.newestMs = recordings.length > 0 ? recordings.createdMs(0) : null;
    shard.pages.push(recordings);
    held += 1;
    shard.next = nextPageUri && !pastOwnedRange(shard, recordings) ? api.url(nextPageUri) : null;
    if (first && shard.next && recordings.length > 0) {
      shard.splitting = true;
      const rest = splitRest(
        shard,
        {
          newestMs: shard.newestMs as number,
          oldestMs: recordings.createdMs(recordings.length - 1),
          records: recordings.length,
        },
        {
          accountCreatedMs: shard.fromMs === undefined ? await options.accountCreated(shard.accountSid) : 0,
          targetRecords: options.shardTargetRecords,
        },
      );
      shard.splitting = false;
      if (closed || rest.length === 0) return;
      shard.next = null;
      shards.splice(
        shards.indexOf(shard) + 1,
        0,
        ...rest.map((range) => ({
          ...range,
          accountSid: shard.accountSid,
          next: listUrl(api, shard.accountSid, { ...options.query, ...shardFilters(range) }),
          fetching: false,
          splitting: false,
          pages: [],
        })),
      );
    }
  };

  /** Records at or below this instant belong to older shards (see Shard). */
  const cutOf = (shard: Shard, older: Shard | undefined): number => {
    const below = shard.fromMs === undefined ? Number.NEGATIVE_INFINITY : shard.fromMs - 1;
    const olderNewest = older?.accountSid === shard.accountSid ? older.newestMs : null;
    return olderNewest === null || olderNewest === undefined ? below : Math.max(below, olderNewest);
  };

  /** Whether a page reaches down to what older shards own, so that no later page can hold anything this one owns. */
  const pastOwnedRange = (shard: Shard, recordings: RecordingColumns): boolean => {
    if (recordings.length === 0) return true;
    const older = shards[shards.indexOf(shard) + 1];
    return recordings.createdMs(recordings.length - 1) <= cutOf(shard, older);
  };

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
      const needed = i === 0 || (i === 1 && shard.newestMs === undefined);
      if (!needed && (failed || held >= options.maxPagesHeld || inFlight >= api.limiter.limit)) break;
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
      const older = shards[1];
      const olderKnown = older?.accountSid !== head.accountSid || older.newestMs !== undefined;
      if (head.pages.length > 0 && !head.splitting && olderKnown) {
        const cut = cutOf(head, older);
        const page = head.pages.shift()!;
        const recordings = page.recordingsAfter(cut);
        page.release();
        held -= 1;
        yield { accountSid: head.accountSid, recordings };
        continue;
      }
      if (head.failure && !head.fetching) throw head.failure.error;
      if (head.pages.length > 0 && !olderKnown && older?.failure && !older.fetching) throw older.failure.error;
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
