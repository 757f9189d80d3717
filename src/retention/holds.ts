import { createHash, randomBytes } from 'node:crypto';
import { BadInputError } from '../errors';
import { invisibleCharacter, printable, withInvisibleEscaped } from '../text/printable';
import type { Recording } from '../recordings/recording';
import { parseEnd, parseInstant } from '../time/durations';
import { parseSid, type SidKind } from '../twilio/sids';

/** What a hold covers: one recording, or every recording of a call or of a conference. */
export type HoldTarget = { sid: string } | { callSid: string } | { conferenceSid: string };

/** A legal hold: the recordings it covers are never deleted while it holds. */
export interface Hold {
  /** Names this hold among the others of its file, for `holds:remove --id` (see withHoldIds). */
  id?: string;
  target: HoldTarget;
  reason: string;
  /** After this instant the hold no longer holds; undefined: until removed. */
  until?: Date;
  createdAt?: Date;
}

/** The holds file as written: `{"version": 1, "holds": [...]}`. */
export interface HoldsDocument {
  version: 1;
  holds: HoldRecord[];
}

export interface HoldRecord {
  id?: string;
  sid?: string;
  callSid?: string;
  conferenceSid?: string;
  reason: string;
  until?: string;
  createdAt?: string;
}

const TARGET_KEYS = ['sid', 'callSid', 'conferenceSid'] as const;
const TARGET_KINDS: Record<(typeof TARGET_KEYS)[number], SidKind> = {
  sid: 'recording',
  callSid: 'call',
  conferenceSid: 'conference',
};

/**
 * A hold's reason as written, refused when it is empty or holds a character that does not show
 * (a control, a zero-width or bidi one): a legal record is kept as someone wrote it, and must
 * read the same wherever it is shown.
 */
export function parseHoldReason(reason: string, where: string): string {
  if (reason.trim() === '') throw new BadInputError(`${where} is empty: say why it is held.`);
  const invisible = invisibleCharacter(reason);
  if (invisible !== undefined) {
    throw new BadInputError(
      `${where} "${withInvisibleEscaped(reason)}" holds the invisible or control character ${invisible}: write the reason on one line, with characters that show.`,
    );
  }
  return reason;
}

/**
 * A hold from its record in a holds file or a policy's `holds:`, its SID in canonical form;
 * throws when it names no or several targets.
 */
export function holdFromDocument(record: Record<string, string>): Hold {
  const targets = TARGET_KEYS.filter((key) => record[key] !== undefined);
  if (targets.length !== 1) {
    throw new BadInputError(
      `a hold names ${targets.length === 0 ? 'no' : 'more than one'} target: give exactly one of sid, callSid or conferenceSid.`,
    );
  }
  const key = targets[0];
  const target = { [key]: parseSid(TARGET_KINDS[key], record[key], key) } as HoldTarget;
  const hold: Hold = { target, reason: parseHoldReason(record.reason, 'reason') };
  if (record.id !== undefined) hold.id = record.id;
  if (record.until !== undefined) hold.until = parseEnd(record.until, 'until');
  if (record.createdAt !== undefined) hold.createdAt = parseInstant(record.createdAt, 'createdAt');
  return hold;
}

export function holdRecord(hold: Hold): HoldRecord {
  return {
    ...(hold.id !== undefined ? { id: hold.id } : {}),
    ...hold.target,
    reason: hold.reason,
    ...(hold.until ? { until: hold.until.toISOString() } : {}),
    ...(hold.createdAt ? { createdAt: hold.createdAt.toISOString() } : {}),
  };
}

