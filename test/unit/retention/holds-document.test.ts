import { expect } from 'chai';
import { holdTargetFrom } from '../../../src/cli/hold-flags';
import { BadInputError } from '../../../src/errors';
import { parseHolds } from '../../../src/retention/holds-document';
import { HoldSet, parseHoldReason } from '../../../src/retention/holds';
import { aRecording } from '../recording-fixture';

const HEX = '482322b32f0c4e8a9d1b7c6e5f4a3b2c';
const now = new Date('2026-11-21T12:00:00Z');

/** The one-line message a holds file is refused with. */
function refusal(text: string): string {
  try {
    parseHolds(text, 'holds.json');
  } catch (error) {
    expect(error).to.be.instanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error('the holds file was accepted');
}

describe('holds as read from a file or the flags', () => {
  const recording = aRecording({ sid: `RE${HEX}`, callSid: `CA${HEX}`, conferenceSid: `CF${HEX}` });

  it('hold the recording they name in upper-case hex, by recording, call or conference', () => {
    for (const key of ['sid', 'callSid', 'conferenceSid']) {
      const prefix = { sid: 'RE', callSid: 'CA', conferenceSid: 'CF' }[key];
      const text = JSON.stringify({
        version: 1,
        holds: [{ [key]: `${prefix}${HEX.toUpperCase()}`, reason: 'case 7' }],
      });
      const holds = new HoldSet(parseHolds(text, 'holds.json'), now);
      expect(holds.heldBy(recording), key).to.not.equal(undefined);
    }
  });

  it('hold through the whole UTC day of a bare until date, as holds:add --until does', () => {
    const text = JSON.stringify({ version: 1, holds: [{ sid: `RE${HEX}`, reason: 'case 8', until: '2027-01-31' }] });
    expect(parseHolds(text, 'holds.json')[0].until?.toISOString()).to.equal('2027-02-01T00:00:00.000Z');
  });

  it('hold the recording --sid, --call-sid or --conference-sid name in upper-case hex', () => {
    for (const flags of [
      { sid: `RE${HEX.toUpperCase()}` },
      { 'call-sid': `CA${HEX.toUpperCase()}` },
      { 'conference-sid': `CF${HEX.toUpperCase()}` },
    ]) {
      const holds = new HoldSet([{ target: holdTargetFrom(flags), reason: 'r' }], now);
      expect(holds.heldBy(recording), JSON.stringify(flags)).to.not.equal(undefined);
    }
  });

  it('refuse a SID with a lower-case prefix, at its hold', () => {
    expect(refusal(JSON.stringify({ holds: [{ sid: `re${HEX}`, reason: 'r' }] }))).to.match(
      /^holds\.json:1:\d+: holds\[0\]\.sid is not well formed/,
    );
    expect(() => holdTargetFrom({ sid: `re${HEX}` })).to.throw(BadInputError, /^Invalid --sid "re/);
  });

  it('refuse an end outside the years 0000 to 9999, never an invalid date', () => {
    for (const until of ['+010000-01-01T00:00:00Z', '99999-01-01', '2027-02-30', 'tomorrow']) {
      expect(refusal(JSON.stringify({ holds: [{ sid: `RE${HEX}`, reason: 'r', until }] })), until).to.match(
        /^holds\.json:1:\d+: Invalid until/,
      );
    }
  });

  const reasons: Array<[string, string]> = [
    ['a zero-width space', 'case\u200b42'],
    ['a right-to-left override', 'case \u202e24'],
    ['a line break', 'case 42\nsettled'],
    ['an escape sequence', 'case \u001b[2J42'],
    ['a C1 control', 'case\u009b42'],
  ];
  for (const [what, reason] of reasons) {
    it(`refuse a reason with ${what}, shown escaped, in files and on holds:add`, () => {
      const line = refusal(JSON.stringify({ holds: [{ sid: `RE${HEX}`, reason }] }));
      expect(line).to.match(/^holds\.json:1:\d+: reason ".*" holds the invisible or control character \\/);
      for (const char of ['\u200b', '\u202e', '\n', '\u001b', '\u009b']) expect(line).not.to.include(char);
      expect(() => parseHoldReason(reason, '--reason')).to.throw(BadInputError, /^--reason ".*" holds the invisible/);
    });
  }

  it('keep a reason in any script as it was written', () => {
    expect(parseHoldReason('Rechtsstreit 42 — 訴訟 «café»', '--reason')).to.equal('Rechtsstreit 42 — 訴訟 «café»');
    expect(() => parseHoldReason('  ', '--reason')).to.throw(BadInputError, /--reason is empty/);
  });
});
