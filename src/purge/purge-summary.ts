import { plural } from '../text/plural';
import { printable } from '../text/printable';
import { describeMonthlyCost } from '../recordings/storage-cost';
import { describeStatusCounts, type PurgePlan } from './purge-plan';
import type { AccountPurgeTally, PurgeTally } from './purge-tally';

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

/** Recordings can change between the plan and the deletions: a line saying so when the numbers differ. */
export function planDifferenceLines(plan: PurgePlan, tally: PurgeTally): string[] {
  const { total } = tally;
  // Those held since the purge began were planned, and have a summary line of their own.
  const handled = total.deleted.count + total.alreadyDeleted + total.failed + tally.heldSinceStart;
  const planned = plan.total.toDelete.count;
  if (handled === planned) return [];
  return [
    `The selection changed after the plan: ${plural(handled, 'completed recording')} found instead of ${planned.toLocaleString('en-US')}.`,
  ];
}
