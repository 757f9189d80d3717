/**
 * The saves under way, by recording: the same recording asked for twice at once (a repeated
 * callback) is fetched and saved once, and both callers get that save's outcome.
 */
export class SavesUnderWay<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** The save of `sid` already under way, or one begun now with `save`, forgotten once it settles. */
  once(sid: string, save: () => Promise<T>): Promise<T> {
    let saving = this.running.get(sid);
    if (!saving) {
      saving = save().finally(() => this.running.delete(sid));
      this.running.set(sid, saving);
    }
    return saving;
  }

  /** Resolves once every save under way has settled, however it ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
