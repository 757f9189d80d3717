import { plural } from './plural';
import { FREE_STORAGE_MINUTES, StorageTally, formatUsd, monthlyStorageCost } from '../recordings/storage-cost';

/** Tallies of the selected recordings, per account, in the order accounts were met. */
export class SelectionTally {
  readonly accounts = new Map<string, StorageTally>();
  readonly total = new StorageTally();

  add(accountSid: string, recording: { duration: number; dateCreated: Date }): void {
    let tally = this.accounts.get(accountSid);
    if (!tally) this.accounts.set(accountSid, (tally = new StorageTally()));
    tally.add(recording);
    this.total.add(recording);
  }
}

/** `N recordings, M minutes` for one tally. */
function describeTally(tally: StorageTally): string {
  return `${plural(tally.count, 'recording')}, ${plural(tally.minutes, 'minute')}`;
}

/** Lines for stderr: the count and minutes, per account when there are several, and the storage cost. */
export function selectionSummaryLines(tally: SelectionTally): string[] {
  const lines: string[] = [];
  if (tally.accounts.size > 1) {
    for (const [accountSid, accountTally] of tally.accounts)
      lines.push(`${accountSid}: ${describeTally(accountTally)}`);
  }
  lines.push(`Selected ${describeTally(tally.total)} (each recording rounded up to a whole minute, as Twilio bills).`);
  lines.push(
    `Storing them costs about ${formatUsd(monthlyStorageCost(tally.total.minutes))} a month ` +
      `beyond the ${FREE_STORAGE_MINUTES.toLocaleString('en-US')} free minutes ($0.0005 per minute-month).`,
  );
  return lines;
}
