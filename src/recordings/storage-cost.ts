import type { Recording } from './recording';

/** Twilio stores this many recording minutes free per parent account, subaccounts included. */
export const FREE_STORAGE_MINUTES = 10_000;
/** US dollars per recording minute stored per month beyond the free minutes. */
export const STORAGE_PRICE_PER_MINUTE_MONTH = 0.0005;

/** Twilio bills storage per whole minute of each recording. */
export function billableMinutes(recording: Pick<Recording, 'duration'>): number {
  return Math.ceil(recording.duration / 60);
}

/**
 * What storing `minutes` adds to a month's bill at the margin, in USD. The free minutes belong
 * to the whole parent account, subaccounts included, so a selection alone cannot tell whether
 * they are used up: this is the most it can cost, reached once the account is past them.
 */
export function marginalMonthlyCost(minutes: number): number {
  return minutes * STORAGE_PRICE_PER_MINUTE_MONTH;
}

/** The words list and purge both use for what `minutes` cost to keep: `at most $3.36 a month, if …`. */
export function describeMonthlyCost(minutes: number): string {
  return (
    `at most ${formatUsd(marginalMonthlyCost(minutes))} a month, if the account's recordings, subaccounts included, ` +
    `exceed the ${FREE_STORAGE_MINUTES.toLocaleString('en-US')} free minutes ` +
    `(${formatUsd(STORAGE_PRICE_PER_MINUTE_MONTH)} per minute-month beyond them)`
  );
}

/** A running count of recordings and their minutes, fed one recording at a time. */
export class StorageTally {
  count = 0;
  minutes = 0;
  oldest: Date | undefined;
  newest: Date | undefined;

  add(recording: Pick<Recording, 'duration' | 'dateCreated'>): void {
    this.count += 1;
    this.minutes += billableMinutes(recording);
    if (!this.oldest || recording.dateCreated < this.oldest) this.oldest = recording.dateCreated;
    if (!this.newest || recording.dateCreated > this.newest) this.newest = recording.dateCreated;
  }
}

export function formatUsd(amount: number): string {
  return `$${amount.toFixed(amount > 0 && amount < 1 ? 4 : 2)}`;
}
