/** Lengths of time in milliseconds, for building instants in tests. */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
