import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { Interruption, untilAborted } from '../../../src/tasks/interruption';

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
    expect(asked).to.equal(3);
  });
});
