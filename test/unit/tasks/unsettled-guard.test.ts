import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { guardUnsettled, type ExitSource } from '../../../src/tasks/unsettled-guard';

const LINE = 'recordings:list stopped before it finished';

/** A process whose event loop can be made to run empty by emitting beforeExit. */
function fakeProcess(): EventEmitter & ExitSource {
  return Object.assign(new EventEmitter(), { exitCode: undefined as number | string | undefined });
}

describe('guardUnsettled', () => {
  it('exits 1 with its line when the event loop runs empty while guarded', () => {
    const source = fakeProcess();
    const written: string[] = [];
    guardUnsettled(LINE, (text) => written.push(text), source);
    source.emit('beforeExit', 0);
    expect(source.exitCode).to.equal(1);
    expect(written).to.deep.equal([LINE]);
  });

  it('says so once, though the loop runs empty again after the line is written', () => {
    const source = fakeProcess();
    const written: string[] = [];
    guardUnsettled(LINE, (text) => written.push(text), source);
    source.emit('beforeExit', 0);
    source.emit('beforeExit', 1);
    expect(written).to.have.length(1);
  });

  it('leaves the exit status alone once the work has settled', () => {
    const source = fakeProcess();
    const written: string[] = [];
    const settled = guardUnsettled(LINE, (text) => written.push(text), source);
    settled();
    source.emit('beforeExit', 0);
    expect(source.exitCode).to.equal(undefined);
    expect(written).to.deep.equal([]);
    expect(source.listenerCount('beforeExit')).to.equal(0);
  });
});
