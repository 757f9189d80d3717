import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import type { Recording } from '../../../src/recordings/recording';
import { aRecording } from '../recording-fixture';
import {
  buildCriteria,
  describeWindow,
  matchesCriteria,
  twilioListQuery,
  type SelectionInput,
} from '../../../src/selection/criteria';
import { MINUTE, DAY } from '../../support/time';

const NOW = new Date('2026-11-21T12:00:00Z');

function recording(overrides: Partial<Recording> = {}): Recording {
  return aRecording({ dateCreated: new Date(NOW.getTime() - 40 * DAY), ...overrides });
}

describe('buildCriteria and matchesCriteria', () => {
  it('never lets a recording 30 days minus a minute old match --older-than 30d', () => {
    const criteria = buildCriteria({ olderThan: '30d' }, NOW);
    const justYounger = recording({ dateCreated: new Date(NOW.getTime() - 30 * DAY + MINUTE) });
    const justOlder = recording({ dateCreated: new Date(NOW.getTime() - 30 * DAY - MINUTE) });
    expect(matchesCriteria(justYounger, criteria)).to.equal(false);
    expect(matchesCriteria(justOlder, criteria)).to.equal(true);
  });

  it('takes the tighter of --older-than and --before, and of --newer-than and --after', () => {
    const criteria = buildCriteria(
      { olderThan: '1d', before: '2026-11-01', newerThan: '60d', after: '2026-10-01T00:00:00Z' },
      NOW,
    );
    expect(criteria.createdBefore?.toISOString()).to.equal('2026-11-01T00:00:00.000Z');
    expect(criteria.createdFrom?.toISOString()).to.equal('2026-10-01T00:00:00.000Z');
  });

  it('treats --after as inclusive and --before as exclusive', () => {
    const criteria = buildCriteria({ after: '2026-10-01', before: '2026-11-01' }, NOW);
    expect(matchesCriteria(recording({ dateCreated: new Date('2026-10-01T00:00:00Z') }), criteria)).to.equal(true);
    expect(matchesCriteria(recording({ dateCreated: new Date('2026-11-01T00:00:00Z') }), criteria)).to.equal(false);
  });

  it('refuses bounds that cannot both hold', () => {
    expect(() => buildCriteria({ newerThan: '7d', olderThan: '30d' }, NOW)).to.throw(
      BadInputError,
      /No recording can match/,
    );
  });

  it('validates sids and statuses', () => {
    expect(() => buildCriteria({ sids: ['RE123'] }, NOW)).to.throw(BadInputError, /--sid "RE123"/);
    expect(() => buildCriteria({ callSid: 'CF' + '0'.repeat(32) }, NOW)).to.throw(BadInputError, /--call-sid/);
    expect(() => buildCriteria({ conferenceSid: 'CA' + '0'.repeat(32) }, NOW)).to.throw(
      BadInputError,
      /--conference-sid/,
    );
    expect(() => buildCriteria({ statuses: ['done'] }, NOW)).to.throw(BadInputError, /--status "done".*completed/);
    expect(() => buildCriteria({ limit: 0 }, NOW)).to.throw(BadInputError, /--limit/);
  });

  it('filters by call, conference, sid and status exactly', () => {
    const criteria = buildCriteria(
      { callSid: 'CA' + 'c'.repeat(32), statuses: ['completed', 'absent'], sids: ['RE' + 'a'.repeat(32)] },
      NOW,
    );
    expect(matchesCriteria(recording(), criteria)).to.equal(true);
    expect(matchesCriteria(recording({ status: 'processing' }), criteria)).to.equal(false);
    expect(matchesCriteria(recording({ callSid: 'CA' + 'd'.repeat(32) }), criteria)).to.equal(false);
    expect(matchesCriteria(recording({ sid: 'RE' + 'e'.repeat(32) }), criteria)).to.equal(false);
  });
});

describe('SIDs of the selection flags', () => {
  it('match the recordings they name in upper-case hex', () => {
    const recording = aRecording({ conferenceSid: 'CF' + 'f'.repeat(32) });
    const criteria = buildCriteria(
      {
        sids: [recording.sid.toUpperCase()],
        callSid: recording.callSid!.toUpperCase(),
        conferenceSid: recording.conferenceSid!.toUpperCase(),
      },
      NOW,
    );
    expect(criteria).to.include({ callSid: recording.callSid, conferenceSid: recording.conferenceSid });
    expect(matchesCriteria(recording, criteria)).to.equal(true);
    expect(twilioListQuery(criteria)).to.include({ CallSid: recording.callSid });
  });
});

