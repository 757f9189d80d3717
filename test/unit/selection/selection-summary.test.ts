import { expect } from 'chai';
import { SelectionTally, selectionSummaryLines } from '../../../src/selection/selection-summary';
import { buildCriteria } from '../../../src/selection/criteria';
import { aRecording } from '../recording-fixture';

describe('selectionSummaryLines', () => {
  const now = new Date('2026-11-21T12:00:00Z');

  function tallyOf(minutes: number[], stoppedAtLimit?: number): SelectionTally {
    const tally = new SelectionTally();
    tally.addPage({
      accountSid: 'AC1',
      recordings: minutes.map((m) => aRecording({ duration: m * 60 })),
      stoppedAtLimit,
    });
    return tally;
  }

  it('shows the window in exact UTC instants, the count and the cost at the margin', () => {
    const lines = selectionSummaryLines(tallyOf([6_000, 728]), buildCriteria({ olderThan: '90d' }, now));
    expect(lines).to.deep.equal([
      'Selection window: recordings created before 2026-08-23T12:00:00.000Z.',
      'Selected 2 recordings, 6,728 minutes (each recording rounded up to a whole minute, as Twilio bills).',
      "Storing them costs at most $3.36 a month, if the account's recordings, subaccounts included, exceed the " +
        '10,000 free minutes ($0.0005 per minute-month beyond them).',
    ]);
  });

  it('says when --limit cut the selection short', () => {
    const lines = selectionSummaryLines(tallyOf([1], 1), buildCriteria({ limit: 1 }, now));
    expect(lines).to.include(
      'Stopped at --limit 1: more recordings match; a higher --limit or --no-limit lists them too.',
    );
  });
});
