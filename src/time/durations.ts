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

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(mo|[smhdwy])$/;

/** Parses a positive duration like `30d`, `12h` or `6mo` into milliseconds. */
export function parseDuration(text: string, flagName = 'duration'): number {
  const trimmed = text.trim().toLowerCase();
  const match = DURATION_PATTERN.exec(trimmed);
  if (!match) {
    const hint = /^-?\d+(\.\d+)?$/.test(trimmed)
      ? 'add a unit'
      : trimmed.startsWith('-')
        ? 'use a positive number'
        : 'use a number and a unit';
    throw new BadInputError(
      `Invalid ${flagName} "${text}": ${hint} (s, m, h, d, w, mo or y), for example 30d, 12h or 6mo.`,
    );
  }
  const milliseconds = Number(match[1]) * DURATION_UNITS[match[2]];
  if (milliseconds <= 0) {
    throw new BadInputError(`Invalid ${flagName} "${text}": it must be greater than zero, for example 30d.`);
  }
  return milliseconds;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO 8601 date or date-time. A bare date means 00:00 UTC, and so does a
 * date-time without an offset: recordings are dated in UTC, and so are Twilio's filters.
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
  return date;
}

// Date silently rolls 2026-02-30 over into March; a round trip catches it.
function isCalendarDay(day: string): boolean {
  const [year, month, date] = day.split('-').map(Number);
  const probe = new Date(Date.UTC(year, month - 1, date));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === date;
}

/** The UTC calendar day of an instant, as Twilio's `DateCreated` filters want it. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
