import { Flags } from '@oclif/core';
import type { HoldsLockOptions } from '../holds/holds-lock';
import { printable } from '../output/printable';
import type { HoldTarget } from '../retention/holds';
import { parseInstant } from '../time/durations';
import { requireSid } from '../twilio/sids';

const TARGETS = ['sid', 'call-sid', 'conference-sid'];

/** What a hold covers: exactly one of a recording, a call's recordings or a conference's. */
export const holdTargetFlags = {
  sid: Flags.string({ description: 'the recording', helpValue: 'RE…', exactlyOne: TARGETS }),
  'call-sid': Flags.string({ description: 'every recording of this call', helpValue: 'CA…', exactlyOne: TARGETS }),
  'conference-sid': Flags.string({
    description: 'every recording of this conference',
    helpValue: 'CF…',
    exactlyOne: TARGETS,
  }),
};

/** The hold's target from the flags, its SID checked; oclif has made sure exactly one is given. */
export function holdTargetFrom(flags: { sid?: string; 'call-sid'?: string; 'conference-sid'?: string }): HoldTarget {
  if (flags.sid !== undefined) return { sid: requireSid('recording', flags.sid, '--sid') };
  if (flags['call-sid'] !== undefined) return { callSid: requireSid('call', flags['call-sid'], '--call-sid') };
  return { conferenceSid: requireSid('conference', flags['conference-sid'] ?? '', '--conference-sid') };
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The last millisecond of the years instants may take. */
const LAST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * When a hold given `--until` ends. A bare date covers its whole UTC day, as a records manager
 * reads "held until 31 January": the hold ends at 00:00 UTC the next day. A date-time is exact.
 */
export function holdUntilFrom(text: string): Date {
  const instant = parseInstant(text, '--until');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) return instant;
  return new Date(Math.min(instant.getTime() + DAY_MS, LAST_INSTANT_MS));
}

/** Says once on stderr that a holds command waits for another process's lock on the file. */
export function lockWaitNotice(holdsPath: string, info: (line: string) => void): HoldsLockOptions {
  return {
    onWait: (owner) =>
      info(
        `Waiting for the lock on ${printable(holdsPath)}` +
          (owner ? `, held by process ${owner.pid} on ${printable(owner.host)}` : '') +
          '…',
      ),
  };
}
