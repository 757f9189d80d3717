import type { Recording } from '../recordings/recording';
import type { KeepReason, RetentionDecision } from '../retention/retention-decision';
import { StorageTally } from '../recordings/storage-cost';
import { StatusCounts } from './purge-plan';

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
