import { utcDay } from '../time/durations';

export const DAY_MS = 24 * 60 * 60 * 1000;

// Days Twilio's DateCreated filters can take: four-digit years, and none before any recording could exist.
const FIRST_FILTER_DAY = Date.parse('1970-01-01T00:00:00Z');
const LAST_FILTER_DAY = Date.parse('9999-12-31T00:00:00Z');

/**
 * A stretch of one account's recordings, listed with Twilio's day filters. It owns exactly the
 * recordings created at or after `fromMs` (none below when undefined) and before `beforeMs` (no
 * end when undefined); shards of one account never overlap, so each recording has one owner.
 */
export interface DateShard {
  fromMs?: number;
  beforeMs?: number;
}

/**
 * How Twilio reads `DateCreated>` and `DateCreated<`. Its documentation says "on or after" and
 * "on or before midnight of this date", which reads either as whole days, both ends included,
 * or as instants at midnight. `whole-days` is the first, seen to hold by asking; `unknown` is
 * either, so filters are widened by a day to be a superset under both.
 */
export type DayFilterReading = 'whole-days' | 'unknown';

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
 * The day filters of a shard. Read as whole days they name exactly the days the shard touches,
 * so two shards that meet at midnight never ask for the same day. Under an unknown reading
 * `DateCreated<` is the first midnight at or after its end and `DateCreated>` the day before
 * its start, a superset either way. A day Twilio cannot take is left out, which only widens it.
 */
export function shardFilters(shard: DateShard, reading: DayFilterReading): Record<string, string> {
  const wholeDays = reading === 'whole-days';
  const filters: Record<string, string> = {};
  const lastDay = shard.beforeMs === undefined ? undefined : ceilDay(shard.beforeMs) - (wholeDays ? DAY_MS : 0);
  const firstDay = shard.fromMs === undefined ? undefined : floorDay(shard.fromMs) - (wholeDays ? 0 : DAY_MS);
  const before = lastDay === undefined ? undefined : filterDay(lastDay);
  const from = firstDay === undefined ? undefined : filterDay(firstDay);
  if (before) filters['DateCreated<'] = before;
  if (from) filters['DateCreated>'] = from;
  return filters;
}

/**
 * A recording to ask about to learn the reading: one created after its day's midnight, so that
 * only a whole-day reading lists it for `DateCreated>` and `DateCreated<` both naming that day.
 */
export function readingSample(createdMs: readonly number[]): number | undefined {
  return createdMs.find((ms) => ms > floorDay(ms));
}

/**
 * What the answer to `DateCreated>=D&DateCreated<=D`, D the day of `sampleMs`, says: a recording
 * after D's midnight and within D shows that both filters take whole days; an empty answer, or
 * one at midnight, leaves the reading unknown.
 */
export function dayFilterReading(sampleMs: number, answeredCreatedMs: number | undefined): DayFilterReading {
  const day = floorDay(sampleMs);
  const inDay = answeredCreatedMs !== undefined && answeredCreatedMs > day && answeredCreatedMs < day + DAY_MS;
  return inDay ? 'whole-days' : 'unknown';
}

/**
 * The time between recordings just above the rest of a shard: over the older half of its full
 * first page, so that a gap or a burst higher up the page does not stand for what lies below.
 */
export function spacingNearEnd(createdMs: readonly number[]): number {
  const last = createdMs.length - 1;
  const middle = Math.ceil(last / 2);
  if (last < 1) return DAY_MS;
  return Math.max(1, ((createdMs[middle] as number) - (createdMs[last] as number)) / (last - middle));
}

export interface SplitOptions {
  /** Where the stretch ends when the shard has no start: the account's creation. */
  accountCreatedMs: number;
  /** Recordings a shard should hold, so that it takes a page or two. */
  targetRecords: number;
  /** Most shards this split makes: what the request budget affords (see shardsToSplitInto). */
  maxShards: number;
}

/** How a shard whose page came back full goes on. */
export interface Split {
  /** The shard keeps reading its pages down to this instant, a midnight, and no further. */
  keepFromMs: number;
  /** Whole-day shards below it, newest first, together reaching down to where the shard started. */
  rest: DateShard[];
}

/**
 * Splits a shard whose latest page came back full (its date_created instants, newest first), at
 * any point of its chain, from that page's evidence alone: the shard keeps its page chain for about `targetRecords` at the
 * density of the page's older half (see spacingNearEnd), and the stretch below is
 * probed with whole-day shards that widen twofold going back in time. The first holds about
 * `targetRecords` if the density holds; wider ones cost one request each when the past is
 * sparse or empty, and split in turn when they come back full. Undefined when less than a whole
 * day lies below what the chain keeps.
 */
export function splitFullShard(
  shard: DateShard,
  pageCreatedMs: readonly number[],
  options: SplitOptions,
): Split | undefined {
  const oldestMs = pageCreatedMs[pageCreatedMs.length - 1];
  if (oldestMs === undefined) return undefined;
  const perRecordMs = spacingNearEnd(pageCreatedMs);
  const extraRecords = Math.max(0, options.targetRecords - pageCreatedMs.length);
  let keepFromMs = floorDay(oldestMs - extraRecords * perRecordMs);
  if (shard.beforeMs !== undefined) keepFromMs = Math.min(keepFromMs, floorDay(shard.beforeMs));
  const bottom = floorDay(shard.fromMs ?? options.accountCreatedMs);
  const days = Math.floor((keepFromMs - bottom) / DAY_MS);
  if (days < 1 || (shard.fromMs !== undefined && keepFromMs <= shard.fromMs)) return undefined;
  const firstDays = Math.max(1, Math.round((options.targetRecords * perRecordMs) / DAY_MS));
  const rest: DateShard[] = [];
  let upper = keepFromMs;
  let width = firstDays;
  while (upper > bottom) {
    const last = rest.length === options.maxShards - 1 || upper - width * DAY_MS <= bottom;
    const lower = last ? bottom : upper - width * DAY_MS;
    rest.push({ fromMs: last ? shard.fromMs : lower, beforeMs: upper });
    upper = lower;
    width *= 2;
  }
  return { keepFromMs, rest };
}
