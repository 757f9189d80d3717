import { utcDay } from '../time/durations';

export const DAY_MS = 24 * 60 * 60 * 1000;

// Days Twilio's DateCreated filters can take: four-digit years, and none before any recording could exist.
const FIRST_FILTER_DAY = Date.parse('1970-01-01T00:00:00Z');
const LAST_FILTER_DAY = Date.parse('9999-12-31T00:00:00Z');

/**
 * A stretch of one account's recordings, listed with Twilio's day filters. It owns the
 * recordings created at or after `fromMs` (none below when undefined) and before `beforeMs`
 * (no end when undefined), in exact instants; its filters return a superset, since they work
 * in whole GMT days and Twilio does not say whether a day bound is inclusive.
 */
export interface DateShard {
  fromMs?: number;
  beforeMs?: number;
}

export function floorDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function ceilDay(ms: number): number {
  return Math.ceil(ms / DAY_MS) * DAY_MS;
}

/** The UTC day of `time` for a DateCreated filter, or undefined when it is out of the range Twilio takes. */
function filterDay(time: number): string | undefined {
  return time >= FIRST_FILTER_DAY && time <= LAST_FILTER_DAY ? utcDay(new Date(time)) : undefined;
}

/**
 * The day filters of a shard, a superset of it whichever way Twilio reads a bound:
 * `DateCreated<` the first midnight at or after its end (exclusive or "on or before that
 * day", both cover it), `DateCreated>` the day before its start. A day Twilio cannot take
 * is left out, which only widens the result.
 */
export function shardFilters(shard: DateShard): Record<string, string> {
  const filters: Record<string, string> = {};
  const before = shard.beforeMs === undefined ? undefined : filterDay(ceilDay(shard.beforeMs));
  const from = shard.fromMs === undefined ? undefined : filterDay(floorDay(shard.fromMs) - DAY_MS);
  if (before) filters['DateCreated<'] = before;
  if (from) filters['DateCreated>'] = from;
  return filters;
}

/** What a full first page of a shard says about the rest of it. */
export interface FullFirstPage {
  /** The newest and oldest date_created on the page. */
  newestMs: number;
  oldestMs: number;
  records: number;
}

export interface SplitOptions {
  /** Where the stretch ends when the shard has no start: the account's creation. */
  accountCreatedMs: number;
  /** Recordings a shard should hold, so that it takes a page or two. */
  targetRecords: number;
}

/**
 * The shards that replace the rest of `shard` after a full first page, newest first, or
 * none when splitting would not pay (less than two days, or less than two shards' worth of
 * recordings, left). They cover from the shard's
 * start (open when it has none) up to the end of the day of the page's oldest recording,
 * never beyond the shard's own end, in whole days, as many as the page's density says the
 * rest needs to hold about `targetRecords` each.
 */
export function splitRest(shard: DateShard, page: FullFirstPage, options: SplitOptions): DateShard[] {
  const top = Math.min(ceilDay(page.oldestMs + 1000), shard.beforeMs ?? Number.POSITIVE_INFINITY);
  const bottom = floorDay(shard.fromMs ?? options.accountCreatedMs);
  const days = Math.floor((top - bottom) / DAY_MS);
  if (days < 2 || !Number.isFinite(top)) return [];
  const spanMs = Math.max(page.newestMs - page.oldestMs, 1000);
  const expected = (page.records * (page.oldestMs - bottom)) / spanMs;
  // A rest of a few pages is read faster as the chain it is than as shards that each start with a page.
  if (expected < 2 * options.targetRecords) return [];
  const count = Math.min(days, Math.ceil(expected / options.targetRecords));
  const shards: DateShard[] = [];
  let upper = top;
  for (let i = 1; i <= count; i += 1) {
    const lower = i === count ? bottom : top - Math.round((i * days) / count) * DAY_MS;
    shards.push({ fromMs: i === count ? shard.fromMs : lower, beforeMs: upper });
    upper = lower;
  }
  return shards;
}
