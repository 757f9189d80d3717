import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { Interruption, unlessAborted, untilAborted } from '../../../src/tasks/interruption';

describe('Interruption', () => {
  function watch() {
    const source = new EventEmitter();
    const told: string[] = [];
    const exits: number[] = [];
    const interruption = new Interruption({
      onStop: (signal) => told.push(`stop ${signal}`),
      onAbort: (signal) => told.push(`abort ${signal}`),
      source,
      exit: (status) => exits.push(status),
    });
    return { source, told, exits, interruption };
  }

  it('aborts its signal on the first SIGINT or SIGTERM, and exits 3 on the second', () => {
    const { source, told, exits, interruption } = watch();
    expect(interruption.signal.aborted).to.equal(false);
    source.emit('SIGTERM');
    expect(interruption.signal.aborted).to.equal(true);
    expect(interruption.stopSignal).to.equal('SIGTERM');
    expect(exits).to.deep.equal([]);
    source.emit('SIGINT');
    expect(told).to.deep.equal(['stop SIGTERM', 'abort SIGINT']);
    expect(exits).to.deep.equal([3]);
  });

  it('stops listening once disposed', () => {
    const { source, interruption } = watch();
    interruption.dispose();
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).to.equal(0);
  });

  it('passes items through until aborted, then throws instead of handing out more', async () => {
    const controller = new AbortController();
    let asked = 0;
    async function* pages() {
      for (let page = 1; page <= 5; page += 1) {
        asked += 1;
        yield page;
      }
    }
    const seen: number[] = [];
    let error: Error | undefined;
    try {
      for await (const page of untilAborted(pages(), controller.signal, () => new Error('stopped'))) {
        seen.push(page);
        if (page === 2) controller.abort();
      }
    } catch (caught) {
      error = caught as Error;
    }
    expect(seen).to.deep.equal([1, 2]);
    expect(error?.message).to.equal('stopped');
    expect(asked).to.equal(2);
  });

  it('stops waiting for an item that never comes once aborted', async () => {
    const controller = new AbortController();
    async function* pages() {
      yield 1;
      await new Promise(() => undefined);
    }
    const seen: number[] = [];
    const walk = (async () => {
      for await (const page of untilAborted(pages(), controller.signal, () => new Error('stopped'))) seen.push(page);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    let error: Error | undefined;
    await walk.catch((caught: Error) => (error = caught));
    expect(seen).to.deep.equal([1]);
    expect(error?.message).to.equal('stopped');
  });

  it('gives up on work that never settles once aborted, and passes through work that does', async () => {
    const controller = new AbortController();
    expect(await unlessAborted(Promise.resolve(7), controller.signal, () => new Error('stopped'))).to.equal(7);
    const waiting = unlessAborted(new Promise(() => undefined), controller.signal, () => new Error('stopped'));
    controller.abort();
    let error: Error | undefined;
    await waiting.catch((caught: Error) => (error = caught));
    expect(error?.message).to.equal('stopped');
  });
});
