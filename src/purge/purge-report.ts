import type { Recording } from '../recordings/recording';
import type { KeepReason, RetentionDecision } from '../retention/retention-decision';
import { StorageTally, describeMonthlyCost } from '../recordings/storage-cost';
import { plural } from '../text/plural';
import { printable } from '../text/printable';
import { StatusCounts, describeStatusCounts } from './purge-plan';

export type PurgeOutcome = 'deleted' | 'already-deleted' | 'skipped' | 'failed';

/** What happened to one recording: the `-o json` record of a purge. */
export interface PurgeResult {
  sid: string;
  accountSid: string;
  status: string;
  outcome: PurgeOutcome;
  /** The archived copy, relative to the archive folder; null without an archive or when it failed. */
  archivedPath: string | null;
  error: string | null;
  /** With a policy: the rule that decided. */
  rule?: string;
  /** Kept for another reason than its status: held, too-young, rule-keeps. */
  keptBecause?: KeepReason;
  /** The hold that kept it. */
  heldBy?: string;
}

/** Failures listed in the summary by name; beyond this many they are only counted. */
const LISTED_FAILURES = 20;

/** What a purge did in one account. */
export class AccountPurgeTally {
  readonly deleted = new StorageTally();
  alreadyDeleted = 0;
  readonly skippedByStatus = new StatusCounts();
  /** Kept for another reason than their status: held, too young, their rule keeps them, unverifiable. */
  readonly kept = new StatusCounts();
  /** Those kept as unverifiable, by the words that say why. */
  readonly unverifiable = new StatusCounts();
  /** Recordings archived (and then deleted, or not). */
  archived = 0;
  /** Recordings whose deletion failed (archive failures included). */
  failed = 0;
  /** Recordings left in place because their archive copy failed. */
  archiveFailed = 0;
  /** Why recordings failed, counted by reason. */
  readonly failureReasons = new StatusCounts();

  constructor(readonly accountSid: string) {}

  get examined(): number {
    return this.deleted.count + this.alreadyDeleted + this.skipped + this.kept.total + this.failed;
  }

  add(result: PurgeResult, recording: Pick<Recording, 'duration' | 'dateCreated'>, archiveFailed: boolean): void {
    if (result.archivedPath !== null) this.archived += 1;
    if (result.outcome === 'deleted') this.deleted.add(recording);
    else if (result.outcome === 'already-deleted') this.alreadyDeleted += 1;
    else if (result.outcome === 'skipped' && result.keptBecause) {
      this.kept.add(result.keptBecause);
      if (result.keptBecause === 'unverifiable') this.unverifiable.add(result.error ?? '');
    } else if (result.outcome === 'skipped') this.skippedByStatus.add(result.status);
    else {
      this.failed += 1;
      // Reasons are counted by kind, a bounded number of them, whatever a run's size.
      const reason = result.error ?? 'unknown';
      this.failureReasons.add(
        this.failureReasons.has(reason) || this.failureReasons.size < LISTED_FAILURES ? reason : 'other',
      );
      if (archiveFailed) this.archiveFailed += 1;
    }
  }

  get skipped(): number {
    return this.skippedByStatus.total;
  }
}

/** Running totals of a purge, per account and overall, with the first failures by name; constant size. */
export class PurgeTally {
  readonly accounts = new Map<string, AccountPurgeTally>();
  readonly total = new AccountPurgeTally('all');
  readonly failures: PurgeResult[] = [];
  /** Recordings Twilio deleted whose outcome line the log could not take: every one, by name. */
  readonly unrecorded: string[] = [];
  /** Why the log stopped taking lines, once it did. */
  logFailure: string | undefined;
  /** With a policy: per rule, then per account. */
  readonly rules = new Map<string, Map<string, AccountPurgeTally>>();
  /** Recordings a hold added since the purge began kept at the last moment (counted as held too). */
  heldSinceStart = 0;
  /** Set when a stop request (Ctrl-C, SIGTERM) ended the purge before the selection did. */
  interrupted = false;

