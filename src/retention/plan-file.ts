import { BadInputError } from '../errors';
import { printable } from '../text/printable';
import { RECORDING_STATUSES, type Recording } from '../recordings/recording';
import { parseInstant } from '../time/durations';
import { canonicalSid } from '../twilio/sids';

export const PLAN_KIND = 'twilio-recordings-purge-plan';

/** One recording a reviewed plan deletes. */
export interface PlannedRecording {
  sid: string;
  accountSid: string;
  dateCreated: string;
  duration: number;
  /** The policy rule that chose it; null for a plan made from selection flags. */
  rule: string | null;
}

/** What a plan file says about itself, before its recordings. */
export interface PlanHeader {
  kind: typeof PLAN_KIND;
  version: 1;
  /** The account the plan was made for (the profile's). */
  accountSid: string;
  createdAt: string;
  /** The policy file and the SHA-256 of its bytes; null when the plan came from selection flags. */
  policy: { file: string; digest: string } | null;
  /** The holds file and the digest of the holds in it and in the policy. */
  holds: { file: string; digest: string };
  /** For a plan made from selection flags, what they selected: the bound a recording must still be within. */
  selection?: PlanSelection;
}

/** The selection flags of a plan made without a policy, as exact instants and SIDs. */
export interface PlanSelection {
  createdBefore?: string;
  createdFrom?: string;
  callSid?: string;
  conferenceSid?: string;
  sids?: string[];
  statuses?: string[];
  subaccounts: boolean;
}

export interface PlanDocument extends PlanHeader {
  recordings: PlannedRecording[];
}

export function plannedRecording(recording: Recording, rule: string | undefined): PlannedRecording {
  return {
    sid: recording.sid,
    accountSid: recording.accountSid,
    dateCreated: recording.dateCreated.toISOString(),
    duration: recording.duration,
    rule: rule ?? null,
  };
}

/**
 * Checks the shape of a parsed plan file, its SIDs put in canonical form and its times read as
 * instants of the years 0000 to 9999; anything else is a bad-input error naming the file.
 */
export function checkPlanDocument(data: unknown, file: string): PlanDocument {
  const refuse = (what: string) =>
    new BadInputError(`${printable(file)} is not a purge plan (${what}): make one with recordings:purge --plan-out.`);
  if (typeof data !== 'object' || data === null) throw refuse('not a JSON object');
  const plan = data as Partial<PlanDocument>;
  if (plan.kind !== PLAN_KIND || plan.version !== 1) throw refuse('unknown kind or version');
  const accountSid = canonicalSid('account', plan.accountSid);
  if (accountSid === undefined) throw refuse('no account SID');
  plan.accountSid = accountSid;
  if (instantOf(plan.createdAt) === undefined) throw refuse('no creation time');
  if (!plan.holds || typeof plan.holds.digest !== 'string' || typeof plan.holds.file !== 'string') {
    throw refuse('no holds file and digest');
  }
  if (plan.policy !== null && (typeof plan.policy?.digest !== 'string' || typeof plan.policy.file !== 'string')) {
    throw refuse('no policy digest');
  }
  if (!Array.isArray(plan.recordings)) throw refuse('no recordings');
  if (plan.selection !== undefined) {
    const selection = planSelectionOf(plan.selection);
    if (selection === undefined) throw refuse('a malformed selection');
    plan.selection = selection;
  }
  plan.recordings.forEach((entry, index) => {
    const sid = canonicalSid('recording', entry?.sid);
    const entryAccount = canonicalSid('account', entry?.accountSid);
    if (sid === undefined || entryAccount === undefined) {
      throw refuse(`recording ${index + 1} has no recording and account SID`);
    }
    if (instantOf(entry.dateCreated) === undefined) throw refuse(`recording ${index + 1} has no creation time`);
    entry.sid = sid;
    entry.accountSid = entryAccount;
    if (typeof entry.duration !== 'number' || !(entry.rule === null || typeof entry.rule === 'string')) {
      throw refuse(`recording ${index + 1} has no duration or rule`);
    }
  });
  return plan as PlanDocument;
}

/** An ISO 8601 time of the years 0000 to 9999, as plans write them; undefined for anything else. */
function instantOf(text: unknown): Date | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseInstant(text, 'time');
  } catch {
    return undefined;
  }
}

export interface PlanChecks {
  accountSid: string;
  now: Date;
  maxAgeMs: number;
  maxAgeText: string;
  /** The digest of the plan's policy file as it is now; undefined when it cannot be read. */
  policyDigestNow?: string;
  holdsDigestNow: string;
  force: boolean;
}

/**
 * Refuses, in one line each, a plan made for another account, one made later than now (a clock
 * or a hand that wrote it cannot be trusted to date it), one older than --max-plan-age, and
 * (unless --force) one whose policy or holds changed since it was made.
 */
