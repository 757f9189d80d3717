/**
 * How a long run tells its progress, on stderr and never on stdout: domain code takes one, and the
 * command chooses what is drawn (a bar on a terminal, a line every few seconds, nothing).
 */
export interface ProgressReporter {
  /** The number of items to do, once known (it may grow while a selection streams in). */
  setTotal(total: number): void;
  /** One item finished (whatever its outcome), with the bytes it moved. */
  itemDone(bytes?: number): void;
  /** Bytes moved by items still in progress. */
  addBytes(bytes: number): void;
  stop(): void;
}
