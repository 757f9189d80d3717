import { expect } from 'chai';
import { readParts } from '../../../src/destinations/part-reader';

async function* chunks(sizes: number[]): AsyncGenerator<Buffer> {
  let value = 0;
  for (const size of sizes) yield Buffer.alloc(size, value++ % 256);
}

async function partSizes(source: AsyncIterable<Buffer>, partBytes: number): Promise<number[]> {
  const sizes = [];
  for await (const part of readParts(source, partBytes)) sizes.push(part.length);
  return sizes;
}

describe('readParts', () => {
  it('cuts parts of exactly the part size, the last one shorter', async () => {
    expect(await partSizes(chunks([3, 3, 3, 3, 1]), 5)).to.deep.equal([5, 5, 3]);
  });

  it('cuts a chunk larger than several parts', async () => {
    expect(await partSizes(chunks([12]), 5)).to.deep.equal([5, 5, 2]);
  });

  it('yields no empty part when the bytes end on a part boundary', async () => {
    expect(await partSizes(chunks([5, 5]), 5)).to.deep.equal([5, 5]);
  });

  it('yields nothing for an empty source', async () => {
    expect(await partSizes(chunks([]), 5)).to.deep.equal([]);
  });

  it('keeps the bytes in order across parts', async () => {
    const parts = [];
    for await (const part of readParts(chunks([2, 2, 2]), 4)) parts.push(part);
    expect(Buffer.concat(parts)).to.deep.equal(Buffer.from([0, 0, 1, 1, 2, 2]));
  });

  it('pulls no further from the source than the part being filled', async () => {
    let pulled = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for (let index = 0; index < 100; index++) {
        pulled += 10;
        yield Buffer.alloc(10);
      }
    }
    const parts = readParts(counted(), 100);
    await parts.next();
    expect(pulled).to.equal(100);
    await parts.next();
    expect(pulled).to.equal(200);
    await parts.return(undefined);
  });
});
