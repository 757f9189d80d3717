import { expect } from 'chai';
import {
  shardsToSplitInto,
  spareRequests,
  walkPagesAtLeast,
  type AccountEvidence,
} from '../../../src/selection/scan-budget';

const PAGE = 1000;
const account = (evidence: Partial<AccountEvidence>): AccountEvidence => ({
  answered: true,
  records: 0,
  fullPages: 0,
  moreShown: false,
  ...evidence,
});

describe('walkPagesAtLeast', () => {
  it('counts one page for an empty account', () => {
    expect(walkPagesAtLeast(account({}), PAGE)).to.equal(1);
  });

  it('counts a page for each page of recordings received, and one for what is left over', () => {
    expect(walkPagesAtLeast(account({ records: 2500 }), PAGE)).to.equal(3);
  });

  it('counts one more page when Twilio shows more beyond whole pages', () => {
    expect(walkPagesAtLeast(account({ records: 2000, moreShown: true }), PAGE)).to.equal(3);
  });

  it('counts no more page for more shown when a page is already only partly counted', () => {
    expect(walkPagesAtLeast(account({ records: 2500, moreShown: true }), PAGE)).to.equal(3);
  });
});

describe('spareRequests', () => {
  it('affords nothing beyond its first request to an account not yet answered', () => {
    expect(spareRequests([account({ answered: false })], 1, PAGE)).to.equal(0);
  });

  it('affords nothing beyond the walk to an account whose one full page is all there is', () => {
    expect(spareRequests([account({ records: 1000, fullPages: 1 })], 1, PAGE)).to.equal(0);
  });

  it('affords two more requests once a full first page shows more to come', () => {
    expect(spareRequests([account({ records: 1000, fullPages: 1, moreShown: true })], 1, PAGE)).to.equal(2);
  });

  it('grows by one with each full page', () => {
    const before = spareRequests([account({ records: 3000, fullPages: 3, moreShown: true })], 4, PAGE);
    const after = spareRequests([account({ records: 4000, fullPages: 4, moreShown: true })], 4, PAGE);
    expect(after - before).to.equal(1);
  });

  it('lends the spare of small accounts to large ones: an empty account needs one of its two', () => {
    const empty = account({});
    const large = account({ records: 1000, fullPages: 1, moreShown: true });
    expect(spareRequests([empty, empty, large], 3, PAGE)).to.equal(4);
  });

  it('goes below zero when requests came back short more often than reserved', () => {
    expect(spareRequests([account({ records: 10 })], 3, PAGE)).to.equal(-1);
  });
});

describe('shardsToSplitInto', () => {
  const room = 19;
  const maxShards = 16;

  it('walks on alone when the budget affords nothing', () => {
    expect(shardsToSplitInto({ spare: 0, readingToAsk: false, room, maxShards })).to.equal(0);
  });

  it('keeps one of the budget for learning how day filters read, when that is still to be asked', () => {
    expect(shardsToSplitInto({ spare: 2, readingToAsk: true, room, maxShards })).to.equal(1);
  });

  it('walks on alone when the budget affords only learning how day filters read', () => {
    expect(shardsToSplitInto({ spare: 1, readingToAsk: true, room, maxShards })).to.equal(0);
  });

  it('makes no more shards than requests could start now', () => {
    expect(shardsToSplitInto({ spare: 40, readingToAsk: false, room: 3, maxShards })).to.equal(3);
  });

  it('makes no shard while every request in flight is taken', () => {
    expect(shardsToSplitInto({ spare: 40, readingToAsk: false, room: 0, maxShards })).to.equal(0);
  });

  it('makes no more shards than one split may', () => {
    expect(shardsToSplitInto({ spare: 40, readingToAsk: false, room: 30, maxShards })).to.equal(16);
  });
});
