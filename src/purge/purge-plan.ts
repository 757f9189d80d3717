import { BadInputError } from '../errors';
import { plural } from '../text/plural';
import { keyMismatchLines, noteKeyMismatch, type KeyMismatches } from '../media/download-recordings';
import type { Recording } from '../recordings/recording';
import { describeHold } from '../retention/holds';
import {
  selectionDecider,
  type KeepReason,
  type RetentionDecider,
  type RetentionDecision,
} from '../retention/retention-decision';
import { printable } from '../text/printable';
import { selectionWindowLines, stoppedAtLimitLines } from '../selection/selection-summary';
import { StorageTally, describeMonthlyCost, formatUsd, marginalMonthlyCost } from '../recordings/storage-cost';
import type { SelectionCriteria } from '../selection/criteria';
import type { RecordingPage } from '../selection/select-recordings';

/** The one status Twilio can delete; every other one is skipped. */
const DELETABLE_STATUS = 'completed';

/** Refuses a selection with no bound, so that no purge deletes everything by accident. */
export function requirePurgeBound(criteria: SelectionCriteria): void {
  if (criteria.createdBefore || criteria.sids?.length || criteria.callSid || criteria.conferenceSid) return;
  throw new BadInputError(
    'A purge needs a bound: add --older-than, --before, --sid, --call-sid or --conference-sid ' +
      '(for example --older-than 90d); --dry-run shows what would be deleted.',
  );
}

export function isDeletable(recording: Pick<Recording, 'status'>): boolean {
  return recording.status === DELETABLE_STATUS;
}

/** Recordings counted by status. */
export class StatusCounts extends Map<string, number> {
  add(status: string): void {
    this.set(status, (this.get(status) ?? 0) + 1);
  }

  get total(): number {
    let total = 0;
    for (const count of this.values()) total += count;
    return total;
  }
}

/** Held recordings named in a plan; beyond this many they are only counted. */
const LISTED_HOLDS = 20;

/** What a purge would do in one account: completed recordings to delete, others kept by status or reason. */
export class AccountPurgePlan {
  readonly toDelete = new StorageTally();
  readonly skippedByStatus = new StatusCounts();
  /** Kept for another reason than their status: held, too young, their rule keeps them, or unverifiable. */
  readonly kept = new StatusCounts();
  /** Those kept as unverifiable, by the words that say why. */
  readonly unverifiable = new StatusCounts();

  constructor(readonly accountSid: string) {}

  add(recording: Pick<Recording, 'status' | 'duration' | 'dateCreated'>, decision: RetentionDecision): void {
    if (decision.action === 'delete') this.toDelete.add(recording);
    else if (decision.reason === 'not-completed') this.skippedByStatus.add(recording.status);
    else {
      this.kept.add(decision.reason);
      if (decision.reason === 'unverifiable') this.unverifiable.add(decision.detail ?? '');
    }
  }

  get skipped(): number {
    return this.skippedByStatus.total;
  }

  keptFor(reason: KeepReason): number {
    return reason === 'not-completed' ? this.skipped : (this.kept.get(reason) ?? 0);
  }
}

/**
 * The plan of a purge, pure data: tallies only (counts, minutes, oldest and newest, skipped
 * statuses) per account and in total, so it stays the same size however many recordings
 * the selection holds.
 */
export class PurgePlan {
  readonly accounts = new Map<string, AccountPurgePlan>();
  readonly total = new AccountPurgePlan('all');
  /** With a policy: per rule, in the order first seen, per account. */
  readonly rules = new Map<string, Map<string, AccountPurgePlan>>();
  /** The first held recordings, with the hold's reason. */
  readonly held: string[] = [];
  /** The --limit that stopped the selection while more completed recordings matched. */
  stoppedAtLimit: number | undefined;
  /** With --expect-key: recordings encrypted with another key. */
  readonly otherKeys: KeyMismatches = { count: 0, first: [] };

