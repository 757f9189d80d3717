import { hasMedia, type Recording } from '../recordings/recording';
import { FREE_STORAGE_MINUTES, billableMinutes, marginalMonthlyCost } from '../recordings/storage-cost';
import type { RetentionDecider } from '../retention/retention-decision';

/** How the rows of a usage report are split within a month. */
export type UsageGrouping = 'account' | 'source';

/** Stored recordings of one month of creation and one account (or source). */
export interface UsageRow {
  /** `2026-03`, or `earlier` for everything before the months shown. */
  month: string;
  /** The account SID, or the recording source with `--by source`. */
  group: string;
  recordings: number;
  minutes: number;
  /** Minutes × the price per minute-month: what these add at the margin. */
  monthlyCostUsd: number;
  /** With a policy: what is left of them after it runs. */
  recordingsAfter?: number;
  minutesAfter?: number;
  monthlyCostAfterUsd?: number;
}

/**
 * The account's storage as Twilio bills it: one free allowance for the parent and its subaccounts.
 * Only a view of all of them (`wholeAccount`) can deduct it; any other view gives upper bounds
 * (`…AtMostUsd`) and leaves the billed figures null, as list and purge do.
 */
export interface UsageTotals {
  /** Whether the figures cover the parent account and every subaccount. */
  wholeAccount: boolean;
  /** Why they do not, when they do not. */
  partialBecause?: string;
  recordings: number;
  minutes: number;
  freeMinutes: number;
  billableMinutes: number | null;
  monthlyCostUsd: number | null;
  /** Without the whole account: what these minutes cost once the account is past the free minutes. */
  monthlyCostAtMostUsd?: number;
  minutesAfter?: number;
  billableMinutesAfter?: number | null;
  monthlyCostAfterUsd?: number | null;
  monthlySavingUsd?: number | null;
  monthlySavingAtMostUsd?: number;
}

/** What a usage scan could see of the parent account (see UsageTotals). */
export interface UsageView {
  wholeAccount: boolean;
  partialBecause?: string;
}

export const WHOLE_ACCOUNT: UsageView = { wholeAccount: true };

export interface UsageReport {
  rows: UsageRow[];
  /** Per month (`earlier` included), all groups together. */
  months: Array<{ month: string; minutes: number; minutesAfter?: number }>;
  totals: UsageTotals;
  /** The months shown, oldest first. */
  shownMonths: string[];
}

function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** The `count` months up to and including `now`'s, oldest first. */
export function lastMonths(now: Date, count: number): string[] {
  const months: string[] = [];
  for (let back = count - 1; back >= 0; back -= 1) {
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    months.push(monthOf(date));
  }
  return months;
}

function cost(minutes: number): number {
  return Math.round(marginalMonthlyCost(minutes) * 10_000) / 10_000;
}

/** What the account's monthly bill is for `minutes` stored, after the shared free minutes. */
export function billedCost(minutes: number): number {
  return cost(Math.max(0, minutes - FREE_STORAGE_MINUTES));
}

/**
 * Tallies stored minutes by month of creation and account (or source), fed one recording at a
 * time: its size is months × groups, whatever the number of recordings. With a policy's decider,
 * it also tallies what would be left after the policy.
 */
export class StorageUsageTally {
  private readonly rows = new Map<string, UsageRow>();
  private readonly shown: Set<string>;
  private recordings = 0;
  private minutes = 0;
  private minutesAfter = 0;

  constructor(
    private readonly shownMonths: string[],
    private readonly grouping: UsageGrouping,
    private readonly decide?: RetentionDecider,
  ) {
    this.shown = new Set(shownMonths);
  }

  add(recording: Recording): void {
    // Stored, and billed, while it has media: deleted ones are not, others have none.
    if (!hasMedia(recording)) return;
    const minutes = billableMinutes(recording);
    const created = monthOf(recording.dateCreated);
    const month = this.shown.has(created) ? created : created < this.shownMonths[0] ? 'earlier' : created;
    const group = this.grouping === 'source' ? (recording.source ?? 'unknown') : recording.accountSid;
    const key = `${month} ${group}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { month, group, recordings: 0, minutes: 0, monthlyCostUsd: 0 };
      if (this.decide) Object.assign(row, { recordingsAfter: 0, minutesAfter: 0, monthlyCostAfterUsd: 0 });
      this.rows.set(key, row);
    }
    row.recordings += 1;
    row.minutes += minutes;
    this.recordings += 1;
    this.minutes += minutes;
    if (this.decide && this.decide(recording).action !== 'delete') {
      row.recordingsAfter! += 1;
      row.minutesAfter! += minutes;
      this.minutesAfter += minutes;
    }
  }

  report(view: UsageView = WHOLE_ACCOUNT): UsageReport {
    const order = (month: string) => (month === 'earlier' ? '' : month);
    const rows = [...this.rows.values()]
      .map((row) => ({
        ...row,
        monthlyCostUsd: cost(row.minutes),
        ...(this.decide ? { monthlyCostAfterUsd: cost(row.minutesAfter!) } : {}),
      }))
      .sort((a, b) => order(a.month).localeCompare(order(b.month)) || a.group.localeCompare(b.group));
    const months = new Map<string, { month: string; minutes: number; minutesAfter?: number }>();
    for (const month of this.shownMonths)
      months.set(month, { month, minutes: 0, ...(this.decide ? { minutesAfter: 0 } : {}) });
    for (const row of rows) {
      let entry = months.get(row.month);
      if (!entry)
        months.set(row.month, (entry = { month: row.month, minutes: 0, ...(this.decide ? { minutesAfter: 0 } : {}) }));
      entry.minutes += row.minutes;
      if (this.decide) entry.minutesAfter! += row.minutesAfter!;
    }
    const totals: UsageTotals = view.wholeAccount
      ? {
          wholeAccount: true,
          recordings: this.recordings,
          minutes: this.minutes,
          freeMinutes: FREE_STORAGE_MINUTES,
          billableMinutes: Math.max(0, this.minutes - FREE_STORAGE_MINUTES),
          monthlyCostUsd: billedCost(this.minutes),
        }
      : {
          wholeAccount: false,
          partialBecause: view.partialBecause,
          recordings: this.recordings,
          minutes: this.minutes,
          freeMinutes: FREE_STORAGE_MINUTES,
          billableMinutes: null,
          monthlyCostUsd: null,
          monthlyCostAtMostUsd: cost(this.minutes),
        };
    if (this.decide) {
      totals.minutesAfter = this.minutesAfter;
      if (view.wholeAccount) {
        totals.billableMinutesAfter = Math.max(0, this.minutesAfter - FREE_STORAGE_MINUTES);
        totals.monthlyCostAfterUsd = billedCost(this.minutesAfter);
        totals.monthlySavingUsd = Math.round((totals.monthlyCostUsd! - totals.monthlyCostAfterUsd) * 10_000) / 10_000;
      } else {
        totals.billableMinutesAfter = null;
        totals.monthlyCostAfterUsd = null;
        totals.monthlySavingUsd = null;
        totals.monthlySavingAtMostUsd = cost(this.minutes - this.minutesAfter);
      }
    }
    const monthList = [...months.values()].sort((a, b) => order(a.month).localeCompare(order(b.month)));
    return { rows, months: monthList, totals, shownMonths: this.shownMonths };
  }
}
