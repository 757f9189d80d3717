import type { Recording } from '../recordings/recording';
import { StorageTally, describeMonthlyCost } from '../recordings/storage-cost';
import { plural } from '../output/plural';
import { printable } from '../output/printable';
import { StatusCounts, describeStatusCounts } from './purge-plan';

export type PurgeOutcome = 'deleted' | 'already-deleted' | 'skipped' | 'kept' | 'failed';

/** What happened to one recording: the `-o json` record of a purge. */
export interface PurgeResult {
  sid: string;
  accountSid: string;
  status: string;
  outcome: PurgeOutcome;
  /** The archived copy, relative to the archive folder; null without an archive or when it failed. */
  archivedPath: string | null;
  error: string | null;
}

/** Failures listed in the summary by name; beyond this many they are only counted. */
const LISTED_FAILURES = 20;

/** What a purge did in one account. */
export class AccountPurgeTally {
  readonly deleted = new StorageTally();
  alreadyDeleted = 0;
  readonly skippedByStatus = new StatusCounts();
  /** Completed recordings kept on purpose (an encrypted one whose copy cannot be verified), by reason. */
  readonly keptByReason = new StatusCounts();
  /** Recordings whose deletion failed (archive failures included). */
  failed = 0;
  /** Recordings left in place because their archive copy failed. */
  archiveFailed = 0;

  constructor(readonly accountSid: string) {}

  add(result: PurgeResult, recording: Pick<Recording, 'duration' | 'dateCreated'>, archiveFailed: boolean): void {
    if (result.outcome === 'deleted') this.deleted.add(recording);
    else if (result.outcome === 'already-deleted') this.alreadyDeleted += 1;
    else if (result.outcome === 'skipped') this.skippedByStatus.add(result.status);
    else if (result.outcome === 'kept') this.keptByReason.add(result.error ?? '');
    else {
      this.failed += 1;
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
  /** Set when a stop request (Ctrl-C, SIGTERM) ended the purge before the selection did. */
  interrupted = false;

  add(result: PurgeResult, recording: Pick<Recording, 'duration' | 'dateCreated'>, archiveFailed = false): void {
    let account = this.accounts.get(result.accountSid);
    if (!account) this.accounts.set(result.accountSid, (account = new AccountPurgeTally(result.accountSid)));
    account.add(result, recording, archiveFailed);
    this.total.add(result, recording, archiveFailed);
    if (result.outcome === 'failed' && this.failures.length < LISTED_FAILURES) this.failures.push(result);
  }
}

function describeAccountTally(tally: AccountPurgeTally): string {
  const parts = [`deleted ${plural(tally.deleted.count, 'recording')} (${plural(tally.deleted.minutes, 'minute')})`];
  if (tally.alreadyDeleted > 0) parts.push(`${tally.alreadyDeleted.toLocaleString('en-US')} already deleted`);
  if (tally.skipped > 0) parts.push(`kept ${describeStatusCounts(tally.skippedByStatus)}`);
  if (tally.keptByReason.total > 0) parts.push(`kept ${tally.keptByReason.total.toLocaleString('en-US')} encrypted`);
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
  for (const [reason, count] of total.keptByReason) {
    lines.push(`Kept ${plural(count, 'completed recording')}: ${printable(reason)}.`);
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
