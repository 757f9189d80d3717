import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { parseDuration, parseInstant, utcDay } from '../../../src/time/durations';

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
    [' 30D ', 30 * 86_400_000],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => expect(parseDuration(text)).to.equal(expected));
  }

  const invalid: Array<[string, RegExp]> = [
    ['30', /add a unit/],
    ['0d', /greater than zero/],
    ['-5d', /positive/],
    ['5x', /number and a unit/],
    ['', /number and a unit/],
    ['d', /number and a unit/],
    ['5 months', /number and a unit/],
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

  for (const text of ['2026-02-30', '2026-13-01', '31/01/2026', 'yesterday', '2026-01-31T25:00:00Z', '']) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(() => parseInstant(text, '--before')).to.throw(BadInputError, /--before/);
    });
  }

  it('gives the UTC day of an instant', () => {
    expect(utcDay(new Date('2026-03-01T23:59:59-05:00'))).to.equal('2026-03-02');
  });
});
