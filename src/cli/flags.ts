import { Flags, type Interfaces } from '@oclif/core';
import {
  S3_SSE_MODES,
  S3_STORAGE_CLASSES,
  type S3ServerSideEncryption,
  type S3StorageClass,
} from '../destinations/object-options';
import { isS3Url } from '../destinations/s3-url';
import { privateKeySource, type PrivateKeySource } from '../encryption/key-ring';
import { BadInputError } from '../errors';
import { DEFAULT_LAYOUT, LAYOUT_FIELDS } from '../media/layout';
import type { S3DestinationSettings } from '../media/object-store-destination';
import { RECORDING_STATUSES } from '../recordings/recording';
import type { LimitCounts, SelectionInput } from '../selection/criteria';
import { canonicalSid } from '../twilio/sids';
import { MEDIA_FORMATS, type MediaFormat } from '../twilio/media-format';

/** The host CLI's own flags on every command, which cli-core declares without types. */
interface HostFlagValues {
  'cli-log-level'?: string;
  'cli-output-format'?: string;
  silent?: boolean;
  profile?: string;
}

/** A command's parsed flags, typed from its declarations: `declare flags: CommandFlags<typeof X.flags>`. */
export type CommandFlags<T> = Interfaces.InferredFlags<T> & HostFlagValues;

/** The flags that select recordings, the same on every command that acts on a selection. */
export const selectionFlags = {
  'older-than': Flags.string({
    description:
      'only recordings created more than this long ago: a number and a case-sensitive unit (s, m for minutes, h, d, w, mo for months, y), e.g. 30d, 12h, 6mo',
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
    description: 'only recordings with this status (repeatable)',
    multiple: true,
    options: [...RECORDING_STATUSES],
  }),
  subaccounts: Flags.boolean({ description: 'the account and all its subaccounts', default: false }),
};

/** The flags a policy takes the place of: `--policy` cannot go with any of them. */
export const SELECTION_FLAG_NAMES = [...Object.keys(selectionFlags), 'limit', 'no-limit'];

/** Where legal holds are read from (and written to, by the holds commands). */
export const holdsFlag = {
  holds: Flags.string({
    description:
      'the legal holds file (default: $TWILIO_RECORDINGS_HOLDS, else holds.json in the plugin data folder); a file named here or there must exist',
    helpValue: 'FILE',
  }),
};

/** The largest --limit: far above any account's recordings, and small enough to stay an exact integer. */
const MAX_LIMIT = 1_000_000_000;

/** `--limit N` and `--no-limit`, which cannot go together; `defaultLimit` applies when neither is given. */
export function limitFlags(description: string, defaultLimit?: number) {
  return {
    limit: Flags.integer({
      description,
      helpValue: 'N',
      min: 1,
      max: MAX_LIMIT,
      exclusive: ['no-limit'],
      ...(defaultLimit === undefined ? {} : { default: defaultLimit }),
    }),
    'no-limit': Flags.boolean({
      description: 'every selected recording, however many',
      exclusive: ['limit'],
    }),
  };
}

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
  limit?: number;
  'no-limit'?: boolean;
};

/** Reads the selection flags (and `--limit` / `--no-limit`) into a selection input. */
export function selectionInputFrom(flags: SelectionFlagValues, limitCounts: LimitCounts = 'matching'): SelectionInput {
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
    limit: flags['no-limit'] ? undefined : flags.limit,
    limitCounts,
  };
}

/** A purge's selection: its --limit counts the completed recordings it would delete, never the ones it keeps. */
export function purgeSelectionInputFrom(flags: SelectionFlagValues): SelectionInput {
  return selectionInputFrom(flags, 'completed');
}

const MAX_CONCURRENCY = 100;
/** Requests in flight when a command does not say otherwise. */
export const DEFAULT_CONCURRENCY = 20;

