import { expect } from 'chai';
import { DAY_MS, shardFilters, splitRest } from '../../../src/selection/date-shards';

const at = (iso: string) => Date.parse(iso);

describe('shardFilters', () => {
  it('sends no day filter for a shard open at both ends', () => {
    expect(shardFilters({})).to.deep.equal({});
  });

  it('ends a shard that ends at midnight on that day, and starts it a day early', () => {
    expect(shardFilters({ fromMs: at('2026-03-01'), beforeMs: at('2026-03-05') })).to.deep.equal({
      'DateCreated>': '2026-02-28',
      'DateCreated<': '2026-03-05',
    });
  });

  it('ends a shard that ends during a day on the next midnight', () => {
    expect(shardFilters({ beforeMs: at('2026-03-05T00:00:01Z') })).to.deep.equal({ 'DateCreated<': '2026-03-06' });
  });

  it('starts a shard that starts during a day on the day before', () => {
    expect(shardFilters({ fromMs: at('2026-03-01T23:59:59Z') })).to.deep.equal({ 'DateCreated>': '2026-02-28' });
  });

  it('leaves out a day Twilio cannot take', () => {
    expect(shardFilters({ fromMs: at('1970-01-01'), beforeMs: Date.UTC(10000, 0, 2) })).to.deep.equal({});
  });
});

describe('splitRest', () => {
  const options = { accountCreatedMs: at('2024-01-01T10:00:00Z'), targetRecords: 2000 };
  const page = (newest: string, oldest: string) => ({ newestMs: at(newest), oldestMs: at(oldest), records: 1000 });

  it('leaves a rest shorter than two days to the page chain', () => {
    const shards = splitRest(
      { fromMs: at('2026-03-01') },
      page('2026-03-03T12:00:00Z', '2026-03-02T12:00:00Z'),
      options,
    );
    expect(shards).to.deep.equal([]);
  });

  it('leaves a rest of fewer than two shards of recordings to the page chain', () => {
    // 1,000 recordings over 10 days: about 3,000 more in the 30 days left.
    expect(splitRest({ fromMs: at('2026-01-01') }, page('2026-02-10', '2026-01-31'), options)).to.deep.equal([]);
  });

  it('splits a dense rest into whole days that tile it, newest first, without gaps', () => {
    const shards = splitRest(
      { fromMs: at('2026-01-01T06:00:00Z') },
      page('2026-03-01', '2026-02-28T12:00:00Z'),
      options,
    );
    expect(shards.length).to.be.greaterThan(2);
    expect(shards[0]!.beforeMs).to.equal(at('2026-03-01'));
    expect(shards.at(-1)!.fromMs).to.equal(at('2026-01-01T06:00:00Z'));
    for (let i = 1; i < shards.length; i += 1) {
      expect(shards[i]!.beforeMs).to.equal(shards[i - 1]!.fromMs);
      expect(shards[i]!.beforeMs! % DAY_MS).to.equal(0);
    }
  });

  it('makes no shard shorter than a day, however dense the page', () => {
    const shards = splitRest(
      { fromMs: at('2026-02-20') },
      page('2026-03-01T00:00:10Z', '2026-03-01T00:00:00Z'),
      options,
    );
    expect(shards).to.have.length(10);
    for (const shard of shards) expect(shard.beforeMs! - shard.fromMs!).to.equal(DAY_MS);
  });

  it('never reaches past the end of the shard it splits', () => {
    const shards = splitRest(
      { fromMs: at('2026-01-01'), beforeMs: at('2026-02-01') },
      page('2026-02-01T20:00:00Z', '2026-02-01T10:00:00Z'),
      options,
    );
    expect(shards[0]!.beforeMs).to.equal(at('2026-02-01'));
  });

  it('reaches back to the account creation and keeps the oldest shard open below', () => {
    const shards = splitRest({}, page('2026-03-01', '2026-02-28T12:00:00Z'), options);
    expect(shards.at(-1)!.fromMs).to.equal(undefined);
    expect(shards.at(-2)!.fromMs! - at('2024-01-01')).to.be.at.least(DAY_MS);
  });

  it('follows the page when the account says it was created after it', () => {
    const shards = splitRest({}, page('2026-03-01', '2026-02-28'), { ...options, accountCreatedMs: at('2026-03-02') });
    expect(shards).to.deep.equal([]);
  });
});