/** The text of a holds file holding `holds`. */
export function serializeHolds(holds: readonly Hold[]): string {
  const document: HoldsDocument = { version: 1, holds: holds.map(holdRecord) };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** `RE…`, `call CA…` or `conference CF…`. */
export function describeTarget(target: HoldTarget): string {
  if ('sid' in target) return target.sid;
  if ('callSid' in target) return `call ${target.callSid}`;
  return `conference ${target.conferenceSid}`;
}

export function sameTarget(a: HoldTarget, b: HoldTarget): boolean {
  return describeTarget(a) === describeTarget(b);
}

/** Whether a hold still holds at `now`. */
export function isActive(hold: Hold, now: Date): boolean {
  return hold.until === undefined || now < hold.until;
}

/**
 * The holds in force, looked up by recording, call and conference: `heldBy` answers in constant
 * time for each recording of a scan. Expired holds are left out.
 */
export class HoldSet {
  // Several holds can name one target: each is kept, so that one expiring never hides another.
  private readonly bySid = new Map<string, Hold[]>();
  private readonly byCall = new Map<string, Hold[]>();
  private readonly byConference = new Map<string, Hold[]>();
  readonly size: number;

  constructor(
    holds: readonly Hold[],
    now: Date,
    /** SHA-256 over the holds that were read, so that a plan can tell whether they changed. */
    readonly digest = digestOfHolds(holds),
  ) {
    const active = holds.filter((hold) => isActive(hold, now));
    for (const hold of active) {
      const { target } = hold;
      if ('sid' in target) add(this.bySid, target.sid, hold);
      else if ('callSid' in target) add(this.byCall, target.callSid, hold);
      else add(this.byConference, target.conferenceSid, hold);
    }
    this.size = active.length;
  }

  static readonly none = new HoldSet([], new Date(0));

  /** A hold on the recording, its call or its conference, still in force at `at` when given. */
  heldBy(recording: Pick<Recording, 'sid' | 'callSid' | 'conferenceSid'>, at?: Date): Hold | undefined {
    const candidates = [
      ...(this.bySid.get(recording.sid) ?? []),
      ...((recording.callSid && this.byCall.get(recording.callSid)) || []),
      ...((recording.conferenceSid && this.byConference.get(recording.conferenceSid)) || []),
    ];
    return candidates.find((hold) => at === undefined || isActive(hold, at));
  }
}

function add(holds: Map<string, Hold[]>, key: string, hold: Hold): void {
  const list = holds.get(key);
  if (list) list.push(hold);
  else holds.set(key, [hold]);
}

/** One digest for a list of holds, whatever their order and ids: it changes when what is held changes. */
export function digestOfHolds(holds: readonly Hold[]): string {
  const lines = holds
    .map((hold) => JSON.stringify(holdRecord({ ...hold, id: undefined, createdAt: undefined })))
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** `held: legal case 42` for summaries, made printable. */
export function describeHold(hold: Hold): string {
  return `${describeTarget(hold.target)}: ${printable(hold.reason)}${hold.until ? ` (until ${hold.until.toISOString()})` : ''}`;
}

/** The length of the ids holds:add gives, and of those derived for holds written without one. */
const HOLD_ID_LENGTH = 8;

/**
 * Gives every hold of one file an id: its own, or one derived from what it says (so that a file
 * written without ids names each hold the same way every time it is read, and the next write keeps
 * that name). Holds that say the same thing are told apart by their order: `-2`, `-3`. Two holds
 * with the same written id are refused through `refuse`, with the index of the second.
 */
export function withHoldIds(holds: readonly Hold[], refuse: (index: number, message: string) => Error): Hold[] {
  const taken = new Set<string>();
  holds.forEach((hold, index) => {
    if (hold.id === undefined) return;
    if (taken.has(hold.id)) {
      throw refuse(index, `hold id "${printable(hold.id)}" is used twice: an id names one hold; change or remove one.`);
    }
    taken.add(hold.id);
  });
  return holds.map((hold) => {
    if (hold.id !== undefined) return hold;
    const base = createHash('sha256')
      .update(JSON.stringify(holdRecord({ ...hold, id: undefined })))
      .digest('hex')
      .slice(0, HOLD_ID_LENGTH);
    let id = base;
    for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
    taken.add(id);
    return { ...hold, id };
  });
}

/** A fresh id for a hold added to a file whose holds have the ids `taken`. */
export function newHoldId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = randomBytes(HOLD_ID_LENGTH / 2).toString('hex');
    if (!taken.has(id)) return id;
  }
}
