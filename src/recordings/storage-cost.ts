import type { Recording } from './recording';

/** Twilio stores this many recording minutes free per parent account, subaccounts included. */
export const FREE_STORAGE_MINUTES = 10_000;
/** US dollars per recording minute stored per month beyond the free minutes. */
export const STORAGE_PRICE_PER_MINUTE_MONTH = 0.0005;

/** Twilio bills storage per whole minute of each recording. */
export function billableMinutes(recording: Pick<Recording, 'duration'>): number {
  return Math.ceil(recording.duration / 60);
}

/** Monthly storage cost in USD of `minutes`, after the free minutes. */
export function monthlyStorageCost(minutes: number): number {
  return Math.max(0, minutes - FREE_STORAGE_MINUTES) * STORAGE_PRICE_PER_MINUTE_MONTH;
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

  get monthlyCost(): number {
    return monthlyStorageCost(this.minutes);
  }
}

export function formatUsd(amount: number): string {
  return `$${amount.toFixed(amount > 0 && amount < 1 ? 4 : 2)}`;
}
