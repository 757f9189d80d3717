import { FREE_STORAGE_MINUTES, STORAGE_PRICE_PER_MINUTE_MONTH, formatUsd } from '../recordings/storage-cost';
import type { UsageReport } from './storage-usage';

const BAR_WIDTH = 40;

function number(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * The months as a bar chart of stored minutes, for a terminal. With a policy, each bar shows what
 * is kept (█) and what the policy would free (░).
 */
export function usageChartLines(report: UsageReport): string[] {
  const policy = report.totals.minutesAfter !== undefined;
  const largest = Math.max(1, ...report.months.map((month) => month.minutes));
  const label = Math.max(...report.months.map((month) => month.month.length), 7);
  const lines = [
    policy
      ? 'Stored minutes by month of creation (█ kept, ░ freed by the policy)'
      : 'Stored minutes by month of creation',
  ];
  for (const month of report.months) {
    const total = Math.round((month.minutes / largest) * BAR_WIDTH);
    const kept = policy ? Math.round(((month.minutesAfter ?? 0) / largest) * BAR_WIDTH) : total;
    const bar = '█'.repeat(kept) + '░'.repeat(Math.max(0, total - kept));
    const figures = policy
      ? `${number(month.minutes)} → ${number(month.minutesAfter ?? 0)} min`
      : `${number(month.minutes)} min`;
    lines.push(`${month.month.padEnd(label)}  ${bar.padEnd(BAR_WIDTH)}  ${figures}`);
  }
  return lines;
}

/** What the figures mean for the bill: shared free minutes, the price, and with a policy the saving. */
export function usageNoteLines(report: UsageReport): string[] {
  const { totals } = report;
  const lines = [
    `Stored: ${number(totals.recordings)} completed recordings, ${number(totals.minutes)} minutes (each recording rounded up to a whole minute).`,
    `Twilio stores ${number(FREE_STORAGE_MINUTES)} minutes free per parent account, counted once for the parent and all its subaccounts; ` +
      `beyond them ${formatUsd(STORAGE_PRICE_PER_MINUTE_MONTH)} a minute a month: ${number(totals.billableMinutes)} billable minutes, ${formatUsd(totals.monthlyCostUsd)} a month.`,
  ];
  if (totals.minutesAfter !== undefined) {
    lines.push(
      `After the policy: ${number(totals.minutesAfter)} minutes, ${number(totals.billableMinutesAfter ?? 0)} billable, ` +
        `${formatUsd(totals.monthlyCostAfterUsd ?? 0)} a month: it frees ${number(totals.minutes - totals.minutesAfter)} minutes ` +
        `and saves ${formatUsd(totals.monthlySavingUsd ?? 0)} a month.`,
    );
  }
  lines.push('Row costs are at the margin (minutes × the price); the free minutes apply once, to the total.');
  return lines;
}
