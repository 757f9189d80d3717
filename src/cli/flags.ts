import { Flags } from '@oclif/core';
import { BadInputError } from '../errors';
import { DEFAULT_LAYOUT, LAYOUT_FIELDS, MEDIA_FORMATS, type MediaFormat } from '../media/layout';
import { RECORDING_STATUSES } from '../recordings/recording';
import type { SelectionInput } from '../selection/criteria';

/** The flags that select recordings, the same on every command that acts on a selection. */
export const selectionFlags = {
  'older-than': Flags.string({
    description:
      'only recordings created more than this long ago: a number and a unit (s, m, h, d, w, mo, y), e.g. 30d, 12h, 6mo',
    helpValue: 'DURATION',
  }),
  'newer-than': Flags.string({
    description: 'only recordings created less than this long ago, e.g. 7d',
    helpValue: 'DURATION',
  }),
  before: Flags.string({
    description: 'only recordings created before this ISO 8601 date or date-time (a bare date is 00:00 UTC)',
    helpValue: 'DATE',
  }),
  after: Flags.string({
    description: 'only recordings created at or after this ISO 8601 date or date-time (a bare date is 00:00 UTC)',
    helpValue: 'DATE',
  }),
  'call-sid': Flags.string({ description: 'only recordings of this call', helpValue: 'CA…' }),
  'conference-sid': Flags.string({ description: 'only recordings of this conference', helpValue: 'CF…' }),
  sid: Flags.string({ description: 'only this recording (repeatable)', helpValue: 'RE…', multiple: true }),
  status: Flags.string({
    description: `only recordings with this status (repeatable): ${RECORDING_STATUSES.join(', ')}`,
    helpValue: 'STATUS',
    multiple: true,
  }),
  subaccounts: Flags.boolean({ description: 'the account and all its subaccounts', default: false }),
};

export const limitFlag = {
  limit: Flags.string({
    description: 'act on at most this many recordings',
    helpValue: 'N',
  }),
};

type SelectionFlagValues = {
  'older-than'?: string;
  'newer-than'?: string;
  before?: string;
  after?: string;
  'call-sid'?: string;
  'conference-sid'?: string;
  sid?: string[];
  status?: string[];
  subaccounts?: boolean;
  limit?: string | number;
  'no-limit'?: boolean;
};

/** Reads the selection flags (and `--limit` / `--no-limit`) into a selection input. */
export function selectionInputFrom(flags: SelectionFlagValues): SelectionInput {
  const limitText = flags['no-limit'] || flags.limit === undefined ? undefined : String(flags.limit);
  if (limitText !== undefined && !/^\d+$/.test(limitText.trim())) {
    throw new BadInputError(`Invalid --limit "${limitText}": use a whole number of at least 1, or --no-limit.`);
  }
  const limit = limitText === undefined ? undefined : Number(limitText);
  return {
    olderThan: flags['older-than'],
    newerThan: flags['newer-than'],
    before: flags.before,
    after: flags.after,
    callSid: flags['call-sid'],
    conferenceSid: flags['conference-sid'],
    sids: flags.sid,
    statuses: flags.status,
    subaccounts: flags.subaccounts,
    limit,
  };
}

const MAX_CONCURRENCY = 100;
/** Requests in flight when a command does not say otherwise. */
export const DEFAULT_CONCURRENCY = 20;

export const concurrencyFlag = {
  concurrency: Flags.string({
    description: `requests to Twilio in flight at once, 1 to ${MAX_CONCURRENCY}; fewer are sent while Twilio answers 429`,
    helpValue: 'N',
    default: String(DEFAULT_CONCURRENCY),
  }),
};

/** Reads --concurrency, a whole number from 1 to MAX_CONCURRENCY. */
export function concurrencyFrom(flags: { concurrency?: string }): number {
  const text = (flags.concurrency ?? String(DEFAULT_CONCURRENCY)).trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_CONCURRENCY) {
    throw new BadInputError(
      `Invalid --concurrency "${flags.concurrency}": use a whole number from 1 to ${MAX_CONCURRENCY}.`,
    );
  }
  return value;
}

/** How saved media is encoded and laid out in a folder: shared by download and purge's archive. */
export const mediaFlags = {
  format: Flags.string({
    description: `audio format: wav (Twilio's default, 128 kbit/s) or mp3 (32 kbit/s, about four times smaller)`,
    helpValue: MEDIA_FORMATS.join('|'),
    default: 'wav',
  }),
  layout: Flags.string({
    description: `where each file goes inside the folder, from the fields ${LAYOUT_FIELDS.map((field) => `{${field}}`).join(', ')}; must contain {sid}; with --subaccounts, {accountSid}/ is put in front unless the template has it`,
    helpValue: 'TEMPLATE',
    default: DEFAULT_LAYOUT,
  }),
};

/** Reads --format: wav or mp3. */
export function mediaFormatFrom(flags: { format?: string }): MediaFormat {
  const format = (flags.format ?? 'wav').trim().toLowerCase();
  if (!(MEDIA_FORMATS as readonly string[]).includes(format)) {
    throw new BadInputError(`Invalid --format "${flags.format}": use ${MEDIA_FORMATS.join(' or ')}.`);
  }
  return format as MediaFormat;
}

/**
 * The value of a flag naming a file or folder, undefined when it is not given. An empty
 * value is refused: it would otherwise mean the current folder, or silently no file at all.
 */
export function pathFrom(flags: Record<string, unknown>, flag: string, example: string): string | undefined {
  const value = flags[flag] as string | undefined;
  if (value !== undefined && value.trim() === '') {
    throw new BadInputError(`--${flag} is empty: give a path, e.g. --${flag} ${example}.`);
  }
  return value;
}
