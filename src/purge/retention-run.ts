import { resolve } from 'node:path';
import { readHoldsFile, type HoldsLocation } from '../holds/holds-file';
import { readRegularFile } from '../journal/input-file';
import { HoldSet, digestOfHolds, type Hold } from '../retention/holds';
import type { RetentionPolicy } from '../retention/policy';
import { resolvePolicyAccounts, type KnownAccount } from '../retention/policy-accounts';
import {
  policyDecider,
  reviewedPlanDecider,
  ruleCutoff,
  selectionDecider,
  type KeepReason,
  type RetentionDecider,
} from '../retention/retention-decision';
import { plural } from '../text/plural';
import {
  checkPlanEntries,
  checkPlanStillApplies,
  type PlannedRecording,
  type PlanSelection,
} from '../retention/plan-file';
import { BadInputError } from '../errors';
import { printable } from '../text/printable';
import { matchesCriteria } from '../selection/criteria';
import type { SelectionCriteria } from '../selection/criteria';
import type { RecordingPage } from '../selection/select-recordings';
import { planPages, readPlanFile } from './plan-io';
import { canonicalApiSid } from '../twilio/sids';
import { API_VERSION_PATH, type TwilioApi } from '../twilio/twilio-api';
import type { PlanRule, PurgePlan } from './purge-plan';

/** What a purge needs of a policy and the holds, read and checked before anything is asked of Twilio. */
export interface RetentionInput {
  policy?: RetentionPolicy;
  /** The holds file's and the policy's. */
  holds: Hold[];
  /** The digest of the holds file's holds, which a reviewed plan compares (the policy's are in its own digest). */
  holdsFileDigest: string;
  holdsPath: string;
}

/**
 * Reads the holds file and, when given, the policy file: both checked in full (schema, durations,
 * rules) before any request, so that a bad file is exit 2 with its line and column and nothing else.
 */
export async function readRetentionInput(
  policyPath: string | undefined,
  holds: HoldsLocation,
  now: Date,
): Promise<RetentionInput> {
  const policy = policyPath === undefined ? undefined : await readPolicyFile(policyPath, now);
  const fileHolds = await readHoldsFile(holds);
  return {
    policy,
    holds: [...fileHolds, ...(policy?.holds ?? [])],
    holdsFileDigest: digestOfHolds(fileHolds),
    holdsPath: holds.path,
  };
}

/** A policy file, checked in full; a missing or invalid one is a bad-input error at its place. */
async function readPolicyFile(policyPath: string, now: Date): Promise<RetentionPolicy> {
  const text = (await readRegularFile(resolve(policyPath), 'policy file'))!;
  // Loaded here only: YAML and the schema validator cost every other command nothing.
  const { parsePolicy } = await import('../retention/policy');
  return parsePolicy(text, policyPath, now);
}

/** How a purge decides, once the policy's account names are known to be the account's. */
export interface RetentionPlan {
  criteria?: SelectionCriteria;
  decide: RetentionDecider;
  planRules?: PlanRule[];
  holdsDigest: string;
  policyDigest?: string;
}

/** The decisions of a purge at `now`: the policy's rules (accounts resolved through Accounts.json) and the holds. */
export async function planRetention(
  api: TwilioApi,
  input: RetentionInput,
  now: Date,
  /** The account and its subaccounts, when the caller has them already. */
  known?: KnownAccount[],
): Promise<RetentionPlan> {
  const holds = new HoldSet(input.holds, now);
  const holdsDigest = input.holdsFileDigest;
  const { policy } = input;
  if (!policy) return { decide: selectionDecider(holds), holdsDigest };
  const namesAccounts = policy.rules.some((rule) => rule.match.accounts !== undefined);
  const accounts = !namesAccounts
    ? [{ sid: api.accountSid, friendlyName: '' }]
    : known
      ? known.slice(0, policy.subaccounts ? known.length : 1)
      : await knownAccounts(api, policy.subaccounts);
  const resolved = resolvePolicyAccounts(policy, accounts);
  return {
    criteria: { includeSubaccounts: policy.subaccounts, limitCounts: 'completed' },
    decide: policyDecider(resolved, holds, now),
    planRules: policy.rules.map((rule) => ({
      name: rule.name,
      keep: rule.keep,
      cutoff: ruleCutoff(rule, policy, now),
      archive: rule.archive,
    })),
    holdsDigest,
    policyDigest: policy.digest,
  };
}

