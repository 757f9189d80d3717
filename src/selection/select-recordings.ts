import { TwilioApiError } from '../errors';
import { recordingFromApi, type ApiRecording, type Recording } from '../recordings/recording';
import { utcDay } from '../time/durations';
import { API_VERSION_PATH, recordingPath, type TwilioApi } from '../twilio/twilio-api';
import { canonicalApiSid } from '../twilio/sids';
import { countsTowardLimit, matchesCriteria, twilioListQuery, type SelectionCriteria } from './criteria';
import { dayFilterReading, type DayFilterReading } from './date-shards';
import { scanShards } from './sharded-scan';

/** The recordings of one account that one page of Twilio's list yielded, after exact filtering. */
export interface RecordingPage {
  accountSid: string;
  recordings: Recording[];
  /** On the last page only, when --limit stopped the selection while more recordings matched: the limit. */
  stoppedAtLimit?: number;
}

export interface SelectionEvents {
  /** A `--sid` that no selected account has. */
  onSidNotFound?(sid: string): void;
  /** A page of Twilio's list arrived with this many recordings, before exact filtering (for progress). */
  onPageScanned?(records: number): void;
}

/** Twilio's largest page. */
const PAGE_SIZE = 1000;
/**
 * Pages held at once (fetched and not yet handed on, or being fetched), per request allowed in
 * flight: enough for the other shards to go on while the one being printed reads a day of
 * several pages, one after another.
 */
export const PAGES_HELD_PER_REQUEST = 6;
/** --sid lookups started ahead of the one awaited, per request allowed in flight. */
const LOOKUPS_AHEAD_PER_REQUEST = 3;
/** Recordings a date shard is split to hold: two pages. */
const SHARD_TARGET_RECORDS = 2 * PAGE_SIZE;
/** Shards one split makes at most: widening twofold, 16 reach back 65,536 times the first one's width. */
const MAX_SHARDS_PER_SPLIT = 16;

interface AccountJson {
  sid: string;
  status: string;
  date_created: string | null;
}

interface AccountsEnvelope {
  accounts: AccountJson[];
  next_page_uri: string | null;
}

interface SelectedAccounts {
  sids: string[];
  /** When each account was created, as far as the listing of subaccounts said. */
  created: Map<string, number>;
}

/** The account acted on, then, when asked, each of its subaccounts that is not closed. */
async function selectAccounts(api: TwilioApi, includeSubaccounts: boolean): Promise<SelectedAccounts> {
  const accounts: SelectedAccounts = { sids: [api.accountSid], created: new Map() };
  if (!includeSubaccounts) return accounts;
  let next: string | null = `${API_VERSION_PATH}/Accounts.json?PageSize=1000`;
  while (next) {
    const page: AccountsEnvelope = await api.getJson<AccountsEnvelope>(next);
    for (const account of page.accounts) {
      const sid = canonicalApiSid(account.sid);
      const created = Date.parse(account.date_created ?? '');
      if (Number.isFinite(created)) accounts.created.set(sid, created);
      if (account.status !== 'closed' && !accounts.sids.includes(sid)) accounts.sids.push(sid);
    }
    next = page.next_page_uri;
  }
  return accounts;
}

/** When an account was created: from the subaccount listing, or asked of Twilio once. */
function accountCreation(api: TwilioApi, known: Map<string, number>): (accountSid: string) => Promise<number> {
  const asked = new Map<string, Promise<number>>();
  return (accountSid) => {
    const created = known.get(accountSid);
    if (created !== undefined) return Promise.resolve(created);
    let answer = asked.get(accountSid);
    if (!answer) {
      answer = api.getJson<AccountJson>(`${API_VERSION_PATH}/Accounts/${accountSid}.json`).then((account) => {
        const ms = Date.parse(account.date_created ?? '');
        // Without a creation date the shards reach back to the first day filters can name.
        return Number.isFinite(ms) ? ms : 0;
      });
      asked.set(accountSid, answer);
    }
    return answer;
  };
}

/**
 * How Twilio reads day filters, asked once: a list of one recording, both filters naming the
 * day of a recording known to exist (see dayFilterReading).
 */
function dayFilterReadingOf(
  api: TwilioApi,
  query: Record<string, string>,
): (accountSid: string, sampleMs: number) => Promise<DayFilterReading> {
  let answer: Promise<DayFilterReading> | undefined;
  return (accountSid, sampleMs) => {
    answer ??= (async () => {
      const day = utcDay(new Date(sampleMs));
      const url = `${API_VERSION_PATH}/Accounts/${accountSid}/Recordings.json`;
      const page = await api.getJson<{ recordings?: Array<{ date_created?: string }> }>(url, {
        ...query,
        PageSize: '1',
        'DateCreated>': day,
        'DateCreated<': day,
      });
      const created = Date.parse(page.recordings?.[0]?.date_created ?? '');
      return dayFilterReading(sampleMs, Number.isFinite(created) ? created : undefined);
    })();
    return answer;
  };
}

