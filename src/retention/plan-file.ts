import { BadInputError } from '../errors';
import { printable } from '../output/printable';
import type { Recording } from '../recordings/recording';
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
  if (!plan.holds || typeof plan.holds.digest !== 'string') throw refuse('no holds digest');
  if (plan.policy !== null && (typeof plan.policy?.digest !== 'string' || typeof plan.policy.file !== 'string')) {
    throw refuse('no policy digest');
  }
  if (!Array.isArray(plan.recordings)) throw refuse('no recordings');
  plan.recordings.forEach((entry, index) => {
    const sid = canonicalSid('recording', entry?.sid);
    const entryAccount = canonicalSid('account', entry?.accountSid);
    if (sid === undefined || entryAccount === undefined) {
      throw refuse(`recording ${index + 1} has no recording and account SID`);
    }
    if (instantOf(entry.dateCreated) === undefined) throw refuse(`recording ${index + 1} has no creation time`);
    entry.sid = sid;
    entry.accountSid = entryAccount;
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