interface AccountsEnvelope {
  accounts: Array<{ sid: string; friendly_name: string; status: string }>;
  next_page_uri: string | null;
}

/** The account, then (when the policy scans them) its subaccounts that are not closed, with friendly names. */
async function knownAccounts(api: TwilioApi, includeSubaccounts: boolean): Promise<KnownAccount[]> {
  const parent: KnownAccount = { sid: api.accountSid, friendlyName: '' };
  const subaccounts: KnownAccount[] = [];
  let next: string | null = `${API_VERSION_PATH}/Accounts.json?PageSize=1000`;
  while (next) {
    const page: AccountsEnvelope = await api.getJson<AccountsEnvelope>(next);
    for (const account of page.accounts) {
      const sid = canonicalApiSid(account.sid);
      if (sid === api.accountSid) parent.friendlyName = account.friendly_name;
      else if (includeSubaccounts && account.status !== 'closed') {
        subaccounts.push({ sid, friendlyName: account.friendly_name });
      }
    }
    next = page.next_page_uri;
  }
  return [parent, ...subaccounts];
}

/** How a reviewed plan is carried out: its recordings, decided anew, and what drifted since. */
export interface ReviewedPlanRun {
  pages: () => AsyncIterable<RecordingPage>;
  decide: RetentionDecider;
  /** The plan's policy, whose rules' `archive:` the plan's recordings go to. */
  policy?: RetentionPolicy;
  planRules?: PlanRule[];
  /** Every holds file the plan's recordings are checked against, again just before each deletion. */
  holdsFiles: HoldsLocation[];
  /** The SHA-256 of the plan file's bytes, as read. */
  planSha256: string;
  planNotes(plan: PurgePlan): string[];
}

export interface ReviewedPlanOptions {
  now: Date;
  maxAgeMs: number;
  maxAgeText: string;
  force: boolean;
}

/**
 * Reads a plan made with --plan-out and refuses, before any request to Twilio, one that no longer
 * applies (see checkPlanStillApplies) or whose entries --plan-out could not have written (see
 * checkPlanEntries). The plan only narrows what may go: each of its recordings is fetched and
 * decided anew, as its policy would decide now (its rules, minimum age, scope and archives) or,
 * for a plan made from selection flags, within the selection recorded in it; with the holds of the
 * plan's own holds file, of the one named now (--holds, TWILIO_RECORDINGS_HOLDS, or the default)
 * and of the policy. A recording deleted meanwhile counts as done.
 */
