import { BadInputError } from '../errors';
import {
  encryptedWithOtherKey,
  hasMedia,
  RECORDING_STATUSES,
  type Recording,
  type RecordingStatus,
} from '../recordings/recording';
import { instantBefore, parseDuration, parseInstant, utcDay } from '../time/durations';
import { parseSid } from '../twilio/sids';

/** Selection flags as the user typed them. */
export interface SelectionInput {
  olderThan?: string;
  newerThan?: string;
  before?: string;
  after?: string;
  callSid?: string;
  conferenceSid?: string;
  sids?: string[];
  statuses?: string[];
  subaccounts?: boolean;
  /** At most this many recordings; undefined for all. */
  limit?: number;
  /** Which recordings --limit counts: every match, or only the completed ones a purge would delete. */
  limitCounts?: LimitCounts;
}

/** `completed` lets a purge's --limit count the recordings it deletes, so kept ones never use it up. */
export type LimitCounts = 'matching' | 'completed';

/** A validated, exact selection of recordings. */
export interface SelectionCriteria {
  /** Only recordings created strictly before this instant. */
  createdBefore?: Date;
  /** Only recordings created at or after this instant. */
  createdFrom?: Date;
  callSid?: string;
  conferenceSid?: string;
  sids?: string[];
  statuses?: RecordingStatus[];
  includeSubaccounts: boolean;
  limit?: number;
  limitCounts: LimitCounts;
  /** Only recordings encrypted with another public key than this one (CR…), or with unreadable details. */
  encryptedOtherThan?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

function latest(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

function parseStatus(value: string): RecordingStatus {
  const status = value.trim().toLowerCase();
  if (!(RECORDING_STATUSES as readonly string[]).includes(status)) {
    throw new BadInputError(`Invalid --status "${value}": use one of ${RECORDING_STATUSES.join(', ')}.`);
  }
  return status as RecordingStatus;
}

/** Validates selection flags against `now`; throws a bad-input error before any API call. */
export function buildCriteria(input: SelectionInput, now: Date): SelectionCriteria {
  const olderThan = input.olderThan === undefined ? undefined : parseDuration(input.olderThan, '--older-than');
  const newerThan = input.newerThan === undefined ? undefined : parseDuration(input.newerThan, '--newer-than');
  const before = input.before === undefined ? undefined : parseInstant(input.before, '--before');
  const after = input.after === undefined ? undefined : parseInstant(input.after, '--after');

  const createdBefore = earliest(
    olderThan === undefined ? undefined : instantBefore(now, olderThan, '--older-than', input.olderThan!),
    before,
  );
  const createdFrom = latest(
    newerThan === undefined ? undefined : instantBefore(now, newerThan, '--newer-than', input.newerThan!),
    after,
  );
  if (createdBefore && createdFrom && createdFrom >= createdBefore) {
    throw new BadInputError(
      `No recording can match: created at or after ${createdFrom.toISOString()} and before ${createdBefore.toISOString()}. ` +
        'Check --older-than, --newer-than, --before and --after.',
    );
  }
  if (input.limit !== undefined && (!Number.isInteger(input.limit) || input.limit < 1)) {
    throw new BadInputError(`Invalid --limit "${input.limit}": use a whole number of at least 1, or --no-limit.`);
  }

  const sids = input.sids?.length
    ? [...new Set(input.sids.map((sid) => parseSid('recording', sid, '--sid')))]
    : undefined;
  const statuses = input.statuses?.length ? [...new Set(input.statuses.map(parseStatus))] : undefined;
  return {
    createdBefore,
    createdFrom,
    callSid: input.callSid === undefined ? undefined : parseSid('call', input.callSid, '--call-sid'),
    conferenceSid:
      input.conferenceSid === undefined ? undefined : parseSid('conference', input.conferenceSid, '--conference-sid'),
    sids,
    statuses,
    includeSubaccounts: input.subaccounts ?? false,
    limit: input.limit,
    limitCounts: input.limitCounts ?? 'matching',
  };
}

/** The exact test, applied to every recording Twilio's coarse filters let through. */
export function matchesCriteria(recording: Recording, criteria: SelectionCriteria): boolean {
  if (criteria.createdBefore && !(recording.dateCreated < criteria.createdBefore)) return false;
  if (criteria.createdFrom && !(recording.dateCreated >= criteria.createdFrom)) return false;
  if (criteria.callSid && recording.callSid !== criteria.callSid) return false;
  if (criteria.conferenceSid && recording.conferenceSid !== criteria.conferenceSid) return false;
  if (criteria.sids && !criteria.sids.includes(recording.sid)) return false;
  if (criteria.statuses && !criteria.statuses.includes(recording.status as RecordingStatus)) return false;
  if (criteria.encryptedOtherThan && !encryptedWithOtherKey(recording, criteria.encryptedOtherThan)) return false;
  return true;
}

/** Whether a recording uses up the criteria's --limit. */
export function countsTowardLimit(recording: Pick<Recording, 'status'>, criteria: SelectionCriteria): boolean {
  return criteria.limitCounts === 'matching' || hasMedia(recording);
}

/** `created at or after A and before B` in exact UTC instants, or undefined when no date bounds the selection. */
export function describeWindow(criteria: SelectionCriteria): string | undefined {
  const from = criteria.createdFrom ? `at or after ${criteria.createdFrom.toISOString()}` : undefined;
  const before = criteria.createdBefore ? `before ${criteria.createdBefore.toISOString()}` : undefined;
  if (!from && !before) return undefined;
  return `created ${[from, before].filter(Boolean).join(' and ')}`;
}

// Days Twilio's DateCreated filters can take: four-digit years, and none before any recording could exist.
const FIRST_FILTER_DAY = Date.parse('1970-01-01T00:00:00Z');
const LAST_FILTER_DAY = Date.parse('9999-12-31T00:00:00Z');

/** The UTC day of `time` for a DateCreated filter, or undefined when it is out of the range Twilio takes. */
function filterDay(time: number): string | undefined {
  return time >= FIRST_FILTER_DAY && time < LAST_FILTER_DAY + DAY_MS ? utcDay(new Date(time)) : undefined;
}

/**
 * Twilio's own filters, coarser than the criteria: they work in whole GMT days, and each
 * bound is widened by a day so the result is a superset whether Twilio's day bounds are
 * inclusive or not. A bound whose day Twilio cannot take is left out: the result stays a
 * superset. `matchesCriteria` does the exact work.
 */
export function twilioListQuery(criteria: SelectionCriteria): Record<string, string> {
  const query: Record<string, string> = { PageSize: '1000' };
  const beforeDay = criteria.createdBefore && filterDay(criteria.createdBefore.getTime() + DAY_MS);
  const fromDay = criteria.createdFrom && filterDay(criteria.createdFrom.getTime() - DAY_MS);
  if (beforeDay) query['DateCreated<'] = beforeDay;
  if (fromDay) query['DateCreated>'] = fromDay;
  if (criteria.callSid) query.CallSid = criteria.callSid;
  if (criteria.conferenceSid) query.ConferenceSid = criteria.conferenceSid;
  if (criteria.statuses?.includes('deleted')) query.IncludeSoftDeleted = 'true';
  return query;
}
