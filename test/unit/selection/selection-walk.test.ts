import { expect } from 'chai';
import type { RecordingPage } from '../../../src/selection/select-recordings';
import { walkSelection } from '../../../src/selection/selection-walk';
import { aRecording } from '../recording-fixture';

async function* pagesOf(...sids: string[][]): AsyncGenerator<RecordingPage> {
  for (const page of sids) yield { accountSid: 'AC1', recordings: page.map((sid) => aRecording({ sid })) };
}

async function* failingAfter(page: string[], error: Error): AsyncGenerator<RecordingPage> {
  yield* pagesOf(page);
  throw error;
}

describe('walkSelection', () => {
  it('runs every recording given work, never more at once than allowed', async () => {
    let running = 0;
    let most = 0;
    const done: string[] = [];
    await walkSelection(pagesOf(['RE1', 'RE2', 'RE3'], ['RE4', 'RE5']), {
      maxPending: 2,
      workFor: (recording) =>
        recording.sid === 'RE3'
          ? undefined
          : async () => {
              running += 1;
              most = Math.max(most, running);
              await new Promise((resolve) => setImmediate(resolve));
              running -= 1;
              done.push(recording.sid);
            },
      stopped: () => false,
    });
    expect(done.sort()).to.deep.equal(['RE1', 'RE2', 'RE4', 'RE5']);
    expect(most).to.equal(2);
  });

  it('starts nothing once stopped, and nothing from the pages after one that says stop', async () => {
    const started: string[] = [];
    const work = (sid: string) => () => {
      started.push(sid);
      return Promise.resolve();
    };
    await walkSelection(pagesOf(['RE1', 'RE2', 'RE3']), {
      maxPending: 1,
      workFor: (recording) => work(recording.sid),
      stopped: () => started.length === 2,
    });
    expect(started).to.deep.equal(['RE1', 'RE2']);
    started.length = 0;
    await walkSelection(pagesOf(['RE1'], ['RE2']), {
      maxPending: 1,
      workFor: (recording) => work(recording.sid),
      stopped: () => false,
      afterPage: () => true,
    });
    expect(started).to.deep.equal(['RE1']);
  });

  it('finishes the work under way before the selection error, which wins over the work error', async () => {
    const finished: string[] = [];
    const walk = walkSelection(failingAfter(['RE1', 'RE2'], new Error('selection broke')), {
      maxPending: 2,
      workFor: (recording) => async () => {
        await new Promise((resolve) => setImmediate(resolve));
        finished.push(recording.sid);
        if (recording.sid === 'RE2') throw new Error('work failed');
      },
      stopped: () => false,
    });
    await walk.then(
      () => expect.fail('the walk should throw'),
      (error: Error) => expect(error.message).to.equal('selection broke'),
    );
    expect(finished).to.deep.equal(['RE1', 'RE2']);
  });

  it('throws the first work error once the selection is done, after the rest has settled', async () => {
    const stoppedWith: boolean[] = [];
    const walk = walkSelection(pagesOf(['RE1', 'RE2']), {
      maxPending: 1,
      workFor: (recording) => () => Promise.reject(new Error(`${recording.sid} failed`)),
      stopped: (workFailed) => {
        stoppedWith.push(workFailed);
        return false;
      },
    });
    await walk.then(
      () => expect.fail('the walk should throw'),
      (error: Error) => expect(error.message).to.equal('RE1 failed'),
    );
    expect(stoppedWith).to.deep.equal([false, true]);
  });
});