export async function reviewedPlan(
  api: TwilioApi,
  planPath: string,
  holdsAt: HoldsLocation,
  options: ReviewedPlanOptions,
): Promise<ReviewedPlanRun> {
  const { now } = options;
  const { plan, sha256 } = await readPlanFile(planPath);
  // A plan whose holds file held nothing may have used a default file not created yet; otherwise it must still be there.
  const planHoldsAt: HoldsLocation = { path: resolve(plan.holds.file), named: plan.holds.digest !== NO_HOLDS };
  const holdsFiles = [planHoldsAt, ...(resolve(holdsAt.path) === planHoldsAt.path ? [] : [holdsAt])];
  const planFileHolds = await readHoldsFile(planHoldsAt);
  const otherHolds = holdsFiles.length > 1 ? await readHoldsFile(holdsAt) : [];
  const policy = plan.policy ? await readPolicyFile(plan.policy.file, now) : undefined;
  checkPlanStillApplies(plan, planPath, {
    accountSid: api.accountSid,
    now,
    maxAgeMs: options.maxAgeMs,
    maxAgeText: options.maxAgeText,
    policyDigestNow: policy?.digest,
    holdsDigestNow: digestOfHolds(planFileHolds),
    force: options.force,
  });
  checkPlanEntries(plan, planPath, {
    ruleNames: policy ? new Set(policy.rules.map((rule) => rule.name)) : undefined,
    policyFile: plan.policy?.file,
    subaccounts: policy ? policy.subaccounts : (plan.selection?.subaccounts ?? true),
    now,
  });
  // The only request before the recordings: which subaccounts there are, when the plan names any.
  const foreign = plan.recordings.filter((entry) => entry.accountSid !== plan.accountSid);
  const known = foreign.length > 0 ? await knownAccounts(api, true) : undefined;
  if (known) refuseUnknownAccounts(planPath, foreign, known);
  const input: RetentionInput = {
    policy,
    holds: [...planFileHolds, ...otherHolds, ...(policy?.holds ?? [])],
    holdsFileDigest: digestOfHolds(planFileHolds),
    holdsPath: planHoldsAt.path,
  };
  const retention = await planRetention(api, input, now, known);
  const rules = new Map(plan.recordings.map((entry) => [entry.sid, entry.rule]));
  const selection = plan.selection && selectionCriteria(plan.selection);
  const drift = new DriftNotes();
  const decide = drift.noting(
    reviewedPlanDecider(
      retention.decide,
      (recording) => rules.get(recording.sid),
      (recording) =>
        selection && !matchesCriteria(recording, selection)
          ? `outside the plan's selection${describeSelection(plan.selection!)}`
          : undefined,
    ),
  );
  return {
    pages: () => planPages(api, plan.recordings),
    decide,
    policy,
    planRules: retention.planRules,
    holdsFiles,
    planSha256: sha256,
    planNotes: (current) => [
      `Plan ${printable(resolve(planPath))}: SHA-256 ${sha256}.`,
      ...driftLines(plan.recordings.length, plan.createdAt, current, policy, drift),
    ],
  };
}

const NO_HOLDS = digestOfHolds([]);

/** Refuses a plan entry of an account that is neither the plan's nor one of its subaccounts Twilio knows now. */
function refuseUnknownAccounts(planPath: string, entries: readonly PlannedRecording[], known: KnownAccount[]): void {
  const sids = new Set(known.map((account) => account.sid));
  const unknown = entries.find((entry) => !sids.has(entry.accountSid));
  if (unknown) {
    throw new BadInputError(
      `${printable(planPath)}: ${unknown.sid} is listed under account ${unknown.accountSid}, which is neither the plan's account nor an open subaccount of it: nothing was deleted; make a new plan with --plan-out.`,
    );
  }
}

/** A plan's recorded selection as criteria, to test each recording against. */
function selectionCriteria(selection: PlanSelection): SelectionCriteria {
  return {
    createdBefore: selection.createdBefore === undefined ? undefined : new Date(selection.createdBefore),
    createdFrom: selection.createdFrom === undefined ? undefined : new Date(selection.createdFrom),
    callSid: selection.callSid,
    conferenceSid: selection.conferenceSid,
    sids: selection.sids,
    statuses: selection.statuses as SelectionCriteria['statuses'],
    includeSubaccounts: selection.subaccounts,
    limitCounts: 'completed',
  };
}

/** The selection of a plan made from selection flags, as it is recorded in the plan. */
export function planSelection(criteria: SelectionCriteria): PlanSelection {
  return {
    ...(criteria.createdBefore ? { createdBefore: criteria.createdBefore.toISOString() } : {}),
    ...(criteria.createdFrom ? { createdFrom: criteria.createdFrom.toISOString() } : {}),
    ...(criteria.callSid ? { callSid: criteria.callSid } : {}),
    ...(criteria.conferenceSid ? { conferenceSid: criteria.conferenceSid } : {}),
    ...(criteria.sids ? { sids: criteria.sids } : {}),
    ...(criteria.statuses ? { statuses: criteria.statuses } : {}),
    subaccounts: criteria.includeSubaccounts,
  };
}

