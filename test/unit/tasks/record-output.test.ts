import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { waitForRoom } from '../../../src/tasks/record-output';

describe('waitForRoom', () => {
  it('resolves at once while the stream has room, and on drain once it is backed up', async () => {
    const stream = new PassThrough({ highWaterMark: 4 });
    await waitForRoom(stream);
    stream.write('more than four bytes');
    expect(stream.writableNeedDrain).to.equal(true);
    let resolved = false;
    const waiting = waitForRoom(stream).then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).to.equal(false);
    stream.read();
    await waiting;
    expect(resolved).to.equal(true);
  });
});