export function checkPlanStillApplies(plan: PlanHeader, file: string, checks: PlanChecks): void {
  const name = printable(file);
  if (plan.accountSid !== checks.accountSid) {
    throw new BadInputError(
      `${name} was made for account ${plan.accountSid}, not ${checks.accountSid}: run it with that account's profile.`,
    );
  }
  const createdAt = instantOf(plan.createdAt);
  if (createdAt === undefined) {
    throw new BadInputError(`${name} has no creation time: make a new plan with recordings:purge --plan-out.`);
  }
  if (createdAt > checks.now) {
    throw new BadInputError(
      `${name} says it was made at ${printable(plan.createdAt)}, later than now (${checks.now.toISOString()}): make a new plan, or check this machine's clock.`,
    );
  }
  const age = checks.now.getTime() - createdAt.getTime();
  if (age > checks.maxAgeMs) {
    throw new BadInputError(
      `${name} was made at ${plan.createdAt}, more than ${checks.maxAgeText} ago: make a new plan, or raise --max-plan-age.`,
    );
  }
  if (checks.force) return;
  if (plan.policy && plan.policy.digest !== checks.policyDigestNow) {
    throw new BadInputError(
      `The policy ${printable(plan.policy.file)} changed since ${name} was made: make a new plan, or add --force to run this one anyway.`,
    );
  }
  if (plan.holds.digest !== checks.holdsDigestNow) {
    throw new BadInputError(
      `The legal holds changed since ${name} was made: make a new plan, or add --force to run this one anyway (held recordings are still kept).`,
    );
  }
}

/**
 * A plan's selection read as the run that wrote it meant it: SIDs in canonical form, instants of
 * the years 0000 to 9999 as plans write them, statuses Twilio has; undefined for anything else.
 */
function planSelectionOf(value: unknown): PlanSelection | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const selection = value as Record<string, unknown>;
  if (typeof selection.subaccounts !== 'boolean') return undefined;
  const read: PlanSelection = { subaccounts: selection.subaccounts };
  for (const key of ['createdBefore', 'createdFrom'] as const) {
    if (selection[key] === undefined) continue;
    const instant = instantOf(selection[key]);
    if (instant === undefined) return undefined;
    read[key] = instant.toISOString();
  }
  for (const [key, kind] of [
    ['callSid', 'call'],
    ['conferenceSid', 'conference'],
  ] as const) {
    if (selection[key] === undefined) continue;
    const sid = canonicalSid(kind, selection[key]);
    if (sid === undefined) return undefined;
    read[key] = sid;
  }
  if (selection.sids !== undefined) {
    if (!Array.isArray(selection.sids)) return undefined;
    const sids = selection.sids.map((sid) => canonicalSid('recording', sid));
    if (sids.some((sid) => sid === undefined)) return undefined;
    read.sids = sids as string[];
  }
  if (selection.statuses !== undefined) {
    const statuses = selection.statuses;
    const known = RECORDING_STATUSES as readonly unknown[];
    if (!Array.isArray(statuses) || !statuses.every((status) => known.includes(status))) return undefined;
    read.statuses = statuses as string[];
  }
  return read;
}

/** What a plan's entries may name, by the policy it was made from as it is now, or by its selection. */
export interface PlanScope {
  /** The policy's rule names; undefined for a plan made from selection flags. */
  ruleNames?: ReadonlySet<string>;
  /** The policy file, for messages. */
  policyFile?: string;
  /** Whether the plan may hold subaccounts' recordings: its policy's `subaccounts`, or its selection's. */
  subaccounts: boolean;
  now: Date;
}

/**
 * Refuses, in one line, a plan whose entries the run it claims to come from could not have written:
 * a recording listed twice, one created in the future, a rule its policy does not have (or none, in
 * a policy's plan; or one, in a plan made from selection flags), a subaccount's recording when the
 * plan's scope has no subaccounts.
 */
export function checkPlanEntries(plan: PlanDocument, file: string, scope: PlanScope): void {
  const name = printable(file);
  const refuse = (index: number, what: string) =>
    new BadInputError(
      `${name}: entry ${index + 1} (${plan.recordings[index].sid}) ${what}: nothing was deleted; make a new plan with --plan-out.`,
    );
  const seen = new Map<string, number>();
  plan.recordings.forEach((entry, index) => {
    const first = seen.get(entry.sid);
    if (first !== undefined) throw refuse(index, `lists the recording of entry ${first + 1} again`);
    seen.set(entry.sid, index);
    if (Date.parse(entry.dateCreated) > scope.now.getTime()) {
      throw refuse(index, `says it was created at ${printable(entry.dateCreated)}, which is still to come`);
    }
    if (scope.ruleNames && entry.rule === null) {
      throw refuse(index, `names no rule, though the plan comes from the policy ${printable(scope.policyFile ?? '')}`);
    }
    if (scope.ruleNames && entry.rule !== null && !scope.ruleNames.has(entry.rule)) {
      throw refuse(
        index,
        `names the rule "${printable(entry.rule)}", which the policy ${printable(scope.policyFile ?? '')} does not have (renamed or removed since?)`,
      );
    }
    if (!scope.ruleNames && entry.rule !== null) {
      throw refuse(index, `names the rule "${printable(entry.rule)}", though the plan comes from selection flags`);
    }
    if (!scope.subaccounts && entry.accountSid !== plan.accountSid) {
      throw refuse(
        index,
        `is a recording of account ${entry.accountSid}, but the plan covers ${plan.accountSid} only (${plan.policy ? 'its policy has no subaccounts: true' : 'it was made without --subaccounts'})`,
      );
    }
  });
}
