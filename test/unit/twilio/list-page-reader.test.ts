import { expect } from 'chai';
import { readListPage } from '../../../src/twilio/list-page-reader';

/** What readListPage makes of `text`, with everything taken: the envelope and the items. */
function read(text: string, key = 'recordings'): { envelope: Record<string, unknown>; items: unknown[] } {
  // Bytes beyond the length are never read: a reused buffer holds older, longer bodies.
  const body = Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from('}}]]"garbage')]);
  const { envelope, items } = readListPage(body, Buffer.byteLength(text), key);
  return { envelope, items: [...items] };
}

/** The same page parsed whole, with its items taken out of the envelope. */
function parsedWhole(text: string, key = 'recordings'): { envelope: Record<string, unknown>; items: unknown[] } {
  const envelope = JSON.parse(text) as Record<string, unknown>;
  const items = envelope[key] as unknown[];
  envelope[key] = [];
  return { envelope, items };
}

describe('readListPage', () => {
  it('reads a list page as JSON.parse does, items and envelope', () => {
    const text = JSON.stringify({
      first_page_uri: '/x?Page=0',
      recordings: [
        { sid: 'RE1', subresource_uris: { transcriptions: '/t' }, encryption_details: null },
        { sid: 'RE2', channels: 2, tags: ['a', { b: [1, 2] }] },
      ],
      next_page_uri: null,
      page: 0,
    });
    expect(read(text)).to.deep.equal(parsedWhole(text));
  });

  it('keeps braces, brackets, quotes and escapes inside strings as text', () => {
    const text = JSON.stringify({
      'recordings"': '[{"not": "these"}]',
      recordings: [
        { sid: 'RE1', note: '}{][ \\" ,:' },
        { sid: 'RE2', note: '\\' },
      ],
      next_page_uri: '/p?a={b}',
    });
    expect(read(text)).to.deep.equal(parsedWhole(text));
  });

  it('reads characters beyond ASCII', () => {
    const text = JSON.stringify({ recordings: [{ name: 'Zoë – 通話 🎙️' }, { name: '\u2028' }], next_page_uri: null });
    expect(read(text)).to.deep.equal(parsedWhole(text));
  });

  it('reads pretty-printed pages and empty lists', () => {
    const text = JSON.stringify({ recordings: [{ sid: 'RE1' }, { sid: 'RE2' }], next_page_uri: '/n' }, null, 2);
    expect(read(text)).to.deep.equal(parsedWhole(text));
    expect(read('{"recordings": [ ], "next_page_uri": null}')).to.deep.equal(
      parsedWhole('{"recordings": [ ], "next_page_uri": null}'),
    );
  });

  it('finds the key only at the top level of the page', () => {
    const text = JSON.stringify({ meta: { recordings: [{ sid: 'nested' }] }, recordings: [{ sid: 'RE1' }] });
    expect(read(text).items).to.deep.equal([{ sid: 'RE1' }]);
  });

  it('parses a page whole when its list holds other things than objects', () => {
    const text = JSON.stringify({ recordings: [{ sid: 'RE1' }, 'RE2', 3, null], next_page_uri: null });
    expect(read(text).items).to.deep.equal([{ sid: 'RE1' }, 'RE2', 3, null]);
  });

  it('gives no items for a page without the key', () => {
    expect(read('{"accounts": [{"sid": "AC1"}]}').items).to.deep.equal([]);
  });

  it('refuses what is not JSON, as JSON.parse does', () => {
    for (const text of [
      '{"recordings": [{"sid": "RE1"},], "next_page_uri": null}',
      '{"recordings": [{"sid": "RE1"} {"sid": "RE2"}]}',
      '{"recordings": [{"sid": "RE1"}}',
      '{"recordings": [{"sid": RE1}], "next_page_uri": null}',
      '<html>Bad gateway</html>',
    ]) {
      expect(() => read(text), text).to.throw(SyntaxError);
    }
  });
});
