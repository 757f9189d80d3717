import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import {
  MAX_DURATION_MS,
  instantBefore,
  parseDuration,
  parseEnd,
  parseInstant,
  utcDay,
} from '../../../src/time/durations';

describe('parseDuration', () => {
  const cases: Array<[string, number]> = [
    ['45s', 45_000],
    ['15m', 15 * 60_000],
    ['12h', 12 * 3_600_000],
    ['30d', 30 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['6mo', 180 * 86_400_000],
    ['1y', 365 * 86_400_000],
    ['1.5h', 5_400_000],
    [' 30d ', 30 * 86_400_000],
    ['0.5s', 500],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => expect(parseDuration(text)).to.equal(expected));
  }

  const invalid: Array<[string, RegExp]> = [
    ['30', /add a unit/],
    ['0d', /greater than zero/],
    ['-5d', /positive/],
    ['', /number and a unit/],
    ['d', /number and a unit/],
    ['5 months', /number and a unit/],
    ['1e3d', /number and a unit/],
    ['+5d', /number and a unit/],
    ['.5d', /number and a unit/],
    ['0.0001s', /greater than zero/],
    ['NaNd', /number and a unit/],
    ['Infinityd', /number and a unit/],
    ['5x', /"x" is not a unit/],
    ['10001y', /longer than 10000y/],
    ['99999999999999999999y', /longer than 10000y/],
    ['9'.repeat(400) + 'd', /longer than 10000y/],
    ['1' + '0'.repeat(309) + '.5s', /longer than 10000y/],
  ];
  for (const [text, message] of invalid) {
    it(`rejects ${JSON.stringify(text)} with an example`, () => {
      expect(() => parseDuration(text, '--older-than'))
        .to.throw(BadInputError, message)
        .with.property('message')
        .that.matches(/--older-than/)
        .and.matches(/30d/);
    });
  }
});

describe('parseDuration bounds', () => {
  it('takes 10000y, the longest span between two dates of the years 0000 to 9999', () => {
    expect(parseDuration('10000y')).to.equal(MAX_DURATION_MS);
  });

  it('says what to write instead of a longer one, when told', () => {
    expect(() => parseDuration('1000000y', 'keep', 'write keep: forever')).to.throw(
      BadInputError,
      /^Invalid keep "1000000y": it is longer than 10000y, more than lies between any two dates; write keep: forever\.$/,
    );
  });
});

describe('parseDuration units are case-sensitive', () => {
  const miscased: Array<[string, string]> = [
    ['6M', 'use 6mo for months or 6m for minutes'],
    ['30D', 'use 30d'],
    ['6MO', 'use 6mo'],
    ['6Mo', 'use 6mo'],
    ['1Y', 'use 1y'],
    ['12H', 'use 12h'],
    ['2W', 'use 2w'],
    ['45S', 'use 45s'],
  ];
  for (const [text, hint] of miscased) {
    it(`refuses ${text}, pointing at the unit meant`, () => {
      expect(() => parseDuration(text, '--older-than'))
        .to.throw(BadInputError, 'case-sensitive')
        .with.property('message')
        .that.includes(hint)
        .and.includes('--older-than');
    });
  }
});

describe('instantBefore', () => {
  const now = new Date('2026-11-21T12:00:00Z');

  it('counts back from now', () => {
    expect(instantBefore(now, parseDuration('6mo'), '--older-than', '6mo').toISOString()).to.equal(
      '2026-05-25T12:00:00.000Z',
    );
  });

  for (const text of ['3000y', '2100y', '10000y']) {
    it(`refuses ${text}, which reaches before the year 0000`, () => {
      expect(() => instantBefore(now, parseDuration(text), '--older-than', text)).to.throw(
        BadInputError,
        /--older-than .*before the year 0000; use a shorter duration/,
      );
    });
  }

  it('says what to write instead, when told', () => {
    expect(() => instantBefore(now, parseDuration('5000y'), 'keep', '5000y', 'write keep: forever')).to.throw(
      BadInputError,
      /^Invalid keep "5000y": from now it reaches back before the year 0000; write keep: forever\.$/,
    );
  });

  it('never gives an invalid date, whatever it is given', () => {
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e300]) {
      expect(() => instantBefore(now, ms, '--older-than', String(ms)), String(ms)).to.throw(BadInputError);
    }
    expect(() => instantBefore(new Date(Number.NaN), 1000, '--older-than', '1s')).to.throw(BadInputError, /clock/);
  });

  it('accepts a duration that reaches back into the first century', () => {
    expect(instantBefore(now, parseDuration('2020y'), '--newer-than', '2020y').getUTCFullYear()).to.equal(8);
  });
});

describe('parseInstant', () => {
  it('reads a bare date as midnight UTC', () => {
    expect(parseInstant('2026-01-31').toISOString()).to.equal('2026-01-31T00:00:00.000Z');
  });

  it('reads a date-time with an offset', () => {
    expect(parseInstant('2026-01-31T18:30:00+02:00').toISOString()).to.equal('2026-01-31T16:30:00.000Z');
  });

  it('reads a date-time without an offset as UTC', () => {
    expect(parseInstant('2026-01-31T18:30').toISOString()).to.equal('2026-01-31T18:30:00.000Z');
  });

  it('reads the years 0000 to 0099 as written, not as 19xx', () => {
    expect(parseInstant('0050-03-01').toISOString()).to.equal('0050-03-01T00:00:00.000Z');
    expect(parseInstant('0000-01-01').toISOString()).to.equal('0000-01-01T00:00:00.000Z');
    expect(parseInstant('0004-02-29').toISOString()).to.equal('0004-02-29T00:00:00.000Z');
  });

  it('reads the far end of the years 0000 to 9999', () => {
    expect(parseInstant('9999-12-31').toISOString()).to.equal('9999-12-31T00:00:00.000Z');
    expect(parseInstant('9999-12-31T23:59:59.999Z').toISOString()).to.equal('9999-12-31T23:59:59.999Z');
  });

  for (const text of ['9999-12-31T23:00:00-05:00', '0000-01-01T00:00:00+01:00']) {
    it(`refuses ${text}, whose offset moves it out of the years 0000 to 9999`, () => {
      expect(() => parseInstant(text, '--before')).to.throw(BadInputError, /--before .*out of the years 0000 to 9999/);
    });
  }

  for (const text of [
    '2026-02-30',
    '2026-13-01',
    '0001-02-29',
    '31/01/2026',
    'yesterday',
    '2026-01-31T25:00:00Z',
    '2026-01-31T10:00+99:99',
    '+010000-01-01',
    '-000001-01-01',
    '10000-01-01',
    '',
  ]) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(() => parseInstant(text, '--before')).to.throw(BadInputError, /--before/);
    });
  }

  it('gives the UTC day of an instant', () => {
    expect(utcDay(new Date('2026-03-01T23:59:59-05:00'))).to.equal('2026-03-02');
  });
});

describe('parseEnd', () => {
  it('makes a bare date cover its whole UTC day', () => {
    expect(parseEnd('2027-01-31', '--until').toISOString()).to.equal('2027-02-01T00:00:00.000Z');
  });

  it('keeps a date-time exact', () => {
    expect(parseEnd('2027-01-31T18:30:00Z', '--until').toISOString()).to.equal('2027-01-31T18:30:00.000Z');
  });

  it('ends the last day of 9999 on its last millisecond, never past the years it allows', () => {
    expect(parseEnd('9999-12-31', 'until').toISOString()).to.equal('9999-12-31T23:59:59.999Z');
  });
});
