import { expect } from 'chai';
import { catchUpSettingsFrom } from '../../../src/callbacks/listen-session';
import { BadInputError } from '../../../src/errors';
import { formatDuration } from '../../../src/time/durations';

describe('catchUpSettingsFrom', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const input = { interval: '10m', settle: '2m', since: '24h', subaccounts: false };

  it('reads the interval, the settle time and a --catch-up-since duration back from now', () => {
    expect(catchUpSettingsFrom(input, now)).to.deep.equal({
      intervalMs: 600_000,
      settleMs: 120_000,
      since: new Date('2026-02-28T12:00:00Z'),
      includeSubaccounts: false,
    });
  });

  it('reads --catch-up-since as a date', () => {
    expect(catchUpSettingsFrom({ ...input, since: '2026-02-01' }, now).since).to.deep.equal(
      new Date('2026-02-01T00:00:00Z'),
    );
  });

  for (const [flag, change, message] of [
    ['--catch-up', { interval: '10' }, /Invalid --catch-up "10": add a unit/],
    ['--catch-up', { interval: '0.5s' }, /at most once a second/],
    ['--settle', { settle: '-1m' }, /Invalid --settle "-1m"/],
    ['--catch-up-since', { since: 'yesterday' }, /Invalid --catch-up-since "yesterday"/],
    ['--catch-up-since', { since: '2026-02-30' }, /Invalid --catch-up-since "2026-02-30": no such date/],
  ] as const) {
    it(`refuses ${JSON.stringify(change)} with one line naming ${flag}`, () => {
      expect(() => catchUpSettingsFrom({ ...input, ...change }, now))
        .to.throw(BadInputError)
        .with.property('message')
        .that.matches(message);
    });
  }
});

describe('formatDuration', () => {
  it('writes a duration with the largest unit that divides it', () => {
    expect([600_000, 120_000, 90_000, 3_600_000, 86_400_000, 1500].map(formatDuration)).to.deep.equal([
      '10m',
      '2m',
      '90s',
      '1h',
      '1d',
      '1500ms',
    ]);
  });
});
