import { BadInputError } from '../errors';
import { printableClip } from '../text/printable';

const SID_KINDS = {
  account: { prefix: 'AC', noun: 'account SID' },
  call: { prefix: 'CA', noun: 'call SID' },
  conference: { prefix: 'CF', noun: 'conference SID' },
  recording: { prefix: 'RE', noun: 'recording SID' },
  apiKey: { prefix: 'SK', noun: 'API key SID' },
  publicKey: { prefix: 'CR', noun: 'Public Key SID' },
} as const;

export type SidKind = keyof typeof SID_KINDS;

/**
 * A SID as Twilio's API takes it (its OpenAPI patterns are `^RE[0-9a-fA-F]{32}$` and the like):
 * two upper-case letters, then 32 hexadecimal digits in either letter case.
 */
const WRITTEN_SID = /^[A-Z]{2}[0-9A-Fa-f]{32}$/;
/** A SID as Twilio writes it: two upper-case letters and 32 lower-case hexadecimal digits. */
const CANONICAL_SID = /^[A-Z]{2}[0-9a-f]{32}$/;

/**
 * The canonical form of a SID of that kind (`RE` and 32 lower-case hexadecimal digits), whatever
 * the letter case of its digits; undefined when `value` is not one (a lower-case prefix, `re…`,
 * is not: Twilio does not take it either). Every SID that enters
 * (flags, files, callbacks, Twilio's answers) goes through here, so that comparisons never miss
 * on letter case.
 */
export function canonicalSid(kind: SidKind, value: unknown): string | undefined {
  if (typeof value !== 'string' || !WRITTEN_SID.test(value)) return undefined;
  const sid = canonicalForm(value);
  return sid.startsWith(SID_KINDS[kind].prefix) ? sid : undefined;
}

/** True when `value` is a well-formed SID of that kind, its digits in any letter case. */
export function isSid(kind: SidKind, value: unknown): value is string {
  return canonicalSid(kind, value) !== undefined;
}

/**
 * The canonical form of a SID of that kind, or a bad-input error naming where it came from
 * (`--sid`, `holds.json:3:5 sid`, …).
 */
export function parseSid(kind: SidKind, value: string, where: string): string {
  const sid = canonicalSid(kind, value);
  if (sid === undefined) {
    const { prefix, noun } = SID_KINDS[kind];
    throw new BadInputError(
      `Invalid ${where} "${printableClip(value, 80)}": a ${noun} is ${prefix} followed by 32 hexadecimal digits.`,
    );
  }
  return sid;
}

/**
 * A SID from one of Twilio's answers in its canonical form; any other value as it is (it names
 * nothing a canonical SID could match). Cheap for the usual, already canonical, value.
 */
export function canonicalApiSid<T extends string | null | undefined>(value: T): T {
  if (typeof value !== 'string' || CANONICAL_SID.test(value) || !WRITTEN_SID.test(value)) return value;
  return canonicalForm(value) as T;
}

function canonicalForm(value: string): string {
  return value.slice(0, 2) + value.slice(2).toLowerCase();
}
