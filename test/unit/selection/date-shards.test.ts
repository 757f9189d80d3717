import { expect } from 'chai';
import {
  DAY_MS,
  dayFilterReading,
  readingSample,
  shardFilters,
  spacingNearEnd,
  splitFullShard,
  type DateShard,
} from '../../../src/selection/date-shards';

const at = (iso: string) => Date.parse(iso);

describe('shardFilters, day filters read as whole days', () => {
  it('sends no day filter for a shard open at both ends', () => {
    expect(shardFilters({}, 'whole-days')).to.deep.equal({});
  });

  it('names the first and the last day of a shard that ends at midnight, and no other', () => {
    expect(shardFilters({ fromMs: at('2026-03-01'), beforeMs: at('2026-03-05') }, 'whole-days')).to.deep.equal({
      'DateCreated>': '2026-03-01',
      'DateCreated<': '2026-03-04',
    });
  });

  it('gives two shards that meet at midnight no day in common', () => {
    const newer = shardFilters({ fromMs: at('2026-03-05'), beforeMs: at('2026-03-09') }, 'whole-days');
    const older = shardFilters({ fromMs: at('2026-03-01'), beforeMs: at('2026-03-05') }, 'whole-days');
    expect(older['DateCreated<']! < newer['DateCreated>']!).to.equal(true);
  });

  it('includes the day a shard ends in when it ends during that day', () => {
    expect(shardFilters({ beforeMs: at('2026-03-05T00:00:01Z') }, 'whole-days')).to.deep.equal({
      'DateCreated<': '2026-03-05',
    });
  });

  it('includes the day a shard starts in when it starts during that day', () => {
    expect(shardFilters({ fromMs: at('2026-03-01T23:59:59Z') }, 'whole-days')).to.deep.equal({
      'DateCreated>': '2026-03-01',
    });
  });
});

describe('shardFilters, day filters read in an unknown way', () => {
  it('ends a shard that ends at midnight on that day, and starts it a day early', () => {
    expect(shardFilters({ fromMs: at('2026-03-01'), beforeMs: at('2026-03-05') }, 'unknown')).to.deep.equal({
      'DateCreated>': '2026-02-28',
      'DateCreated<': '2026-03-05',
    });
  });

  it('ends a shard that ends during a day on the next midnight', () => {
    expect(shardFilters({ beforeMs: at('2026-03-05T00:00:01Z') }, 'unknown')).to.deep.equal({
      'DateCreated<': '2026-03-06',
    });
  });

  it('leaves out a day Twilio cannot take', () => {
    expect(shardFilters({ fromMs: at('1970-01-01'), beforeMs: Date.UTC(10000, 0, 2) }, 'unknown')).to.deep.equal({});
  });
});

describe('dayFilterReading', () => {
  const sample = at('2026-03-04T10:00:00Z');

  it('reads whole days when a one-day filter lists a recording after that midnight', () => {
    expect(dayFilterReading(sample, at('2026-03-04T09:00:00Z'))).to.equal('whole-days');
  });

  it('leaves the reading unknown when a one-day filter lists nothing', () => {
    expect(dayFilterReading(sample, undefined)).to.equal('unknown');
  });

  it('leaves the reading unknown when it lists only a recording made at that midnight', () => {
    expect(dayFilterReading(sample, at('2026-03-04T00:00:00Z'))).to.equal('unknown');
  });

  it('leaves the reading unknown when it lists a recording of another day', () => {
    expect(dayFilterReading(sample, at('2026-03-03T23:00:00Z'))).to.equal('unknown');
  });
});

describe('readingSample', () => {
  it('asks about the newest recording made after its day began', () => {
    expect(readingSample([at('2026-03-04T00:00:00Z'), at('2026-03-03T08:00:00Z')])).to.equal(
      at('2026-03-03T08:00:00Z'),
    );
  });

  it('asks nothing of a page made only at midnights', () => {
    expect(readingSample([at('2026-03-04'), at('2026-03-03')])).to.equal(undefined);
  });
});

describe('spacingNearEnd', () => {
  it('measures the spacing over the older half of the page', () => {
    expect(spacingNearEnd([100_000, 90_000, 80_000, 70_000, 60_000])).to.equal(10_000);
  });

  it('ignores a gap in the newer half, so that an empty month above does not thin what lies below', () => {
    expect(spacingNearEnd([10_000_000, 4_000, 3_000, 2_000, 1_000])).to.equal(1_000);
  });

  it('counts recordings in one second as a millisecond apart', () => {
    expect(spacingNearEnd([5_000, 5_000, 5_000])).to.equal(1);
  });
});

