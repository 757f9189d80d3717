import { expect } from 'chai';
import { JsonArrayWriter } from '../../../src/cli/json-array-writer';

describe('JsonArrayWriter', () => {
  function written(batches: unknown[][], ends: boolean[] = [true]): string {
    let text = '';
    const writer = new JsonArrayWriter((chunk) => (text += chunk));
    for (const batch of batches) writer.add(batch);
    for (const complete of ends) writer.end(complete);
    return text;
  }

  it('writes what JSON.stringify with two spaces writes, across batches', () => {
    const items = [{ a: 1, nested: { b: [1, 2] } }, { a: 2, when: new Date('2026-01-01T00:00:00Z') }, 'x'];
    expect(written([items.slice(0, 1), [], items.slice(1)])).to.equal(`${JSON.stringify(items, null, 2)}\n`);
  });

  it('writes an empty array when there is nothing', () => {
    expect(JSON.parse(written([]))).to.deep.equal([]);
  });

  it('closes the array of what was written when the command failed part way', () => {
    expect(JSON.parse(written([[1, 2]], [false]))).to.deep.equal([1, 2]);
  });

  it('writes nothing when the command failed before any item', () => {
    expect(written([], [false])).to.equal('');
  });

  it('closes once, however often it is ended, and ignores items after', () => {
    let text = '';
    const writer = new JsonArrayWriter((chunk) => (text += chunk));
    writer.add([1]);
    writer.end(false);
    writer.add([2]);
    writer.end();
    expect(JSON.parse(text)).to.deep.equal([1]);
  });

  it('escapes what JSON.stringify leaves raw that a terminal acts on (C1, DEL, bidi, line separators), keeping the data', () => {
    const items = [{ source: 'a\u009b2J\u007f\u202e\u2028b' }];
    const text = written([items]);
    expect(text).to.include('a\\u009b2J\\u007f\\u202e\\u2028b');
    expect(JSON.parse(text)).to.deep.equal(items);
  });
});
