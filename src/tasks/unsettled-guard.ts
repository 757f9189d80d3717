import { ExitStatus } from '../errors';

/** The process, as far as the guard needs it; tests pass an EventEmitter with an exit code. */
export interface ExitSource {
  on(event: 'beforeExit', listener: () => void): unknown;
  off(event: 'beforeExit', listener: () => void): unknown;
  exitCode?: number | string | undefined;
}

/**
 * Guards a command's work until the returned function is called. Node exits with status 0 when
 * its event loop runs empty, even while a promise is still pending: a command whose work was left
 * unsettled (a bug) would look as if it had succeeded. While guarded, an empty event loop instead
 * writes `line` and exits 1.
 */
export function guardUnsettled(line: string, write: (text: string) => void, source: ExitSource = process): () => void {
  const onEmpty = () => {
    source.off('beforeExit', onEmpty);
    write(line);
    source.exitCode = ExitStatus.SomeFailed;
  };
  source.on('beforeExit', onEmpty);
  return () => source.off('beforeExit', onEmpty);
}
