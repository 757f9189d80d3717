import {
  FREE_STORAGE_MINUTES,
  STORAGE_PRICE_PER_MINUTE_MONTH,
  describeMonthlyCost,
  formatUsd,
} from '../recordings/storage-cost';
import type { UsageReport } from './storage-usage';

/** The bars' width off a terminal, or when it does not say how wide it is. */
export const DEFAULT_BAR_WIDTH = 40;
const MIN_BAR_WIDTH = 10;

function number(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * The months as a bar chart of stored minutes, for a terminal `columns` wide (the largest month
 * fills what the labels and figures leave; 40 characters when the width is unknown). With a
 * policy, each bar shows what is kept (█) and what the policy would free (░).
 */
export function usageChartLines(report: UsageReport, columns?: number): string[] {
  const policy = report.totals.minutesAfter !== undefined;
  const largest = Math.max(1, ...report.months.map((month) => month.minutes));
  const label = Math.max(...report.months.map((month) => month.month.length), 7);
  const figuresOf = (month: UsageReport['months'][number]) =>
    policy ? `${number(month.minutes)} → ${number(month.minutesAfter ?? 0)} min` : `${number(month.minutes)} min`;
  const figures = Math.max(0, ...report.months.map((month) => figuresOf(month).length));
  const barWidth =
    columns === undefined || !Number.isInteger(columns) || columns <= 0
      ? DEFAULT_BAR_WIDTH
      : Math.max(MIN_BAR_WIDTH, columns - label - figures - 4);
  const lines = [
    policy
      ? 'Stored minutes by month of creation (█ kept, ░ freed by the policy)'
      : 'Stored minutes by month of creation',
  ];
  for (const month of report.months) {
    const total = Math.round((month.minutes / largest) * barWidth);
    const kept = policy ? Math.round(((month.minutesAfter ?? 0) / largest) * barWidth) : total;
    const bar = '█'.repeat(kept) + '░'.repeat(Math.max(0, total - kept));
    lines.push(`${month.month.padEnd(label)}  ${bar.padEnd(barWidth)}  ${figuresOf(month)}`);
  }
  return lines;
}

/**
 * What the figures mean for the bill: shared free minutes, the price, and with a policy the
 * saving. A view of less than the whole parent account cannot deduct the free minutes: it gives
 * the most the minutes cost, in the words list and purge use.
 */
export function usageNoteLines(report: UsageReport): string[] {
  const { totals } = report;
  const lines = [
    `Stored: ${number(totals.recordings)} completed recordings, ${number(totals.minutes)} minutes (each recording rounded up to a whole minute).`,
  ];
  const freed = totals.minutesAfter === undefined ? undefined : totals.minutes - totals.minutesAfter;
  if (!totals.wholeAccount) {
    lines.push(
      `These are not all of the parent account's recordings: ${totals.partialBecause ?? 'the view is partial'}.`,
      `Storing them costs ${describeMonthlyCost(totals.minutes)}.`,
    );
    if (freed !== undefined) {
      lines.push(
        `After the policy: ${number(totals.minutesAfter!)} minutes: it frees ${number(freed)} minutes, and deleting them saves ${describeMonthlyCost(freed)}.`,
      );
    }
  } else {
    lines.push(
      `Twilio stores ${number(FREE_STORAGE_MINUTES)} minutes free per parent account, counted once for the parent and all its subaccounts; ` +
        `beyond them ${formatUsd(STORAGE_PRICE_PER_MINUTE_MONTH)} a minute a month: ${number(totals.billableMinutes ?? 0)} billable minutes, ${formatUsd(totals.monthlyCostUsd ?? 0)} a month.`,
    );
    if (freed !== undefined) {
      lines.push(
        `After the policy: ${number(totals.minutesAfter!)} minutes, ${number(totals.billableMinutesAfter ?? 0)} billable, ` +
          `${formatUsd(totals.monthlyCostAfterUsd ?? 0)} a month: it frees ${number(freed)} minutes ` +
          `and saves ${formatUsd(totals.monthlySavingUsd ?? 0)} a month.`,
      );
    }
  }
  lines.push('Row costs are at the margin (minutes × the price); the free minutes apply once, to the total.');
  return lines;
}