  constructor(private readonly expectKey?: string) {}

  add(
    accountSid: string,
    recording: Pick<Recording, 'status' | 'duration' | 'dateCreated'> & Partial<Pick<Recording, 'sid' | 'encryption'>>,
    decision: RetentionDecision = selectionDecisionOf(recording),
  ): void {
    accountIn(this.accounts, accountSid).add(recording, decision);
    if (this.expectKey && recording.sid) {
      noteKeyMismatch(this.otherKeys, { ...recording, sid: recording.sid }, this.expectKey);
    }
    this.total.add(recording, decision);
    if (decision.rule !== undefined) {
      let rule = this.rules.get(decision.rule);
      if (!rule) this.rules.set(decision.rule, (rule = new Map()));
      accountIn(rule, accountSid).add(recording, decision);
    }
    if (decision.action === 'keep' && decision.hold && this.held.length < LISTED_HOLDS) {
      const hold = describeHold(decision.hold);
      this.held.push(
        recording.sid === undefined || hold.startsWith(recording.sid) ? hold : `${recording.sid} (${hold})`,
      );
    }
  }

  get selected(): number {
    return this.total.toDelete.count + this.total.skipped + this.total.kept.total;
  }
}

function accountIn(accounts: Map<string, AccountPurgePlan>, accountSid: string): AccountPurgePlan {
  let account = accounts.get(accountSid);
  if (!account) accounts.set(accountSid, (account = new AccountPurgePlan(accountSid)));
  return account;
}

function selectionDecisionOf(recording: Pick<Recording, 'status'>): RetentionDecision {
  return isDeletable(recording) ? { action: 'delete' } : { action: 'keep', reason: 'not-completed' };
}

/** Tallies a selection streamed page by page into a plan; `onPage` sees each page on the way (e.g. for output). */
export async function buildPurgePlan(
  pages: AsyncIterable<RecordingPage>,
  /** Each page once decided, with the decision of each of its recordings, in order. */
  onPage?: (page: RecordingPage, decisions: RetentionDecision[]) => void,
  /** Awaited after each page, so that whoever reads the pages sets the pace. */
  waitForRoom: () => Promise<void> = () => Promise.resolve(),
  decide: RetentionDecider = selectionDecider(),
  /** `--expect-key`: the plan names recordings encrypted with any other public key. */
  expectKey?: string,
): Promise<PurgePlan> {
  const plan = new PurgePlan(expectKey);
  for await (const page of pages) {
    const decisions = page.recordings.map((recording) => decide(recording));
    page.recordings.forEach((recording, i) => plan.add(page.accountSid, recording, decisions[i]));
    if (page.stoppedAtLimit !== undefined) plan.stoppedAtLimit = page.stoppedAtLimit;
    onPage?.(page, decisions);
    await waitForRoom();
  }
  return plan;
}

/** `3 absent, 1 processing`, most frequent first. */
export function describeStatusCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([status, count]) => `${count.toLocaleString('en-US')} ${status}`)
    .join(', ');
}

function describeDeletion(toDelete: StorageTally): string {
  let text = `${plural(toDelete.count, 'recording')}, ${plural(toDelete.minutes, 'minute')}`;
  if (toDelete.oldest && toDelete.newest) {
    text += `, created ${toDelete.oldest.toISOString()} to ${toDelete.newest.toISOString()}`;
  }
  return text;
}

/**
 * The plan as lines for stderr: the total, the exact window, per account when there are
 * several, the skipped, whether --limit cut it short, and the saving.
 */
