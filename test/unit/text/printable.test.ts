import { expect } from 'chai';
import { printable, printableClip, printableJson, printableRecord } from '../../../src/text/printable';

/** Everything a terminal acts on: C0, DEL, C1, line separators, bidi controls. */
// eslint-disable-next-line no-control-regex -- these are the characters the output must not hold
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('printable', () => {
  it('shows line breaks and tabs as \\n, \\r and \\t', () => {
    expect(printable('a\nb\r\nc\td')).to.equal('a\\nb\\r\\nc\\td');
  });

  it('shows escape sequences, BEL, NUL and DEL as \\x escapes, so they clear nothing and set no title', () => {
    expect(printable('\u001b[2J\u001b]0;pwned\u0007x\u0000\u007f')).to.equal('\\x1b[2J\\x1b]0;pwned\\x07x\\x00\\x7f');
  });

  it('escapes C1 controls, the Unicode line separators and bidi overrides and isolates', () => {
    expect(printable('\u009b2J\u0085\u2028\u2029\u202e\u2066\u2069\u200f\u061c')).to.equal(
      '\\x9b2J\\x85\\u2028\\u2029\\u202e\\u2066\\u2069\\u200f\\u061c',
    );
  });

  it('keeps printable text, accents and other scripts as they are', () => {
    const text = 'DialVerb café 日本 → ✓ C:\\recordings\\a.wav';
    expect(printable(text)).to.equal(text);
  });

  it('is idempotent', () => {
    const once = printable('\u001b[31mred\n');
    expect(printable(once)).to.equal(once);
  });

  it('never lets an unsafe character through, whatever the input', () => {
    let all = '';
    for (let code = 0; code < 0x3000; code += 1) all += String.fromCharCode(code);
    expect(printable(all)).to.not.match(UNSAFE);
  });
});

describe('printableClip', () => {
  it('cuts the original text, then escapes it', () => {
    expect(printableClip('ab\ncdef', 4)).to.equal('ab\\nc…');
    expect(printableClip('ab\n', 4)).to.equal('ab\\n');
  });
});

describe('printableJson', () => {
  it('is the same data to a JSON parser, with nothing raw a terminal acts on, indented or not', () => {
    const value = { source: '\u001b[2J\u009b\u202e\u2028x\n', n: 1, list: ['\u007f'] };
    for (const text of [printableJson(value), printableJson(value, 2)]) {
      expect(JSON.parse(text)).to.deep.equal(value);
      expect(text.replace(/\n/g, '')).to.not.match(UNSAFE);
    }
    expect(printableJson({ a: 'plain' }, 2)).to.equal(JSON.stringify({ a: 'plain' }, null, 2));
  });
});

describe('printableRecord', () => {
  it('makes strings printable at any depth and keeps numbers, dates and nulls', () => {
    const date = new Date(0);
    const record = printableRecord({ sid: 'RE1', source: 'a\u001b[2J', n: 3, at: date, none: null, tags: ['x\ny'] });
    expect(record).to.deep.equal({ sid: 'RE1', source: 'a\\x1b[2J', n: 3, at: date, none: null, tags: ['x\\ny'] });
    expect(record.at).to.equal(date);
  });
});