describe('splitFullShard', () => {
  const options = { accountCreatedMs: at('2024-01-01T10:00:00Z'), targetRecords: 2000, maxShards: 16 };
  /** A full page of 1,000 recordings evenly spaced from `newest` down to `oldest`. */
  const page = (newest: string, oldest: string) =>
    Array.from({ length: 1000 }, (_, i) => at(newest) - ((at(newest) - at(oldest)) * i) / 999);
  const tiles = (shards: DateShard[], from: number | undefined, before: number) => {
    expect(shards[0]!.beforeMs).to.equal(before);
    expect(shards.at(-1)!.fromMs).to.equal(from);
    for (let i = 1; i < shards.length; i += 1) expect(shards[i]!.beforeMs).to.equal(shards[i - 1]!.fromMs);
  };

  it('keeps the chain for about one more page at the page density, to a midnight', () => {
    // 1,000 recordings over 5 days: the next 1,000 go back 5 more days, to the 25th's midnight.
    const split = splitFullShard({}, page('2026-03-05T12:00:00Z', '2026-02-28T12:00:00Z'), options)!;
    expect(split.keepFromMs).to.equal(at('2026-02-23'));
  });

  it('keeps at least the rest of the day of the page oldest recording', () => {
    const split = splitFullShard({}, page('2026-03-01T12:10:00Z', '2026-03-01T12:00:00Z'), options)!;
    expect(split.keepFromMs).to.equal(at('2026-03-01'));
  });

  it('never keeps beyond the end of the shard it splits', () => {
    const shard = { fromMs: at('2026-01-01'), beforeMs: at('2026-02-01T06:00:00Z') };
    const split = splitFullShard(shard, page('2026-02-01T05:00:00Z', '2026-02-01T04:00:00Z'), options)!;
    expect(split.keepFromMs).to.equal(at('2026-02-01'));
  });

  it('leaves a shard that starts on the day its chain keeps to that chain', () => {
    const shard = { fromMs: at('2026-03-01T06:00:00Z') };
    expect(splitFullShard(shard, page('2026-03-01T12:00:00Z', '2026-03-01T10:00:00Z'), options)).to.equal(undefined);
  });

  it('follows the page when the account says it was created after it', () => {
    const split = splitFullShard({}, page('2026-03-01', '2026-02-28'), {
      ...options,
      accountCreatedMs: at('2026-03-02'),
    });
    expect(split).to.equal(undefined);
  });

  it('sizes the first shard below to hold two pages at the page density', () => {
    // 1,000 recordings a day: 2,000 are two days.
    const split = splitFullShard({}, page('2026-03-05T00:00:00Z', '2026-03-04T00:00:00Z'), options)!;
    expect(split.rest[0]!.beforeMs! - split.rest[0]!.fromMs!).to.equal(2 * DAY_MS);
  });

  it('widens each shard below twofold, going back in time', () => {
    const split = splitFullShard({}, page('2026-03-05T00:00:00Z', '2026-03-04T00:00:00Z'), options)!;
    const widths = split.rest.slice(0, 4).map((s) => (s.beforeMs! - s.fromMs!) / DAY_MS);
    expect(widths).to.deep.equal([2, 4, 8, 16]);
  });

  it('makes shards of whole days that tile the stretch below, down to where the shard starts', () => {
    const shard = { fromMs: at('2025-06-01T06:00:00Z') };
    const split = splitFullShard(shard, page('2026-03-05T00:00:00Z', '2026-03-04T00:00:00Z'), options)!;
    tiles(split.rest, shard.fromMs, split.keepFromMs);
    for (const s of split.rest.slice(0, -1)) expect(s.fromMs! % DAY_MS).to.equal(0);
  });

  it('reaches back to the account creation and keeps the oldest shard open below', () => {
    const split = splitFullShard({}, page('2026-03-05T00:00:00Z', '2026-03-04T00:00:00Z'), options)!;
    tiles(split.rest, undefined, split.keepFromMs);
    expect(split.rest.at(-2)!.fromMs! - at('2024-01-01')).to.be.at.least(DAY_MS);
  });

  it('probes a long empty past with few shards', () => {
    // Ten years below a page of one day: a shard per doubling, not one per two days.
    const old = { ...options, accountCreatedMs: at('2016-01-01') };
    const split = splitFullShard({}, page('2026-03-05T00:00:00Z', '2026-03-04T00:00:00Z'), old)!;
    expect(split.rest.length).to.be.at.most(12);
  });

  it('makes no more shards than asked, the last reaching down to the start', () => {
    const split = splitFullShard({}, page('2026-03-05T00:00:00Z', '2026-03-04T00:00:00Z'), {
      ...options,
      maxShards: 3,
    })!;
    expect(split.rest).to.have.length(3);
    expect(split.rest[2]!.fromMs).to.equal(undefined);
  });

  it('hands the whole stretch below to one shard when the budget affords one', () => {
    const shard = { fromMs: at('2025-06-01T06:00:00Z') };
    const split = splitFullShard(shard, page('2026-03-05T00:00:00Z', '2026-03-04T00:00:00Z'), {
      ...options,
      maxShards: 1,
    })!;
    expect(split.rest).to.deep.equal([{ fromMs: shard.fromMs, beforeMs: split.keepFromMs }]);
  });

  it('splits a shard part way down its chain from the page it is at', () => {
    // A shard of the whole of 2025 whose latest full page reached the 1st of June.
    const shard = { fromMs: at('2025-01-01'), beforeMs: at('2026-01-01') };
    const split = splitFullShard(shard, page('2025-06-05T00:00:00Z', '2025-06-01T00:00:00Z'), options)!;
    expect(split.keepFromMs).to.equal(at('2025-05-27'));
    tiles(split.rest, shard.fromMs, split.keepFromMs);
  });

  it('keeps one more page at the density of the page older half, not across a gap above it', () => {
    // 500 recordings on the 20th of May, then 500 over the last ten hours of the 31st of March.
    const newer = Array.from({ length: 500 }, (_, i) => at('2026-05-20T12:00:00Z') - i * 1000);
    const older = Array.from({ length: 500 }, (_, i) => at('2026-03-31T23:00:00Z') - i * 72_000);
    const split = splitFullShard({ fromMs: at('2026-01-01') }, [...newer, ...older], options)!;
    expect(split.keepFromMs).to.equal(at('2026-03-30'));
  });

  it('makes shards of at least a day, however dense the page', () => {
    const split = splitFullShard({}, page('2026-03-01T00:00:10Z', '2026-03-01T00:00:00Z'), options)!;
    for (const s of split.rest.slice(0, -1)) expect(s.beforeMs! - s.fromMs!).to.be.at.least(DAY_MS);
  });
});
