import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from '../errors';
import { takeLock, type HeldLock } from '../journal/lock-file';
import { printable } from '../text/printable';

/** A lock without its owner line yet may be one another run is writing at this moment; older, it is debris. */
const OWNERLESS_STALE_MS = 60_000;

/**
 * Takes the lock of an account's purges, so that two runs (two cron jobs, a person and a job)
 * never delete in the same account at once. A lock left by a process of this machine that is
 * no longer running is stale and taken over; one held by a running process, or by another
 * machine sharing the folder, is a cancelled run (exit 3) with a line that says who holds it.
 */
export async function lockAccount(folder: string, accountSid: string, now: Date = new Date()): Promise<HeldLock> {
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  const path = join(folder, `purge-${accountSid}.lock`);
  return takeLock(
    path,
    {
      waitMs: 0,
      // Another machine's run is never guessed dead: only its own machine can tell.
      staleAfterMs: Number.POSITIVE_INFINITY,
      ownerlessStaleAfterMs: OWNERLESS_STALE_MS,
      mode: 0o600,
      heldError: (owner) =>
        new CancelledError(
          owner
            ? `Another purge of account ${accountSid} is running (process ${owner.pid} on ${printable(owner.host)}, ` +
                `since ${printable(owner.startedAt)}): nothing was deleted; run again once it has finished.`
            : `Another purge of account ${accountSid} is starting (lock ${printable(path)}): nothing was deleted; run again once it has finished.`,
        ),
      nothingDone: 'Nothing was deleted.',
    },
    { clock: () => now.getTime() },
  );
}
