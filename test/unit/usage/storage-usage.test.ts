import { expect } from 'chai';
import { StorageUsageTally, lastMonths } from '../../../src/usage/storage-usage';
import { usageChartLines, usageNoteLines } from '../../../src/usage/usage-chart';
import { aRecording } from '../recording-fixture';

const A = 'AC' + '1'.repeat(32);
const B = 'AC' + '2'.repeat(32);

describe('storage usage', () => {
  const months = lastMonths(new Date('2026-11-21T12:00:00Z'), 2);

  it('names the last months, oldest first, across a year', () => {
    expect(lastMonths(new Date('2026-01-05T00:00:00Z'), 3)).to.deep.equal(['2025-11', '2025-12', '2026-01']);
  });

  it('sums whole minutes of completed recordings by month and account, older months as earlier', () => {
    const tally = new StorageUsageTally(months, 'account');
    tally.add(aRecording({ accountSid: A, duration: 61, dateCreated: new Date('2026-11-02T00:00:00Z') }));
    tally.add(aRecording({ accountSid: B, duration: 60, dateCreated: new Date('2026-10-31T23:59:59Z') }));
    tally.add(aRecording({ accountSid: A, duration: 600, dateCreated: new Date('2025-01-01T00:00:00Z') }));
    tally.add(aRecording({ accountSid: A, duration: 600, status: 'deleted' }));
    tally.add(aRecording({ accountSid: A, duration: 600, status: 'absent' }));
    const report = tally.report();
    expect(report.months).to.deep.equal([
      { month: 'earlier', minutes: 10 },
      { month: '2026-10', minutes: 1 },
      { month: '2026-11', minutes: 2 },
    ]);
    expect(report.rows.map((row) => [row.month, row.group, row.minutes])).to.deep.equal([
      ['earlier', A, 10],
      ['2026-10', B, 1],
      ['2026-11', A, 2],
    ]);
    expect(report.totals).to.deep.include({ recordings: 3, minutes: 13, billableMinutes: 0, monthlyCostUsd: 0 });
  });

  it('applies the free minutes once, to the total', () => {
    const tally = new StorageUsageTally(months, 'account');
    for (const accountSid of [A, B]) {
      tally.add(aRecording({ accountSid, duration: 6_000 * 60, dateCreated: new Date('2026-11-02T00:00:00Z') }));
    }
    expect(tally.report().totals).to.deep.include({ minutes: 12_000, billableMinutes: 2_000, monthlyCostUsd: 1 });
  });

  it('draws the largest month at full width, and what a policy frees as ░', () => {
    const tally = new StorageUsageTally(months, 'source', (recording) =>
      recording.duration > 100 ? { action: 'delete' } : { action: 'keep', reason: 'rule-keeps' },
    );
    tally.add(aRecording({ duration: 120, dateCreated: new Date('2026-11-02T00:00:00Z') }));
    tally.add(aRecording({ duration: 60, dateCreated: new Date('2026-11-03T00:00:00Z') }));
    const lines = usageChartLines(tally.report());
    expect(lines.find((line) => line.startsWith('2026-11'))).to.equal(
      `2026-11  ${'█'.repeat(13)}${'░'.repeat(27)}  3 → 1 min`,
    );
    expect(tally.report().totals).to.deep.include({ minutesAfter: 1 });
  });

  it('gives only the most a partial view costs, in the words list and purge use', () => {
    const tally = new StorageUsageTally(months, 'account', () => ({ action: 'delete' }));
    tally.add(aRecording({ accountSid: A, duration: 12_000 * 60, dateCreated: new Date('2026-11-02T00:00:00Z') }));
    const report = tally.report({ wholeAccount: false, partialBecause: 'a subaccount alone' });
    expect(report.totals).to.deep.include({
      wholeAccount: false,
      billableMinutes: null,
      monthlyCostUsd: null,
      monthlyCostAtMostUsd: 6,
      monthlySavingUsd: null,
      monthlySavingAtMostUsd: 6,
    });
    const notes = usageNoteLines(report).join('\n');
    expect(notes).to.include(
      "Storing them costs at most $6.00 a month, if the account's recordings, subaccounts included, exceed the 10,000 free minutes",
    );
    expect(notes).to.include('deleting them saves at most $6.00 a month');
    expect(notes).not.to.include('billable');
  });

  it('fills the width it is given, and 40 columns without one', () => {
    const tally = new StorageUsageTally(months, 'account');
    tally.add(aRecording({ duration: 60, dateCreated: new Date('2026-11-02T00:00:00Z') }));
    const widest = (columns?: number) =>
      Math.max(
        ...usageChartLines(tally.report(), columns)
          .slice(1)
          .map((line) => line.length),
      );
    expect(widest(120)).to.equal(120);
    expect(widest(undefined)).to.equal('earlier'.length + 2 + 40 + 2 + '1 min'.length);
  });
});
