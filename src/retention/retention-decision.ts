import { printable } from '../text/printable';
import type { Recording } from '../recordings/recording';
import { instantBefore } from '../time/durations';
import { HoldSet, type Hold } from './holds';
import type { RetentionRule } from './policy';
import type { ResolvedPolicy } from './policy-accounts';

/**
 * Why a recording a purge looked at stays on Twilio; `unverifiable` is an encrypted one whose
 * archived copy could not be verified, `outside-plan` one a reviewed plan lists that its policy
 * now deletes under another rule, or that is outside the plan's selection (the decision's
 * `detail` says why).
 */
export type KeepReason = 'held' | 'not-completed' | 'too-young' | 'rule-keeps' | 'unverifiable' | 'outside-plan';

/** What a purge does with one recording, and which rule (with a policy) said so. */
export type RetentionDecision =
  | { action: 'delete'; rule?: string; archive?: string }
  | { action: 'keep'; reason: KeepReason; rule?: string; hold?: Hold; detail?: string };

/** Decides for one recording; the same recording and clock always give the same answer. */
export type RetentionDecider = (recording: Recording) => RetentionDecision;

/** The one status Twilio can delete. */
export function hasMedia(recording: Pick<Recording, 'status'>): boolean {
  return recording.status === 'completed';
}

/** Without a policy: every completed recording the selection holds goes, unless a hold keeps it. */
export function selectionDecider(holds: HoldSet = HoldSet.none): RetentionDecider {
  return (recording) => {
    const hold = holds.heldBy(recording);
    if (hold) return { action: 'keep', reason: 'held', hold };
    if (!hasMedia(recording)) return { action: 'keep', reason: 'not-completed' };
    return { action: 'delete' };
  };
}

/**
 * Keeps, all the same, a recording `decide` would delete and archive when `unverifiable` gives
 * a reason its copy could not be verified (an encrypted one without a key to decrypt it).
 * `archivesAll` says every deletion is archived first, not only those of a rule with `archive:`.
 */
export function keepingUnverifiable(
  decide: RetentionDecider,
  unverifiable: (recording: Recording) => string | undefined,
  archivesAll: boolean,
): RetentionDecider {
  return (recording) => {
    const decision = decide(recording);
    if (decision.action !== 'delete' || (!archivesAll && decision.archive === undefined)) return decision;
    const detail = unverifiable(recording);
    return detail === undefined ? decision : { action: 'keep', reason: 'unverifiable', rule: decision.rule, detail };
  };
}

/**
 * The instant before which a rule's recordings go: its keep, but never less than the minimum age.
 * A cut-off outside the years 0000 to 9999 is a bad-input error, never an invalid date (with which
 * every comparison is false, and "created before the cut-off" would not protect).
 */
export function ruleCutoff(
  rule: Pick<RetentionRule, 'keepMs' | 'keep'>,
  policy: Pick<ResolvedPolicy, 'minimumAgeMs' | 'minimumAge'>,
  now: Date,
): Date | undefined {
  if (rule.keepMs === undefined) return undefined;
  // Written so that a keep that is not a number goes to instantBefore, which refuses it.
  return rule.keepMs < policy.minimumAgeMs
    ? youngestDeletable(policy, now)
    : instantBefore(now, rule.keepMs, 'keep', rule.keep, 'to keep recordings for good, write keep: forever');
}

/** Recordings created at or after this instant are too young for any rule to delete. */
function youngestDeletable(policy: Pick<ResolvedPolicy, 'minimumAgeMs' | 'minimumAge'>, now: Date): Date {
  return instantBefore(now, policy.minimumAgeMs, 'minimumAge', policy.minimumAge);
}

/** Whether every condition of the rule's match holds for the recording. */
export function ruleMatches(policy: ResolvedPolicy, index: number, recording: Recording): boolean {
  const { match } = policy.rules[index];
  const accounts = policy.ruleAccounts[index];
  if (accounts && !accounts.has(recording.accountSid)) return false;
  if (match.subaccounts !== undefined && (recording.accountSid !== policy.parentSid) !== match.subaccounts)
    return false;
  if (match.sources && !match.sources.includes(recording.source ?? '')) return false;
  if (match.statuses && !match.statuses.includes(recording.status)) return false;
  if (match.channels !== undefined && recording.channels !== match.channels) return false;
  if (match.minDurationSeconds !== undefined && recording.duration < match.minDurationSeconds) return false;
  if (match.maxDurationSeconds !== undefined && recording.duration > match.maxDurationSeconds) return false;
  if (match.kind !== undefined && (recording.conferenceSid ? 'conference' : 'call') !== match.kind) return false;
  return true;
}

/**
 * A policy's decisions at one instant: holds first (nothing overrides them), then the first
 * matching rule; only a completed recording past both its rule's keep and the minimum age goes.
 */
export function policyDecider(policy: ResolvedPolicy, holds: HoldSet, now: Date): RetentionDecider {
  const cutoffs = policy.rules.map((rule) => ruleCutoff(rule, policy, now));
  const youngFrom = youngestDeletable(policy, now);
  return (recording) => {
    const index = firstMatch(policy, recording);
    const rule = policy.rules[index];
    const hold = holds.heldBy(recording);
    if (hold) return { action: 'keep', reason: 'held', rule: rule.name, hold };
    if (!hasMedia(recording)) return { action: 'keep', reason: 'not-completed', rule: rule.name };
    if (recording.dateCreated >= youngFrom) return { action: 'keep', reason: 'too-young', rule: rule.name };
    const cutoff = cutoffs[index];
    if (cutoff === undefined || recording.dateCreated >= cutoff) {
      return { action: 'keep', reason: 'rule-keeps', rule: rule.name };
    }
    return { action: 'delete', rule: rule.name, archive: rule.archive };
  };
}

/** The index of the first rule that matches; the default rule, last, matches everything. */
export function firstMatch(policy: ResolvedPolicy, recording: Recording): number {
  for (let index = 0; index < policy.rules.length - 1; index += 1) {
    if (ruleMatches(policy, index, recording)) return index;
  }
  return policy.rules.length - 1;
}

/**
 * A reviewed plan's decisions: `decide` (the plan's policy, or its selection's holds and status)
 * decides each recording anew, and a recording it deletes goes only under the rule the plan
 * approved and within the plan's selection (`within`, which says why not); otherwise it is kept
 * as not planned. The plan's entries never make a recording go that `decide` keeps.
 */
export function reviewedPlanDecider(
  decide: RetentionDecider,
  plannedRule: (recording: Recording) => string | null | undefined,
  within: (recording: Recording) => string | undefined = () => undefined,
): RetentionDecider {
  return (recording) => {
    const decision = decide(recording);
    if (decision.action === 'keep') return decision;
    const planned = plannedRule(recording) ?? undefined;
    if (planned !== decision.rule) {
      return {
        action: 'keep',
        reason: 'outside-plan',
        rule: decision.rule,
        detail: `planned under the rule "${printable(planned ?? '')}", the policy now says "${printable(decision.rule ?? '')}"`,
      };
    }
    const outside = within(recording);
    if (outside !== undefined) return { action: 'keep', reason: 'outside-plan', rule: decision.rule, detail: outside };
    return decision;
  };
}
