import { expect } from 'chai';
import { TaskWindow } from '../../../src/tasks/task-window';

const tick = (ms = 1) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TaskWindow', () => {
  it('runs at most its size at once and finishes everything on drain', async () => {
    const window = new TaskWindow(3);
    let running = 0;
    let peak = 0;
    let done = 0;
    for (let i = 0; i < 25; i += 1) {
      await window.add(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await tick();
        running -= 1;
        done += 1;
      });
    }
    await window.drain();
    expect([peak, done]).to.deep.equal([3, 25]);
  });

  it('makes the producer wait while full', async () => {
    const window = new TaskWindow(1);
    let release!: () => void;
    await window.add(() => new Promise<void>((resolve) => (release = resolve)));
    let added = false;
    const second = window.add(async () => undefined).then(() => (added = true));
    await tick(5);
    expect(added).to.equal(false);
    release();
    await second;
    expect(added).to.equal(true);
    await window.drain();
  });

  it('lets the other tasks finish after one throws, then rethrows the first error', async () => {
    const window = new TaskWindow(4);
    let finished = 0;
    await window.add(async () => {
      throw new Error('first');
    });
    await window.add(async () => {
      await tick(2);
      throw new Error('second');
    });
    await window.add(async () => {
      await tick(5);
      finished += 1;
    });
    await tick();
    expect(window.failed).to.equal(true);
    const error = await window.drain().catch((e: Error) => e);
    expect((error as Error).message).to.equal('first');
    expect(finished).to.equal(1);
  });
});
