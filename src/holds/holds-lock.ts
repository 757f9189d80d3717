import { CancelledError } from '../errors';
import { takeLock, type HeldLock, type LockOptions, type LockOwner } from '../journal/lock-file';
import { printable } from '../text/printable';

export interface HoldsLockOptions extends LockOptions {
  /** How long to wait for another process's lock before giving up (exit 3). */
  waitMs?: number;
  /** A lock older than this is stale whoever holds it (a process on another machine sharing the folder, or hung). */
  staleAfterMs?: number;
}

const HOLDS_LOCK_WAIT_MS = 30_000;
const HOLDS_LOCK_STALE_MS = 120_000;

/** The lock file of a holds file: beside it, so that every machine sharing the folder sees it. */
export function holdsLockPath(holdsPath: string): string {
  return `${holdsPath}.lock`;
}

/**
 * Takes the lock of a holds file, beside it. Held by another process, it waits up to `waitMs`
 * (30 s) and then gives up with a cancelled error (exit 3); a lock older than `staleAfterMs`
 * (2 minutes), or of a process gone from this machine, is taken over.
 */
export function lockHoldsFile(holdsPath: string, options: HoldsLockOptions = {}): Promise<HeldLock> {
  const path = holdsLockPath(holdsPath);
  const waitMs = options.waitMs ?? HOLDS_LOCK_WAIT_MS;
  return takeLock(
    path,
    {
      waitMs,
      staleAfterMs: options.staleAfterMs ?? HOLDS_LOCK_STALE_MS,
      mode: 0o644,
      heldError: (owner) => lockTimeout(holdsPath, path, owner, waitMs),
      nothingDone: 'Nothing was changed.',
    },
    options,
  );
}

function lockTimeout(holdsPath: string, path: string, owner: LockOwner | undefined, waitMs: number): CancelledError {
  const who = owner
    ? `process ${owner.pid} on ${printable(owner.host)} has held it since ${printable(owner.startedAt)}`
    : 'another process is taking it';
  return new CancelledError(
    `The holds file ${printable(holdsPath)} is locked (${who}) and was not released within ${Math.round(waitMs / 1000)} s: ` +
      `nothing was changed; try again, or remove ${printable(path)} if that process is gone.`,
  );
}