function describeSelection(selection: PlanSelection): string {
  const parts = [
    selection.createdFrom && `created at or after ${selection.createdFrom}`,
    selection.createdBefore && `created before ${selection.createdBefore}`,
    selection.callSid && `of call ${selection.callSid}`,
    selection.conferenceSid && `of conference ${selection.conferenceSid}`,
    selection.statuses && `${selection.statuses.join(' or ')}`,
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** Recordings named in the drift lines per reason; beyond this many they are only counted. */
const LISTED_DRIFT = 10;

/** The first recordings a reviewed plan keeps for each reason, with why, for the lines that say what drifted. */
class DriftNotes {
  readonly byReason = new Map<KeepReason, Map<string, string | undefined>>();

  noting(decide: RetentionDecider): RetentionDecider {
    return (recording) => {
      const decision = decide(recording);
      if (decision.action === 'keep' && decision.reason !== 'held' && decision.reason !== 'not-completed') {
        let listed = this.byReason.get(decision.reason);
        if (!listed) this.byReason.set(decision.reason, (listed = new Map()));
        if (listed.size < LISTED_DRIFT) listed.set(recording.sid, decision.detail);
      }
      return decision;
    };
  }
}

const DRIFT_WORDS: Partial<Record<KeepReason, string>> = {
  'too-young': 'too young for the policy now (kept)',
  'rule-keeps': 'kept by their rule now (kept)',
  'outside-plan': 'not as planned (kept)',
};

/**
 * What differs from what the plan said: deleted by someone else (done), held now, no longer
 * completed, and what the policy or the plan's selection keeps now, each with its first recordings.
 */
function driftLines(
  planned: number,
  createdAt: string,
  plan: PurgePlan,
  policy: RetentionPolicy | undefined,
  drift: DriftNotes,
): string[] {
  const gone = plan.total.skippedByStatus.get('deleted') ?? 0;
  const held = plan.total.kept.get('held') ?? 0;
  const other = plan.total.skipped - gone;
  const parts: string[] = [];
  if (gone > 0) parts.push(`${plural(gone, 'recording')} deleted meanwhile (counted as done)`);
  if (held > 0) parts.push(`${plural(held, 'recording')} held now (kept)`);
  if (other > 0) parts.push(`${plural(other, 'recording')} no longer completed (kept)`);
  const details: string[] = [];
  for (const [reason, words] of Object.entries(DRIFT_WORDS) as Array<[KeepReason, string]>) {
    const count = plan.total.kept.get(reason) ?? 0;
    if (count === 0) continue;
    parts.push(`${plural(count, 'recording')} ${words}`);
    const listed = [...(drift.byReason.get(reason) ?? new Map<string, string | undefined>())].map(([sid, detail]) =>
      detail === undefined || reason === 'unverifiable' ? sid : `${sid} (${printable(detail)})`,
    );
    const more = count > listed.length ? `, and ${(count - listed.length).toLocaleString('en-US')} more` : '';
    const why =
      reason === 'too-young' && policy
        ? ` (minimumAge ${policy.minimumAge})`
        : reason === 'rule-keeps'
          ? ' (their keep has not passed)'
          : '';
    if (listed.length > 0) details.push(`  ${words.replace(' (kept)', '')}${why}: ${listed.join('; ')}${more}.`);
  }
  const head = `Reviewed plan of ${createdAt}: ${plural(planned, 'recording')} planned`;
  return [
    parts.length > 0 ? `${head}; since then ${parts.join(', ')}.` : `${head}; nothing drifted since.`,
    ...details,
  ];
}
