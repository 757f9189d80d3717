import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { canonicalApiSid, canonicalSid, isSid, parseSid } from '../../../src/twilio/sids';

const HEX = '482322b32f0c4e8a9d1b7c6e5f4a3b2c';

describe('parseSid', () => {
  it('keeps a SID written as Twilio writes it', () => {
    expect(parseSid('recording', `RE${HEX}`, '--sid')).to.equal(`RE${HEX}`);
  });

  it('puts hexadecimal digits of any letter case in lower case', () => {
    expect(parseSid('recording', `RE${HEX.toUpperCase()}`, '--sid')).to.equal(`RE${HEX}`);
    expect(parseSid('call', `CA${HEX.slice(0, 16).toUpperCase()}${HEX.slice(16)}`, '--call-sid')).to.equal(`CA${HEX}`);
    expect(parseSid('conference', `CF${HEX.toUpperCase()}`, '--conference-sid')).to.equal(`CF${HEX}`);
    expect(parseSid('account', `AC${HEX.toUpperCase()}`, 'accountSid')).to.equal(`AC${HEX}`);
    expect(parseSid('publicKey', `CR${HEX.toUpperCase()}`, '--expect-key')).to.equal(`CR${HEX}`);
  });

  const refused: Array<[string, string]> = [
    ['a lower-case prefix', `re${HEX}`],
    ['a mixed-case prefix', `Re${HEX}`],
    ['another kind', `CA${HEX}`],
    ['31 digits', `RE${HEX.slice(1)}`],
    ['33 digits', `RE${HEX}0`],
    ['a digit that is not hexadecimal', `RE${HEX.slice(1)}g`],
    ['white space around it', ` RE${HEX}`],
    ['a zero-width space inside', `RE${HEX.slice(0, 8)}\u200b${HEX.slice(8)}`],
    ['nothing', ''],
  ];
  for (const [what, text] of refused) {
    it(`refuses ${what}, in one line naming where it came from`, () => {
      expect(() => parseSid('recording', text, 'holds.json:3:5 sid'))
        .to.throw(
          BadInputError,
          /^Invalid holds\.json:3:5 sid ".*": a recording SID is RE followed by 32 hexadecimal digits\.$/,
        )
        .with.property('exitStatus', 2);
    });
  }

  it('shows what it refuses printable', () => {
    expect(() => parseSid('recording', 'RE\u001b[2J', '--sid')).to.throw(BadInputError, /"RE\\x1b\[2J"/);
  });
});

describe('canonicalSid and isSid', () => {
  it('agree with parseSid, and say undefined or false for anything else', () => {
    expect(canonicalSid('recording', `RE${HEX.toUpperCase()}`)).to.equal(`RE${HEX}`);
    expect(isSid('recording', `RE${HEX.toUpperCase()}`)).to.equal(true);
    for (const value of [undefined, null, 42, `re${HEX}`, `CA${HEX}`]) {
      expect(canonicalSid('recording', value), String(value)).to.equal(undefined);
      expect(isSid('recording', value), String(value)).to.equal(false);
    }
  });
});

describe('canonicalApiSid', () => {
  it('puts a SID of any kind from an answer in canonical form', () => {
    expect(canonicalApiSid(`RE${HEX.toUpperCase()}`)).to.equal(`RE${HEX}`);
    expect(canonicalApiSid(`CA${HEX}`)).to.equal(`CA${HEX}`);
  });

  it('leaves anything that is not a SID as it is', () => {
    expect(canonicalApiSid(null)).to.equal(null);
    expect(canonicalApiSid(undefined)).to.equal(undefined);
    expect(canonicalApiSid('not a sid')).to.equal('not a sid');
  });
});
