/** Where a command's result records go, batch by batch: stdout as JSON, columns or TSV, or nowhere. */
export interface RecordOutput {
  write(records: readonly object[]): void;
  /** Closes the output; `complete` is false when the command failed part way (a JSON array is still closed). */
  end(complete?: boolean): void;
  /** Resolves once the reader has caught up, so a slow reader slows the producer instead of filling memory. */
  waitForRoom(): Promise<void>;
}

export const DISCARD_RECORDS: RecordOutput = {
  write: () => undefined,
  end: () => undefined,
  waitForRoom: () => Promise.resolve(),
};

/** Resolves once `stream` (stdout by default) has room again. */
export function waitForRoom(
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean } = process.stdout,
): Promise<void> {
  if (!stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