export const concurrencyFlag = {
  concurrency: Flags.integer({
    description: `requests to Twilio in flight at once, 1 to ${MAX_CONCURRENCY}; fewer are sent while Twilio answers 429`,
    helpValue: 'N',
    min: 1,
    max: MAX_CONCURRENCY,
    default: DEFAULT_CONCURRENCY,
  }),
};

/** Reads --concurrency, which oclif has already checked to be a whole number from 1 to MAX_CONCURRENCY. */
export function concurrencyFrom(flags: { concurrency?: number }): number {
  return flags.concurrency ?? DEFAULT_CONCURRENCY;
}

/** How saved media is encoded and laid out in a folder: shared by download and purge's archive. */
export const mediaFlags = {
  format: Flags.string({
    description: `audio format: wav (Twilio's default, 128 kbit/s) or mp3 (32 kbit/s, about four times smaller)`,
    helpValue: MEDIA_FORMATS.join('|'),
    options: [...MEDIA_FORMATS],
    default: 'wav',
  }),
  layout: Flags.string({
    description: `where each file goes inside the folder, from the fields ${LAYOUT_FIELDS.map((field) => `{${field}}`).join(', ')}; must contain {sid}; with --subaccounts, {accountSid}/ is put in front unless the template has it`,
    helpValue: 'TEMPLATE',
    default: DEFAULT_LAYOUT,
  }),
};

/** Reads --format, which oclif has already checked to be one of MEDIA_FORMATS. */
export function mediaFormatFrom(flags: { format?: string }): MediaFormat {
  return (flags.format ?? 'wav') as MediaFormat;
}

/**
 * The value of a flag naming a file or folder, undefined when it is not given. An empty
 * value is refused: it would otherwise mean the current folder, or silently no file at all.
 */
export function pathFrom<F extends object>(flags: F, flag: keyof F & string, example: string): string | undefined {
  const value = flags[flag] as string | undefined;
  if (value !== undefined && value.trim() === '') {
    throw new BadInputError(`--${flag} is empty: give a path, e.g. --${flag} ${example}.`);
  }
  return value;
}

/** Private keys for Voice Recording Encryption: shared by download, purge's archive, listen and decrypt. */
export const decryptionFlags = {
  'decrypt-key': Flags.string({
    description:
      'decrypt encrypted recordings with this RSA private key (PEM: PKCS#8 or PKCS#1), verifying each one; repeatable; CR…=FILE ties a key to its public key SID',
    helpValue: 'FILE',
    multiple: true,
  }),
  'decrypt-key-passphrase-env': Flags.string({
    description:
      'the environment variable holding the passphrase of an encrypted --decrypt-key; without it, a terminal prompt asks',
    helpValue: 'NAME',
    dependsOn: ['decrypt-key'],
  }),
};

/** `recordings:decrypt`'s own names for the same flags: there, keys are all it takes. */
export const keyFlags = {
  key: Flags.string({
    description:
      'the RSA private key (PEM: PKCS#8 or PKCS#1) to decrypt with; repeatable; CR…=FILE ties a key to its public key SID',
    helpValue: 'FILE',
    multiple: true,
    required: true,
  }),
  'key-passphrase-env': Flags.string({
    description:
      'the environment variable holding the passphrase of an encrypted --key; without it, a terminal prompt asks',
    helpValue: 'NAME',
  }),
};

/** `--expect-key CR…`: the public key recordings should be encrypted with. */
export const expectKeyFlag = {
  'expect-key': Flags.string({
    description:
      'report recordings encrypted with any other public key than this one (Twilio falls back to another key when the configured one is invalid, error 16107)',
    helpValue: 'CR…',
  }),
};

export interface DecryptionInput {
  keys: PrivateKeySource[];
  /** The environment variable named by --decrypt-key-passphrase-env. */
  passphraseEnv?: string;
  /** The flag that names it, for messages; default decrypt-key-passphrase-env. */
  passphraseEnvFlag?: string;
}

