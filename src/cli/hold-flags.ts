import { Flags } from '@oclif/core';
import { printable } from '../text/printable';
import { BadInputError } from '../errors';
import type { HoldSelector } from '../holds/hold-book';
import type { HoldTarget } from '../retention/holds';
import { parseSid } from '../twilio/sids';
import type { HoldsLockOptions } from '../holds/holds-lock';

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

const SELECTORS = ['id', ...TARGETS];

/** Which hold to lift: exactly one of its id, or the recording, call or conference of its only hold. */
export const holdSelectorFlags = {
  id: Flags.string({
    description: 'the hold to lift, by the id recordings:holds:list shows',
    helpValue: 'ID',
    exactlyOne: SELECTORS,
  }),
  sid: Flags.string({ description: 'the recording whose only hold to lift', helpValue: 'RE…', exactlyOne: SELECTORS }),
  'call-sid': Flags.string({
    description: 'the call whose only hold to lift',
    helpValue: 'CA…',
    exactlyOne: SELECTORS,
  }),
  'conference-sid': Flags.string({
    description: 'the conference whose only hold to lift',
    helpValue: 'CF…',
    exactlyOne: SELECTORS,
  }),
};

/** The hold `holds:remove` lifts, from its flags; ids are lower-case, as holds:list shows them. */
export function holdSelectorFrom(flags: {
  id?: string;
  sid?: string;
  'call-sid'?: string;
  'conference-sid'?: string;
}): HoldSelector {
  if (flags.id === undefined) return { target: holdTargetFrom(flags) };
  const id = flags.id.trim().toLowerCase();
  if (!/^[0-9a-z][0-9a-z-]{0,39}$/.test(id)) {
    throw new BadInputError(
      `Invalid --id "${printable(flags.id)}": give a hold's id as recordings:holds:list shows it.`,
    );
  }
  return { id };
}

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