  add(
    result: PurgeResult,
    recording: Pick<Recording, 'duration' | 'dateCreated'>,
    archiveFailed = false,
    decision?: RetentionDecision,
  ): void {
    accountIn(this.accounts, result.accountSid).add(result, recording, archiveFailed);
    this.total.add(result, recording, archiveFailed);
    if (decision?.rule !== undefined) {
      let rule = this.rules.get(decision.rule);
      if (!rule) this.rules.set(decision.rule, (rule = new Map()));
      accountIn(rule, result.accountSid).add(result, recording, archiveFailed);
    }
    if (result.outcome === 'failed' && this.failures.length < LISTED_FAILURES) this.failures.push(result);
  }
}

function accountIn(accounts: Map<string, AccountPurgeTally>, accountSid: string): AccountPurgeTally {
  let account = accounts.get(accountSid);
  if (!account) accounts.set(accountSid, (account = new AccountPurgeTally(accountSid)));
  return account;
}

const KEPT_WORDS: Readonly<Record<string, string>> = {
  held: 'held',
  'too-young': 'too young',
  'rule-keeps': 'kept by their rule',
  unverifiable: 'kept encrypted',
  'outside-plan': 'kept, not as planned',
};

function describeAccountTally(tally: AccountPurgeTally): string {
  const parts = [`deleted ${plural(tally.deleted.count, 'recording')} (${plural(tally.deleted.minutes, 'minute')})`];
  if (tally.alreadyDeleted > 0) parts.push(`${tally.alreadyDeleted.toLocaleString('en-US')} already deleted`);
  if (tally.skipped > 0) parts.push(`kept ${describeStatusCounts(tally.skippedByStatus)}`);
  for (const [reason, count] of tally.kept)
    parts.push(`${count.toLocaleString('en-US')} ${KEPT_WORDS[reason] ?? reason}`);
  if (tally.failed > 0) parts.push(`${tally.failed.toLocaleString('en-US')} failed`);
  return parts.join(', ');
}

/** The summary for stderr: outcomes per account and overall, failures with reasons, the saving, the log. */
export function purgeSummaryLines(tally: PurgeTally, deletionLogPath: string | undefined): string[] {
  const { total } = tally;
  const lines: string[] = [];
  if (tally.accounts.size > 1) {
    for (const account of tally.accounts.values())
      lines.push(`  ${account.accountSid}: ${describeAccountTally(account)}`);
  }
  lines.push(`Purge: ${describeAccountTally(total)}.`);
  for (const [reason, count] of total.unverifiable) {
    lines.push(`Kept ${plural(count, 'completed recording')}: ${printable(reason)}.`);
  }
  if (tally.heldSinceStart > 0) {
    lines.push(
      `Kept ${plural(tally.heldSinceStart, 'recording')} held since the purge began: the holds file is read again before each deletion.`,
    );
  }
  if (total.archiveFailed > 0) {
    lines.push(
      `${plural(total.archiveFailed, 'recording')} not deleted because the archive copy failed; ` +
        'they are still on Twilio: run the same command again to retry them.',
    );
  }
  if (total.failed > 0) {
    lines.push('Failed:');
    for (const failure of tally.failures) lines.push(`  ${failure.sid}: ${printable(failure.error ?? '')}`);
    if (total.failed > tally.failures.length) {
      lines.push(`  and ${(total.failed - tally.failures.length).toLocaleString('en-US')} more (see -o json).`);
    }
  }
  if (total.deleted.count > 0) {
    lines.push(
      `Freed ${plural(total.deleted.minutes, 'minute')} of storage: ${describeMonthlyCost(total.deleted.minutes)}.`,
    );
  }
  if (tally.logFailure !== undefined) {
    lines.push(
      `The deletion log stopped taking lines (${printable(tally.logFailure)}); no DELETE was sent after that.`,
    );
  }
  if (tally.unrecorded.length > 0) {
    lines.push(
      `Deleted from Twilio but not recorded in the log: ${tally.unrecorded.join(', ')}. ` +
        'Their intent lines are in the log: once it can be written again, the next purge records what happened to them.',
    );
  }
  if (tally.interrupted) {
    lines.push('Stopped on request: no new deletion was started; those under way finished and are recorded.');
  }
  if (deletionLogPath) {
    lines.push(
      tally.logFailure === undefined
        ? `Deletions are recorded in ${deletionLogPath}`
        : `Deletions up to the failure are recorded in ${deletionLogPath}`,
    );
  }
  return lines;
}
