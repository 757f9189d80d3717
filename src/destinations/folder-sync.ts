/**
 * Flushes folders to disk after renames, sharing one fsync among the renames that asked for
 * it while another fsync of the same folder was running: a sync that has not started yet
 * covers every rename made before it starts, so callers join it instead of queueing their own.
 */
export class FolderSync {
  private readonly running = new Map<string, Promise<void>>();
  private readonly next = new Map<string, Promise<void>>();

  constructor(private readonly syncOnce: (folder: string) => Promise<void>) {}

  /** Resolves once every rename made in `folder` before this call is on disk. */
  sync(folder: string): Promise<void> {
    const queued = this.next.get(folder);
    if (queued) return queued;
    const previous = this.running.get(folder) ?? Promise.resolve();
    const settled = () => undefined;
    const turn = previous.then(settled, settled).then(() => {
      this.next.delete(folder);
      const run = this.syncOnce(folder);
      this.running.set(folder, run);
      const forget = () => {
        if (this.running.get(folder) === run) this.running.delete(folder);
      };
      run.then(forget, forget);
      return run;
    });
    this.next.set(folder, turn);
    return turn;
  }
}
