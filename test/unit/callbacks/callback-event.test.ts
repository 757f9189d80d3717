import { expect } from 'chai';
import {
  describeErrorCode,
  formatEventLine,
  parseRecordingStatusCallback,
  recordingUrlProblem,
} from '../../../src/callbacks/callback-event';

const AC = 'AC' + 'a'.repeat(32);
const CA = 'CA' + 'b'.repeat(32);
const RE = 'RE' + 'c'.repeat(32);

function params(overrides: Record<string, string | undefined> = {}): Array<[string, string]> {
  const base: Record<string, string | undefined> = {
    AccountSid: AC,
    CallSid: CA,
    RecordingSid: RE,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${AC}/Recordings/${RE}`,
    RecordingStatus: 'completed',
    RecordingDuration: '42',
    RecordingChannels: '2',
    RecordingStartTime: 'Tue, 14 Jan 2026 09:30:00 +0000',
    RecordingSource: 'DialVerb',
    ErrorCode: '0',
    ...overrides,
  };
  return Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined);
}

describe('parseRecordingStatusCallback', () => {
  it('reads every well-known parameter and keeps the unknown ones', () => {
    const parsed = parseRecordingStatusCallback([...params(), ['NewParameter', 'x']]);
    expect(parsed.ok).to.equal(true);
    if (!parsed.ok) return;
    expect(parsed.event).to.include({
      accountSid: AC,
      callSid: CA,
      recordingSid: RE,
      status: 'completed',
      duration: 42,
      channels: 2,
      source: 'DialVerb',
      errorCode: null,
    });
    expect(parsed.event.params.NewParameter).to.equal('x');
  });

  it('rejects malformed or missing sids', () => {
    const cases: Array<[Record<string, string | undefined>, RegExp]> = [
      [{ AccountSid: undefined }, /AccountSid is missing/],
      [{ AccountSid: 'AC123' }, /AccountSid "AC123" is not a well-formed sid/],
      [{ RecordingSid: 'RE' + 'g'.repeat(32) }, /RecordingSid/],
      [{ RecordingSid: '../../etc/passwd' }, /RecordingSid/],
      [{ RecordingSid: CA }, /RecordingSid/],
      [{ CallSid: 'CA' + 'z'.repeat(32) }, /CallSid/],
      [{ ConferenceSid: 'CFxyz' }, /ConferenceSid/],
      [{ RecordingStatus: undefined }, /RecordingStatus is missing/],
      [{ RecordingStatus: 'DROP TABLE' }, /not a status/],
    ];
    for (const [overrides, problem] of cases) {
      const parsed = parseRecordingStatusCallback(params(overrides));
      expect(parsed.ok, JSON.stringify(overrides)).to.equal(false);
      if (!parsed.ok) expect(parsed.problem).to.match(problem);
    }
  });

  it('keeps every sid in canonical form, whatever the letter case of its digits', () => {
    const parsed = parseRecordingStatusCallback(
      params({
        AccountSid: AC.toUpperCase(),
        CallSid: CA.toUpperCase(),
        RecordingSid: RE.toUpperCase(),
        ConferenceSid: 'CF' + 'D'.repeat(32),
      }),
    );
    expect(parsed.ok && parsed.event).to.include({
      accountSid: AC,
      callSid: CA,
      recordingSid: RE,
      conferenceSid: 'CF' + 'd'.repeat(32),
    });
  });

  it('accepts a conference recording without a CallSid', () => {
    const parsed = parseRecordingStatusCallback(params({ CallSid: undefined, ConferenceSid: 'CF' + 'd'.repeat(32) }));
    expect(parsed.ok).to.equal(true);
  });

  it('reads an in-progress duration of -1 and an absent error code', () => {
    const inProgress = parseRecordingStatusCallback(
      params({ RecordingStatus: 'in-progress', RecordingDuration: '-1' }),
    );
    const absent = parseRecordingStatusCallback(params({ RecordingStatus: 'absent', ErrorCode: '16102' }));
    expect(inProgress.ok && inProgress.event.duration).to.equal(-1);
    expect(absent.ok && absent.event.errorCode).to.equal(16102);
  });
});

describe('error code meanings', () => {
  it('names the recording errors and leaves others as numbers', () => {
    expect(describeErrorCode(16101)).to.equal('16101 (recording too short)');
    expect(describeErrorCode(16102)).to.equal('16102 (recording silent, no audio)');
    expect(describeErrorCode(16104)).to.equal('16104 (recording encryption failed)');
    expect(describeErrorCode(99999)).to.equal('99999');
  });
});

describe('formatEventLine', () => {
  it('shows time, status, sids, duration, channels, source and the error', () => {
    const parsed = parseRecordingStatusCallback(
      params({ RecordingStatus: 'absent', RecordingDuration: '0', ErrorCode: '16101' }),
    );
    if (!parsed.ok) throw new Error(parsed.problem);
    const line = formatEventLine(parsed.event, new Date('2026-01-14T09:30:05.123Z'));
    expect(line).to.equal(
      `2026-01-14T09:30:05Z  absent       ${RE}  call ${CA}  0s  2ch  DialVerb  error 16101 (recording too short)`,
    );
  });
});

describe('recordingUrlProblem', () => {
  const origins = ['https://api.twilio.com'];
  const problemOf = (url: string) => {
    const parsed = parseRecordingStatusCallback(params({ RecordingUrl: url }));
    if (!parsed.ok) throw new Error('the callback did not parse');
    return recordingUrlProblem(parsed.event, origins);
  };

  it('names a URL without a host by its scheme and start, printable, never "at ,"', () => {
    const problem = problemOf('javascript:alert(1)//\u001b[31m');
    expect(problem).to.match(
      /^RecordingUrl points at a javascript: URL \("javascript:alert\(1\)\/\/\\x1b\[31m"\), not at Twilio's API/,
    );
    expect(problemOf('data:text/html,<b>x</b>')).to.include('points at a data: URL');
  });

  it('names another host as it is', () => {
    expect(problemOf(`https://evil.example/2010-04-01/Accounts/${AC}/Recordings/${RE}`)).to.match(
      /^RecordingUrl points at evil\.example, not at Twilio's API/,
    );
  });
});
