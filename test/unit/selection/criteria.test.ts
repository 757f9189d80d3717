import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import type { Recording } from '../../../src/recordings/recording';
import { aRecording } from '../recording-fixture';
import { buildCriteria, matchesCriteria, twilioListQuery } from '../../../src/selection/criteria';

const NOW = new Date('2026-11-21T12:00:00Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

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

describe('twilioListQuery', () => {
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
