import { plural } from '../text/plural';
import { StorageTally, describeMonthlyCost } from '../recordings/storage-cost';
import { describeWindow, type SelectionCriteria } from './criteria';
import type { RecordingPage } from './select-recordings';

/** Tallies of the selected recordings, per account, in the order accounts were met. */
export class SelectionTally {
  readonly accounts = new Map<string, StorageTally>();
  readonly total = new StorageTally();
  /** The --limit that stopped the selection while more recordings matched. */
  stoppedAtLimit: number | undefined;

  add(accountSid: string, recording: { duration: number; dateCreated: Date }): void {
    let tally = this.accounts.get(accountSid);
    if (!tally) this.accounts.set(accountSid, (tally = new StorageTally()));
    tally.add(recording);
    this.total.add(recording);
  }

  addPage(page: RecordingPage): void {
    for (const recording of page.recordings) this.add(page.accountSid, recording);
    if (page.stoppedAtLimit !== undefined) this.stoppedAtLimit = page.stoppedAtLimit;
  }
}

/** `N recordings, M minutes` for one tally. */
function describeTally(tally: StorageTally): string {
  return `${plural(tally.count, 'recording')}, ${plural(tally.minutes, 'minute')}`;
}

/** The exact UTC instants the dates flags came to, so that a misread duration shows before anything happens. */
export function selectionWindowLines(criteria: SelectionCriteria): string[] {
  const window = describeWindow(criteria);
  return window ? [`Selection window: recordings ${window}.`] : [];
}

/** Says that --limit cut the selection short; `what` names the recordings it counts. */
export function stoppedAtLimitLines(limit: number | undefined, what: string, next: string): string[] {
  return limit === undefined
    ? []
    : [`Stopped at --limit ${limit.toLocaleString('en-US')}: more ${what} match; ${next}.`];
}

/** Lines for stderr: the window, the count and minutes, per account when there are several, the limit and the storage cost. */
export function selectionSummaryLines(tally: SelectionTally, criteria: SelectionCriteria): string[] {
  const lines = selectionWindowLines(criteria);
  if (tally.accounts.size > 1) {
    for (const [accountSid, accountTally] of tally.accounts)
      lines.push(`${accountSid}: ${describeTally(accountTally)}`);
  }
  lines.push(`Selected ${describeTally(tally.total)} (each recording rounded up to a whole minute, as Twilio bills).`);
  lines.push(
    ...stoppedAtLimitLines(tally.stoppedAtLimit, 'recordings', 'a higher --limit or --no-limit lists them too'),
  );
  lines.push(`Storing them costs ${describeMonthlyCost(tally.total.minutes)}.`);
  return lines;
}