/**
 * Streams the selected recordings page by page, in the order of Twilio's list (accounts in
 * turn, newest first within each): Twilio's coarse filters narrow each list request and the
 * exact criteria decide. Lists are scanned as date shards in parallel (see scanShards), with
 * at most PAGES_HELD_PER_REQUEST pages per request the limiter allows held at once. Once
 * --limit recordings are in, it reads on only to learn whether more would have counted,
 * and says so on a last page.
 */
export async function* selectRecordingPages(
  api: TwilioApi,
  criteria: SelectionCriteria,
  events: SelectionEvents = {},
): AsyncGenerator<RecordingPage> {
  const accounts = await selectAccounts(api, criteria.includeSubaccounts);
  const limit = criteria.limit ?? Number.POSITIVE_INFINITY;
  let counted = 0;
  const source = criteria.sids
    ? fetchBySid(api, accounts.sids, criteria, events)
    : listPages(api, accounts, criteria, events);
  for await (const page of source) {
    const recordings: Recording[] = [];
    for (const recording of page.recordings) {
      if (!matchesCriteria(recording, criteria)) continue;
      const counts = countsTowardLimit(recording, criteria);
      if (counted >= limit) {
        if (!counts) continue;
        yield { accountSid: page.accountSid, recordings, stoppedAtLimit: limit };
        return;
      }
      recordings.push(recording);
      if (counts) counted += 1;
    }
    // This frame keeps the page while the next is awaited, often long enough to move its recordings into the old generation.
    page.recordings.length = 0;
    if (recordings.length > 0) yield { accountSid: page.accountSid, recordings };
  }
}

/** The selected recordings one at a time. */
export async function* selectRecordings(
  api: TwilioApi,
  criteria: SelectionCriteria,
  events: SelectionEvents = {},
): AsyncGenerator<Recording> {
  for await (const page of selectRecordingPages(api, criteria, events)) yield* page.recordings;
}

function listPages(
  api: TwilioApi,
  accounts: SelectedAccounts,
  criteria: SelectionCriteria,
  events: SelectionEvents,
): AsyncGenerator<RecordingPage> {
  const { 'DateCreated<': before, 'DateCreated>': from, ...query } = twilioListQuery(criteria);
  const windowFilters: Record<string, string> = {};
  if (before !== undefined) windowFilters['DateCreated<'] = before;
  if (from !== undefined) windowFilters['DateCreated>'] = from;
  let maxPagesHeld = PAGES_HELD_PER_REQUEST * api.limiter.max;
  // A small --limit needs few pages: fetching far ahead would only be thrown away.
  if (criteria.limit !== undefined) maxPagesHeld = Math.min(maxPagesHeld, Math.ceil(criteria.limit / PAGE_SIZE) + 1);
  return scanShards(api, accounts.sids, {
    query,
    window: { fromMs: criteria.createdFrom?.getTime(), beforeMs: criteria.createdBefore?.getTime() },
    windowFilters,
    pageSize: PAGE_SIZE,
    maxPagesHeld,
    shardTargetRecords: SHARD_TARGET_RECORDS,
    maxShardsPerSplit: MAX_SHARDS_PER_SPLIT,
    accountCreated: accountCreation(api, accounts.created),
    dayFilterReading: dayFilterReadingOf(api, query),
    onPageScanned: events.onPageScanned,
  });
}

/**
 * Looks up each --sid, several at once under the limiter, and hands them on in the order given.
 * A sid is looked for in each account in turn, so it is found where a walk would find it first.
 */
async function* fetchBySid(
  api: TwilioApi,
  accounts: string[],
  criteria: SelectionCriteria,
  events: SelectionEvents,
): AsyncGenerator<RecordingPage> {
  const includeDeleted = criteria.statuses?.includes('deleted') ? 'true' : undefined;
  const lookUp = async (sid: string): Promise<RecordingPage | undefined> => {
    for (const accountSid of accounts) {
      const recording = await fetchRecording(api, accountSid, sid, includeDeleted);
      if (recording) return { accountSid, recordings: [recording] };
    }
    return undefined;
  };
  const sids = criteria.sids ?? [];
  const ahead = LOOKUPS_AHEAD_PER_REQUEST * api.limiter.max;
  const pending: Array<Promise<RecordingPage | undefined>> = [];
  let started = 0;
  try {
    for (let i = 0; i < sids.length; i += 1) {
      while (started < sids.length && started < i + ahead) {
        const lookup = lookUp(sids[started]!);
        // Settled here too, so that a lookup failing while an earlier one is awaited is not left unhandled.
        lookup.catch(() => undefined);
        pending.push(lookup);
        started += 1;
      }
      const page = await pending.shift()!;
      if (page) yield page;
      else events.onSidNotFound?.(sids[i]!);
    }
  } finally {
    pending.length = 0;
  }
}

async function fetchRecording(
  api: TwilioApi,
  accountSid: string,
  sid: string,
  includeSoftDeleted?: string,
): Promise<Recording | undefined> {
  try {
    const json = await api.getJson<ApiRecording>(`${recordingPath(accountSid, sid)}.json`, {
      IncludeSoftDeleted: includeSoftDeleted,
    });
    return recordingFromApi(json);
  } catch (error) {
    if (error instanceof TwilioApiError && error.httpStatus === 404) return undefined;
    throw error;
  }
}
