import { Flags } from '@oclif/core';
import type { HoldsLockOptions } from '../holds/holds-lock';
import { printable } from '../output/printable';
import type { HoldTarget } from '../retention/holds';
import { parseSid } from '../twilio/sids';

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

/** The hold's target from the flags, its SID in canonical form; oclif has made sure exactly one is given. */
export function holdTargetFrom(flags: { sid?: string; 'call-sid'?: string; 'conference-sid'?: string }): HoldTarget {
  if (flags.sid !== undefined) return { sid: parseSid('recording', flags.sid, '--sid') };
  if (flags['call-sid'] !== undefined) return { callSid: parseSid('call', flags['call-sid'], '--call-sid') };
  return { conferenceSid: parseSid('conference', flags['conference-sid'] ?? '', '--conference-sid') };
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
