import { BadInputError } from '../errors';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Units accepted in durations such as `30d`; `mo` and `y` are fixed lengths, not calendar months and years. */
const DURATION_UNITS: Readonly<Record<string, number>> = {
  s: SECOND,
  m: MINUTE,
  h: HOUR,
  d: DAY,
  w: 7 * DAY,
  mo: 30 * DAY,
  y: 365 * DAY,
};

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)([A-Za-z]+)$/;
const UNIT_LIST = 's, m, h, d, w, mo or y';

/**
 * The longest duration: 10000 years of 365 days. No two instants of the years 0000 to 9999 lie
 * further apart, so a longer one can only make a date no one can write (or none at all).
 */
export const MAX_DURATION_MS = 10_000 * DURATION_UNITS.y;

/** The earliest instant a bound may name: 0000-01-01T00:00:00.000Z, the first day ISO 8601 writes with four digits. */
export const EARLIEST_INSTANT = new Date('0000-01-01T00:00:00.000Z');
/** Just after the last instant a bound may name: 10000-01-01T00:00:00.000Z. */
export const INSTANT_LIMIT = new Date('+010000-01-01T00:00:00.000Z');

/**
 * Parses a positive duration like `30d`, `12h` or `6mo` into milliseconds, at most
 * MAX_DURATION_MS (`tooLong` says what to write instead of a longer one). Units are
 * case-sensitive: `6M` could mean minutes or months, and guessing wrong widens a purge.
 */
export function parseDuration(
  text: string,
  flagName = 'duration',
  tooLong = 'use a shorter duration, for example 30d',
): number {
  const trimmed = text.trim();
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match) {
    const hint = /^-?\d+(\.\d+)?$/.test(trimmed)
      ? 'add a unit'
      : trimmed.startsWith('-')
        ? 'use a positive number'
        : 'use a number and a unit';
    throw new BadInputError(`Invalid ${flagName} "${text}": ${hint} (${UNIT_LIST}), for example 30d, 12h or 6mo.`);
  }
  const [, amount, unit] = match;
  const unitMs = DURATION_UNITS[unit];
  if (unitMs === undefined) throw new BadInputError(`Invalid ${flagName} "${text}": ${unitHint(amount, unit)}`);
  const milliseconds = Math.round(Number(amount) * unitMs);
  if (!(milliseconds <= MAX_DURATION_MS)) {
    throw new BadInputError(
      `Invalid ${flagName} "${text}": it is longer than 10000y, more than lies between any two dates; ${tooLong}.`,
    );
  }
  if (milliseconds <= 0) {
    throw new BadInputError(`Invalid ${flagName} "${text}": it must be greater than zero, for example 30d.`);
  }
  return milliseconds;
}

function unitHint(amount: string, unit: string): string {
  const lower = unit.toLowerCase();
  if (lower === 'm') return `units are case-sensitive: use ${amount}mo for months or ${amount}m for minutes.`;
  if (DURATION_UNITS[lower] !== undefined) return `units are case-sensitive: use ${amount}${lower}.`;
  return `"${unit}" is not a unit: use ${UNIT_LIST}, for example 30d, 12h or 6mo.`;
}

/** Whether `date` is a valid instant of the years 0000 to 9999 (UTC). */
export function isWritableInstant(date: Date): boolean {
  const time = date.getTime();
  return Number.isFinite(time) && time >= EARLIEST_INSTANT.getTime() && time < INSTANT_LIMIT.getTime();
}

/**
 * The instant `milliseconds` before `now`: every cut-off, age bound and window edge is computed
 * here. Refused when it falls outside the years 0000 to 9999, where no recording can be and dates
 * stop having one written form; `hint` says what to write instead (default: a shorter duration).
 * Never an invalid Date: every comparison with one is false, and a false "is it younger" deletes.
 */
export function instantBefore(
  now: Date,
  milliseconds: number,
  flagName: string,
  text: string,
  hint = 'use a shorter duration, for example 30d',
): Date {
  if (!isWritableInstant(now)) {
    throw new BadInputError(`The clock reads ${String(now)}, outside the years 0000 to 9999: set the clock right.`);
  }
  const instant = new Date(now.getTime() - milliseconds);
  if (!Number.isFinite(milliseconds) || !isWritableInstant(instant)) {
    throw new BadInputError(`Invalid ${flagName} "${text}": from now it reaches back before the year 0000; ${hint}.`);
  }
  return instant;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO 8601 date or date-time with a four-digit year. A bare date means 00:00 UTC,
 * and so does a date-time without an offset: recordings are dated in UTC, and so are Twilio's filters.
 */
export function parseInstant(text: string, flagName = 'date'): Date {
  const trimmed = text.trim();
  const example = 'for example 2026-01-31 or 2026-01-31T18:30:00Z';
  let iso: string;
  if (DATE_ONLY.test(trimmed)) {
    iso = `${trimmed}T00:00:00Z`;
  } else if (DATE_TIME.test(trimmed)) {
    iso = /(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) ? trimmed : `${trimmed}Z`;
  } else {
    throw new BadInputError(`Invalid ${flagName} "${text}": use an ISO 8601 date or date-time, ${example}.`);
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()) || !isCalendarDay(trimmed.slice(0, 10))) {
    throw new BadInputError(`Invalid ${flagName} "${text}": no such date, ${example}.`);
  }
  if (date < EARLIEST_INSTANT || date >= INSTANT_LIMIT) {
    throw new BadInputError(
      `Invalid ${flagName} "${text}": its offset moves it out of the years 0000 to 9999 in UTC; use a date within them.`,
    );
  }
  return date;
}

/**
 * Parses the end of something (a hold's `until`): a date-time is exact, and a bare date covers its
 * whole UTC day, as a records manager reads "held until 31 January", so it ends at 00:00 UTC the
 * next day (the last millisecond of 9999-12-31 for that day).
 */
export function parseEnd(text: string, flagName = 'date'): Date {
  const instant = parseInstant(text, flagName);
  if (!DATE_ONLY.test(text.trim())) return instant;
  return new Date(Math.min(instant.getTime() + 24 * 60 * 60 * 1000, INSTANT_LIMIT.getTime() - 1));
}

// Date silently rolls 2026-02-30 over into March; a round trip catches it. setUTCFullYear, unlike
// Date.UTC, keeps the years 0 to 99 as they are instead of reading them as 1900 to 1999.
function isCalendarDay(day: string): boolean {
  const [year, month, date] = day.split('-').map(Number);
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, date);
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === date;
}

/** The UTC calendar day of an instant, as Twilio's `DateCreated` filters want it. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A duration as a flag would take it: `10m`, `2h`, `90s`; the largest unit that divides it evenly. */
export function formatDuration(milliseconds: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units)
    if (milliseconds >= size && milliseconds % size === 0) return `${milliseconds / size}${unit}`;
  return `${milliseconds}ms`;
}