/** Reads --decrypt-key (repeatable) and --decrypt-key-passphrase-env; undefined when no key is given. */
export function decryptionInputFrom(flags: {
  'decrypt-key'?: string[];
  'decrypt-key-passphrase-env'?: string;
}): DecryptionInput | undefined {
  const values = flags['decrypt-key'] ?? [];
  if (values.length === 0) return undefined;
  for (const value of values) {
    if (value.trim() === '')
      throw new BadInputError('--decrypt-key is empty: give a PEM file, e.g. --decrypt-key private.pem.');
  }
  return { keys: values.map(privateKeySource), passphraseEnv: flags['decrypt-key-passphrase-env'] };
}

/** Reads --expect-key, which must be a Public Key SID. */
export function expectedKeyFrom(flags: { 'expect-key'?: string }): string | undefined {
  const value = flags['expect-key'];
  const keySid = canonicalSid('publicKey', value);
  if (value !== undefined && keySid === undefined) {
    throw new BadInputError(
      `Invalid --expect-key: expected a Public Key SID (CR followed by 32 hexadecimal digits), as "twilio api:accounts:v1:credentials:public-keys:list" shows.`,
    );
  }
  return keySid;
}

/** How objects are written to an `s3://` destination: shared by download, purge's archive and listen. */
export const s3Flags = {
  's3-endpoint': Flags.string({
    description:
      'the S3-compatible store to use for an s3:// destination (default: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS S3); reached path-style',
    helpValue: 'URL',
  }),
  's3-storage-class': Flags.string({
    description: 'the storage class of the objects written to an s3:// destination',
    options: [...S3_STORAGE_CLASSES],
  }),
  's3-sse': Flags.string({
    description: 'server-side encryption of the objects written to an s3:// destination',
    options: [...S3_SSE_MODES],
  }),
  's3-kms-key-id': Flags.string({
    description: "the KMS key of --s3-sse aws:kms (default: the bucket's or AWS's own key)",
    helpValue: 'ID',
    dependsOn: ['s3-sse'],
  }),
};

type S3FlagValues = {
  's3-endpoint'?: string;
  's3-storage-class'?: string;
  's3-sse'?: string;
  's3-kms-key-id'?: string;
};

/**
 * Reads the --s3-* flags for the destination named by `--<destinationFlag>`: undefined when none
 * is given, a bad-input error when one is given for a destination that is not `s3://`.
 */
export function s3SettingsFrom(
  flags: S3FlagValues,
  destination: string | undefined,
  destinationFlag: string,
): S3DestinationSettings | undefined {
  const given = (Object.keys(s3Flags) as Array<keyof S3FlagValues>).filter((name) => flags[name] !== undefined);
  if (given.length === 0) return undefined;
  if (destination === undefined || !isS3Url(destination)) {
    throw new BadInputError(
      `--${given[0]} applies to an s3:// destination, and --${destinationFlag} ${destination === undefined ? 'is not given' : 'names a folder'}: give --${destinationFlag} s3://BUCKET/PREFIX, or leave out --${given[0]}.`,
    );
  }
  return s3FlagSettings(flags);
}

/**
 * The --s3-* flags as settings, whichever destination they are for; undefined when none is given.
 * A caller that knows its destinations only later (a policy's rules) refuses them then.
 */
export function s3FlagSettings(flags: S3FlagValues): S3DestinationSettings | undefined {
  if ((Object.keys(s3Flags) as Array<keyof S3FlagValues>).every((name) => flags[name] === undefined)) return undefined;
  return {
    connection: flags['s3-endpoint'] === undefined ? undefined : { endpoint: flags['s3-endpoint'] },
    storageClass: flags['s3-storage-class'] as S3StorageClass | undefined,
    sse: flags['s3-sse'] as S3ServerSideEncryption | undefined,
    kmsKeyId: flags['s3-kms-key-id'],
  };
}
