import { expect } from 'chai';
import {
  StorageTally,
  billableMinutes,
  describeMonthlyCost,
  formatUsd,
  marginalMonthlyCost,
} from '../../../src/recordings/storage-cost';

describe('storage cost', () => {
  it('rounds each recording up to a whole minute', () => {
    expect([0, 1, 60, 61, 3600].map((duration) => billableMinutes({ duration }))).to.deep.equal([0, 1, 1, 2, 60]);
  });

  it('prices a selection at the margin: the free minutes belong to the whole parent account', () => {
    expect(marginalMonthlyCost(6_728)).to.be.closeTo(3.364, 1e-9);
    expect(marginalMonthlyCost(30_000)).to.be.closeTo(15, 1e-9);
  });

  it('says the cost is an upper bound, and when it applies', () => {
    expect(describeMonthlyCost(6_728)).to.equal(
      "at most $3.36 a month, if the account's recordings, subaccounts included, exceed the 10,000 free minutes " +
        '($0.0005 per minute-month beyond them)',
    );
  });

  it('tallies count, minutes, oldest and newest', () => {
    const tally = new StorageTally();
    tally.add({ duration: 61, dateCreated: new Date('2026-02-01') });
    tally.add({ duration: 5, dateCreated: new Date('2026-01-01') });
    expect([tally.count, tally.minutes]).to.deep.equal([2, 3]);
    expect(tally.oldest?.toISOString()).to.equal('2026-01-01T00:00:00.000Z');
    expect(tally.newest?.toISOString()).to.equal('2026-02-01T00:00:00.000Z');
    expect(formatUsd(10)).to.equal('$10.00');
  });
});