describe('far and ambiguous bounds', () => {
  it('reads --older-than 6mo as 180 days and refuses 6M', () => {
    expect(buildCriteria({ olderThan: '6mo' }, NOW).createdBefore?.toISOString()).to.equal('2026-05-25T12:00:00.000Z');
    expect(() => buildCriteria({ olderThan: '6M' }, NOW)).to.throw(BadInputError, /6mo for months or 6m for minutes/);
  });

  const far: Array<[SelectionInput, RegExp]> = [
    [{ olderThan: '3000y' }, /--older-than "3000y": from now it reaches back before the year 0000/],
    [{ newerThan: '2100y' }, /--newer-than "2100y": from now it reaches back before the year 0000/],
    [{ olderThan: '99999999y' }, /--older-than "99999999y": it is longer than 10000y/],
    [{ olderThan: '99999999999999999999y' }, /--older-than "99999999999999999999y": it is longer than 10000y/],
    [{ newerThan: '9'.repeat(400) + 'd' }, /--newer-than "9{400}d": it is longer than 10000y/],
    [{ olderThan: '1e400d' }, /--older-than "1e400d": use a number and a unit/],
    [{ before: '+010000-01-01' }, /--before "\+010000-01-01": use an ISO 8601 date/],
    [{ after: '0000-01-01T00:00:00+01:00' }, /--after .*out of the years 0000 to 9999/],
  ];
  for (const [input, message] of far) {
    it(`refuses ${JSON.stringify(input).slice(0, 60)} with one line, never an invalid date`, () => {
      expect(() => buildCriteria(input, NOW))
        .to.throw(BadInputError, message)
        .with.property('message')
        .that.does.not.include('\n');
    });
  }

  it('gives only valid dates for the longest durations it takes', () => {
    const criteria = buildCriteria({ olderThan: '2000y', newerThan: '2020y' }, NOW);
    expect(criteria.createdFrom!.getUTCFullYear()).to.equal(8);
    expect(criteria.createdBefore!.getUTCFullYear()).to.equal(28);
  });

  it('describes the window in exact UTC instants', () => {
    expect(describeWindow(buildCriteria({ olderThan: '90d' }, NOW))).to.equal(
      'created before 2026-08-23T12:00:00.000Z',
    );
    expect(describeWindow(buildCriteria({ newerThan: '1d', before: '2026-11-21T11:00:00+01:00' }, NOW))).to.equal(
      'created at or after 2026-11-20T12:00:00.000Z and before 2026-11-21T10:00:00.000Z',
    );
    expect(describeWindow(buildCriteria({ statuses: ['completed'] }, NOW))).to.equal(undefined);
  });
});

describe('twilioListQuery', () => {
  const farBounds: Array<[Record<string, string>, Record<string, string>]> = [
    [{ before: '9999-12-31' }, { PageSize: '1000' }],
    [{ before: '9999-12-30' }, { PageSize: '1000', 'DateCreated<': '9999-12-31' }],
    [{ after: '9999-12-30' }, { PageSize: '1000', 'DateCreated>': '9999-12-29' }],
    [{ after: '0050-01-01' }, { PageSize: '1000' }],
    [{ before: '1969-06-01' }, { PageSize: '1000' }],
    [{ newerThan: '1000y' }, { PageSize: '1000' }],
    [{ olderThan: '1000y' }, { PageSize: '1000' }],
    [{ after: '1970-01-02' }, { PageSize: '1000', 'DateCreated>': '1970-01-01' }],
  ];
  for (const [input, query] of farBounds) {
    it(`sends only day filters Twilio can take for ${JSON.stringify(input)}`, () => {
      expect(twilioListQuery(buildCriteria(input, NOW))).to.deep.equal(query);
    });
  }

  it('still applies a far bound exactly', () => {
    const criteria = buildCriteria({ after: '0050-01-01', before: '9999-12-31' }, NOW);
    expect(matchesCriteria(recording(), criteria)).to.equal(true);
    expect(matchesCriteria(recording({ dateCreated: new Date('0049-12-31T23:59:59Z') }), criteria)).to.equal(false);
  });

  it('widens the day bounds so that Twilio returns a superset', () => {
    const query = twilioListQuery(buildCriteria({ before: '2026-11-01T10:00:00Z', after: '2026-10-05' }, NOW));
    expect(query).to.deep.equal({ PageSize: '1000', 'DateCreated<': '2026-11-02', 'DateCreated>': '2026-10-04' });
  });

  it('passes call and conference filters, and asks for soft-deleted ones only when selected', () => {
    const callSid = 'CA' + '1'.repeat(32);
    const conferenceSid = 'CF' + '2'.repeat(32);
    expect(twilioListQuery(buildCriteria({ callSid, conferenceSid, statuses: ['deleted'] }, NOW))).to.deep.equal({
      PageSize: '1000',
      CallSid: callSid,
      ConferenceSid: conferenceSid,
      IncludeSoftDeleted: 'true',
    });
  });
});
