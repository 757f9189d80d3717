import { BadInputError } from '../errors';

const SID_KINDS = {
  account: { prefix: 'AC', noun: 'account SID' },
  call: { prefix: 'CA', noun: 'call SID' },
  conference: { prefix: 'CF', noun: 'conference SID' },
  recording: { prefix: 'RE', noun: 'recording SID' },
  apiKey: { prefix: 'SK', noun: 'API key SID' },
} as const;

export type SidKind = keyof typeof SID_KINDS;

/** True when `value` is a well-formed SID of that kind: its prefix and 32 hexadecimal digits. */
export function isSid(kind: SidKind, value: unknown): value is string {
  return typeof value === 'string' && new RegExp(`^${SID_KINDS[kind].prefix}[0-9a-fA-F]{32}$`).test(value);
}

/** Returns `value` when it is a well-formed SID of that kind, or throws a bad-input error naming the flag. */
export function requireSid(kind: SidKind, value: string, flagName: string): string {
  if (!isSid(kind, value)) {
    const { prefix, noun } = SID_KINDS[kind];
    throw new BadInputError(
      `Invalid ${flagName} "${value}": a ${noun} is ${prefix} followed by 32 hexadecimal digits.`,
    );
  }
  return value;
}
