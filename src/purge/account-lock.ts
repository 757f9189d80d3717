import { constants, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CancelledError, messageOf } from '../errors';
import { printable } from '../text/printable';

/** What a lock file says about the run that holds it. */
interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/** A held lock; release it once the run is over. */
export interface AccountLock {
  release(): Promise<void>;
}

/** Whether a process of this machine is still running (EPERM: it runs under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of an account's purges, so that two runs (two cron jobs, a person and a job)
 * never delete in the same account at once. A lock left by a process of this machine that is
 * no longer running is stale and taken over; one held by a running process, or by another
 * machine sharing the folder, is a cancelled run (exit 3) with a line that says who holds it.
 */
export async function lockAccount(folder: string, accountSid: string, now: Date = new Date()): Promise<AccountLock> {
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  const path = join(folder, `purge-${accountSid}.lock`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: now.toISOString() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await fs.open(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        await handle.writeFile(`${JSON.stringify(owner)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return { release: () => fs.unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CancelledError(`Cannot take the lock ${printable(path)}: ${messageOf(error)}. Nothing was deleted.`);
      }
    }
    const holder = await readOwner(path);
    if (!holder && (await justCreated(path, now))) {
      throw new CancelledError(
        `Another purge of account ${accountSid} is starting (lock ${printable(path)}): nothing was deleted; run again once it has finished.`,
      );
    }
    if (holder && (holder.host !== owner.host || isRunning(holder.pid))) {
      throw new CancelledError(
        `Another purge of account ${accountSid} is running (process ${holder.pid} on ${printable(holder.host)}, ` +
          `since ${printable(holder.startedAt)}): nothing was deleted; run again once it has finished.`,
      );
    }
    // Stale: its process is gone, or the file is older debris that never got its owner. Take it over.
    await fs.unlink(path).catch(() => undefined);
  }
  throw new CancelledError(
    `Cannot take the lock ${printable(path)}: another run keeps taking it. Nothing was deleted.`,
  );
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readOwnerLine(path)) as Partial<LockOwner>;
    if (typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.startedAt === 'string') {
      return owner as LockOwner;
    }
  } catch {
    // An unreadable lock is treated as stale.
  }
  return undefined;
}

/** The start of a lock file, without waiting on a FIFO put in its place: an owner line is short. */
async function readOwnerLine(path: string): Promise<string> {
  const handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  try {
    if (!(await handle.stat()).isFile()) return '';
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A lock without its owner line yet may be one another run is writing at this moment. */
async function justCreated(path: string, now: Date): Promise<boolean> {
  const stats = await fs.stat(path).catch(() => undefined);
  return stats !== undefined && now.getTime() - stats.mtimeMs < 60_000;
}
