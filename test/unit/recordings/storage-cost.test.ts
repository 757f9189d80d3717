import { expect } from 'chai';
import { StorageTally, billableMinutes, formatUsd, monthlyStorageCost } from '../../../src/recordings/storage-cost';

describe('storage cost', () => {
  it('rounds each recording up to a whole minute', () => {
    expect([0, 1, 60, 61, 3600].map((duration) => billableMinutes({ duration }))).to.deep.equal([0, 1, 1, 2, 60]);
  });

  it('charges only the minutes beyond the free 10,000', () => {
    expect(monthlyStorageCost(9_999)).to.equal(0);
    expect(monthlyStorageCost(30_000)).to.be.closeTo(10, 1e-9);
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
