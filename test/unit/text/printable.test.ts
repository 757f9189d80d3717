import { expect } from 'chai';
import {
  invisibleCharacter,
  printable,
  printableClip,
  printableJson,
  printableRecord,
} from '../../../src/text/printable';

/** Everything a terminal acts on: C0, DEL, C1, line separators, bidi controls. */
// eslint-disable-next-line no-control-regex -- these are the characters the output must not hold
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** One case per class of character a reader cannot see as itself: what it is, and how it is shown. */
const CLASSES: Array<[string, string, string]> = [
  ['line feed, carriage return, tab (C0, named)', 'a\nb\rc\td', 'a\\nb\\rc\\td'],
  ['other C0 controls: ESC, BEL, NUL', '\u001b[2J\u0007\u0000', '\\x1b[2J\\x07\\x00'],
  ['DEL', 'a\u007fb', 'a\\x7fb'],
  ['C1 controls: CSI, NEL', '\u009b31m\u0085', '\\x9b31m\\x85'],
  [
    'bidi embeddings and overrides U+202A–U+202E',
    '\u202a\u202b\u202c\u202d\u202e',
    '\\u202a\\u202b\\u202c\\u202d\\u202e',
  ],
  ['bidi isolates U+2066–U+2069', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069'],
  ['bidi marks: LRM, RLM, ALM', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
  ['zero-width space, joiners, word joiner', '\u200b\u200c\u200d\u2060', '\\u200b\\u200c\\u200d\\u2060'],
  ['soft hyphen and byte-order mark', 'pay\u00adpal\ufeff', 'pay\\xadpal\\ufeff'],
  ['line and paragraph separators', '\u2028\u2029', '\\u2028\\u2029'],
  ['other format characters: interlinear annotation, Mongolian vowel separator', '\ufff9\u180e', '\\ufff9\\u180e'],
  ['tag characters beyond U+FFFF', 'x\u{e0041}\u{e007f}', 'x\\u{e0041}\\u{e007f}'],
  ['characters a renderer may ignore: Hangul filler, variation selector', '\u3164\ufe0f', '\\u3164\\ufe0f'],
  ['private use and a lone surrogate', '\ue000\ud800', '\\ue000\\ud800'],
];

describe('printable, by class of character', () => {
  for (const [what, text, shown] of CLASSES) {
    it(`${what}: shown as ${shown}`, () => {
      expect(printable(text)).to.equal(shown);
    });
  }

  it('shows the right-to-left override and CSI of a file name so that it reads left to right', () => {
    expect(printable('recording\u202evaw.exe\u009b2J')).to.equal('recording\\u202evaw.exe\\x9b2J');
  });

  it('finds, for a refused name, the first of them as printable shows it', () => {
    for (const [what, text] of CLASSES) {
      const first = invisibleCharacter(text);
      expect(first, what).to.be.a('string');
      expect(printable(text), what).to.include(first!);
    }
    expect(invisibleCharacter('café 日本 ✓')).to.equal(undefined);
  });
});

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

describe('printableJson, by class of character', () => {
  for (const [what, text] of CLASSES) {
    it(`${what}: the same string to a parser, nothing raw on a terminal`, () => {
      const json = printableJson({ text });
      expect(JSON.parse(json)).to.deep.equal({ text });
      expect(json).to.equal(json.replace(/[^\x20-\x7e]/g, ''));
    });
  }
});

describe('printableRecord', () => {
  it('makes strings printable at any depth and keeps numbers, dates and nulls', () => {
    const date = new Date(0);
    const record = printableRecord({ sid: 'RE1', source: 'a\u001b[2J', n: 3, at: date, none: null, tags: ['x\ny'] });
    expect(record).to.deep.equal({ sid: 'RE1', source: 'a\\x1b[2J', n: 3, at: date, none: null, tags: ['x\\ny'] });
    expect(record.at).to.equal(date);
  });
});
