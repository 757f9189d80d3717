import { expect } from 'chai';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { countText, createProgressReporter } from '../../../src/cli/progress-reporter';

/** A stream that says it is a terminal, keeping what is written with cursor moves stripped. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let written = '';
  const writable = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString();
      done();
    },
  });
  const stream = Object.assign(writable, {
    isTTY: true,
    columns: 120,
    rows: 40,
    cursorTo: (_x: number, _y?: unknown, callback?: () => void) => (callback?.(), true),
    moveCursor: (_dx: number, _dy: number, callback?: () => void) => (callback?.(), true),
    clearLine: (_dir: number, callback?: () => void) => (callback?.(), true),
    clearScreenDown: (callback?: () => void) => (callback?.(), true),
    getWindowSize: () => [120, 40],
  }) as unknown as NodeJS.WriteStream;
  return { stream, text: () => stripVTControlCharacters(written) };
}

describe('progress reporter', () => {
  it('counts alone until the total is known, then counts against it', () => {
    expect(countText({ done: 20, total: undefined })).to.equal('20');
    expect(countText({ done: 20, total: 150 })).to.equal('20/150');
  });

  it('never shows a bar total of 0 before the total is known', () => {
    const terminal = fakeTerminal();
    const progress = createProgressReporter({ verb: 'deleted', stream: terminal.stream });
    for (let i = 0; i < 20; i += 1) progress.itemDone();
    progress.stop();
    expect(terminal.text()).to.include(' 20 deleted');
    expect(terminal.text()).not.to.match(/\d+\/0\b/);
  });

  it('shows done/total once the total is set', () => {
    const terminal = fakeTerminal();
    const progress = createProgressReporter({ verb: 'deleted', stream: terminal.stream });
    progress.setTotal(150);
    for (let i = 0; i < 20; i += 1) progress.itemDone();
    progress.stop();
    expect(terminal.text()).to.include('20/150 deleted');
  });
});
