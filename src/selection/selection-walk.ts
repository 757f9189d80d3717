import type { Recording } from '../recordings/recording';
import { TaskWindow } from '../tasks/task-window';
import type { RecordingPage } from './select-recordings';

/** What a walk over selected recordings does with each one, and when it stops starting more. */
export interface SelectionWalk {
  /** At most this many recordings' work at once. */
  maxPending: number;
  /** Decided at once for each recording: its work, or nothing when it is settled without any. */
  workFor(recording: Recording): (() => Promise<void>) | undefined;
  /** Awaited before each recording's work waits for a slot, so that a slow reader of results sets the pace. */
  waitForRoom?(): Promise<void>;
  /** Asked once a slot is free, before the work starts (with whether any work has thrown): true starts no more. */
  stopped(workFailed: boolean): boolean;
  /** After each page: true starts nothing from the pages after it. */
  afterPage?(): boolean;
}

/**
 * Runs the work of each selected recording, a bounded number at a time, while the pages stream in.
 * The work under way always finishes before the walk returns or throws: a selection that breaks
 * is reported after it, otherwise the first error any work threw.
 */
export async function walkSelection(pages: AsyncIterable<RecordingPage>, walk: SelectionWalk): Promise<void> {
  const window = new TaskWindow(walk.maxPending);
  try {
    selection: for await (const page of pages) {
      for (const recording of page.recordings) {
        const work = walk.workFor(recording);
        if (!work) continue;
        await walk.waitForRoom?.();
        await window.waitForRoom();
        if (walk.stopped(window.failed)) break selection;
        await window.add(work);
      }
      if (walk.afterPage?.()) break;
    }
  } catch (error) {
    await window.drain().catch(() => undefined);
    throw error;
  }
  await window.drain();
}