export function purgePlanLines(plan: PurgePlan, criteria?: SelectionCriteria, rules?: readonly PlanRule[]): string[] {
  const window = criteria && !rules ? selectionWindowLines(criteria) : [];
  if (plan.selected === 0) return [...window, 'No recording matches the selection: nothing to delete.'];
  const { toDelete } = plan.total;
  const lines = [`Purge plan: delete ${describeDeletion(toDelete)}.`, ...window];
  if (rules) lines.push(...rulePlanLines(plan, rules));
  else if (plan.accounts.size > 1) {
    for (const account of plan.accounts.values()) {
      const skipped = account.skipped > 0 ? `; keep ${describeStatusCounts(account.skippedByStatus)}` : '';
      lines.push(`  ${account.accountSid}: delete ${describeDeletion(account.toDelete)}${skipped}`);
    }
  }
  if (plan.total.skipped > 0) {
    lines.push(
      `Keep ${plural(plan.total.skipped, 'recording')} not completed: ${describeStatusCounts(plan.total.skippedByStatus)} ` +
        '(in progress and processing ones are still being made; absent and failed ones have no media).',
    );
  }
  lines.push(...heldLines(plan));
  for (const [reason, count] of plan.total.unverifiable) {
    lines.push(`Keep ${plural(count, 'completed recording')}: ${printable(reason)}.`);
  }
  lines.push(...keyMismatchLines(plan.otherKeys));
  lines.push(
    ...stoppedAtLimitLines(
      plan.stoppedAtLimit,
      'completed recordings',
      'they are not in this plan, and a later run with the same flags takes the next ones',
    ),
  );
  if (toDelete.count > 0) lines.push(`Deleting them saves ${describeMonthlyCost(toDelete.minutes)}.`);
  return lines;
}

/** A policy's rule as the plan shows it: its keep, the instant before which its recordings go, its archive. */
export interface PlanRule {
  name: string;
  keep: string;
  /** Undefined when the rule keeps forever. */
  cutoff?: Date;
  archive?: string;
}

const KEPT_WORDS: Readonly<Record<string, string>> = {
  held: 'held',
  'too-young': 'too young',
  'rule-keeps': 'rule says keep',
  unverifiable: 'encrypted, unverifiable',
  'outside-plan': 'not as planned',
};

function describeKept(account: AccountPurgePlan): string {
  const parts = [...account.kept.entries()].map(
    ([reason, count]) => `${count.toLocaleString('en-US')} ${KEPT_WORDS[reason]}`,
  );
  if (account.skipped > 0) parts.push(`${account.skipped.toLocaleString('en-US')} not completed`);
  return parts.length > 0 ? `; keep ${parts.join(', ')}` : '';
}

/** Per rule, in the policy's order, and per account: what goes, what it saves, and what stays and why. */
function rulePlanLines(plan: PurgePlan, rules: readonly PlanRule[]): string[] {
  const lines: string[] = [];
  for (const rule of rules) {
    const when = rule.cutoff
      ? `delete completed recordings created before ${rule.cutoff.toISOString()}`
      : 'keep forever';
    const archive = rule.archive ? `, archived first to ${printable(rule.archive)}` : '';
    lines.push(`  rule ${printable(rule.name)} (keep ${rule.keep}: ${when}${archive}):`);
    const accounts = plan.rules.get(rule.name);
    if (!accounts) {
      lines.push('    no recording matches');
      continue;
    }
    for (const account of accounts.values()) {
      const { toDelete } = account;
      const saving =
        toDelete.count > 0 ? `, saves at most ${formatUsd(marginalMonthlyCost(toDelete.minutes))} a month` : '';
      lines.push(
        `    ${account.accountSid}: delete ${plural(toDelete.count, 'recording')}, ${plural(toDelete.minutes, 'minute')}${saving}${describeKept(account)}`,
      );
    }
  }
  return lines;
}

/** Held recordings: how many, and the first ones with the hold's reason. */
function heldLines(plan: PurgePlan): string[] {
  const held = plan.total.kept.get('held') ?? 0;
  if (held === 0) return [];
  const more = held > plan.held.length ? `, and ${(held - plan.held.length).toLocaleString('en-US')} more` : '';
  return [`Keep ${plural(held, 'held recording')}: ${plan.held.join('; ')}${more}.`];
}
