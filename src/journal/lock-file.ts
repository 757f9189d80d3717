import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { CancelledError, messageOf } from '../errors';
import { printable } from '../text/printable';

/** What a holds lock file says about the process that holds it. */
export interface HoldsLockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Tells this lock from a later one in the same place. */
  token: string;
}

/** A taken lock: check it is still this process's before committing, release it after. */
export interface HoldsLock {
  /** Throws a cancelled error when another process broke this lock as stale: nothing may be written then. */
  confirmHeld(): Promise<void>;
  release(): Promise<void>;
}

export interface HoldsLockOptions {
  /** How long to wait for another process's lock before giving up (exit 3). */
  waitMs?: number;
  /** A lock older than this is stale whoever holds it (a process on another machine sharing the folder, or hung). */
  staleAfterMs?: number;
  /** Told once, when the lock is held by another process and this one waits. */
  onWait?(owner: HoldsLockOwner | undefined): void;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Whether a process of this machine is still running. */
  isRunning?: (pid: number) => boolean;
  host?: string;
}

export const HOLDS_LOCK_WAIT_MS = 30_000;
export const HOLDS_LOCK_STALE_MS = 120_000;
/** A break lock is held for a few file operations: older, its taker died on the way. */
const BREAK_LOCK_STALE_MS = 10_000;

/** The lock file of a holds file: beside it, so that every machine sharing the folder sees it. */
export function holdsLockPath(holdsPath: string): string {
  return `${holdsPath}.lock`;
}

/** Whether a process of this machine is still running (EPERM: it runs under another user). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Takes the lock of a holds file: a file beside it created exclusively (O_EXCL, which holds on a
 * shared folder too), saying which process holds it. Held by another, it waits up to `waitMs`
 * and then gives up with a cancelled error (exit 3). A lock is stale, and taken over, when its
 * process is gone from this machine or it is older than `staleAfterMs`; taking over is itself
 * done under a second exclusive file, so that two waiters never both remove the lock they found.
 */
export async function lockHoldsFile(holdsPath: string, options: HoldsLockOptions = {}): Promise<HoldsLock> {
  const path = holdsLockPath(holdsPath);
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const isRunning = options.isRunning ?? isProcessRunning;
  const waitMs = options.waitMs ?? HOLDS_LOCK_WAIT_MS;
  const staleAfterMs = options.staleAfterMs ?? HOLDS_LOCK_STALE_MS;
  const host = options.host ?? hostname();
  const start = clock();
  let told = false;
  for (let attempt = 0; ; attempt += 1) {
    const owner: HoldsLockOwner = {
      pid: process.pid,
      host,
      startedAt: new Date(clock()).toISOString(),
      token: randomBytes(8).toString('hex'),
    };
    if (await createExclusive(path, `${JSON.stringify(owner)}\n`)) return heldLock(path, owner.token);
    const found = await readLock(path);
    if (found === undefined) continue; // Released between the two calls: try again at once.
    const stale =
      (found.owner !== undefined && found.owner.host === host && !isRunning(found.owner.pid)) ||
      clock() - found.mtimeMs > staleAfterMs;
    if (stale && (await breakStaleLock(path, found, clock))) continue;
    if (clock() - start >= waitMs) throw lockTimeout(holdsPath, path, found.owner, waitMs);
    if (!told) {
      told = true;
      options.onWait?.(found.owner);
    }
    // Short waits with jitter, growing a little: many writers queue without moving in step.
    await sleep(Math.min(250, 10 + attempt * 5) + Math.random() * 20);
  }
}

function heldLock(path: string, token: string): HoldsLock {
  const ours = async () => (await readLock(path))?.owner?.token === token;
  return {
    async confirmHeld() {
      if (!(await ours())) {
        throw new CancelledError(
          `Another process took over the lock ${printable(path)} as stale while this one held it: nothing was changed; run the command again.`,
        );
      }
    },
    async release() {
      if (await ours()) await fs.unlink(path).catch(() => undefined);
    },
  };
}

interface FoundLock {
  owner: HoldsLockOwner | undefined;
  mtimeMs: number;
  ino: number;
  text: string;
}

/** The lock as it is now; undefined when there is none. An owner line not written yet reads as no owner. */
async function readLock(path: string): Promise<FoundLock | undefined> {
  let handle;
  try {
    // Never waits on a FIFO put in the lock's place.
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw lockError(path, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw lockError(path, new Error('not a regular file'));
    // An owner line is short: anything longer is debris, and its age decides.
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const text = buffer.toString('utf8', 0, bytesRead);
    return { owner: parseOwner(text), mtimeMs: stats.mtimeMs, ino: stats.ino, text };
  } finally {
    await handle.close();
  }
}

function parseOwner(text: string): HoldsLockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<HoldsLockOwner>;
    if (
      typeof owner.pid === 'number' &&
      typeof owner.host === 'string' &&
      typeof owner.startedAt === 'string' &&
      typeof owner.token === 'string'
    ) {
      return owner as HoldsLockOwner;
    }
  } catch {
    // Being written, or debris: its age decides.
  }
  return undefined;
}

/** Creates `path` with `text` if nothing is there; false when something is. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o644,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockError(path, error);
  }
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Removes a stale lock, unless someone else is already doing so or it changed since it was read
 * (then it is someone's new lock). True when the caller should try to take the lock again.
 */
async function breakStaleLock(path: string, found: FoundLock, clock: () => number): Promise<boolean> {
  const breakPath = `${path}.break`;
  if (!(await createExclusive(breakPath, `${process.pid}\n`))) {
    const breaking = await fs.stat(breakPath).catch(() => undefined);
    // A taker that died between its two files leaves the break file: old, it no longer counts.
    if (breaking && clock() - breaking.mtimeMs > BREAK_LOCK_STALE_MS) await fs.unlink(breakPath).catch(() => undefined);
    return false;
  }
  try {
    const now = await readLock(path);
    if (now === undefined) return true;
    if (now.ino !== found.ino || now.text !== found.text) return true;
    await fs.unlink(path).catch(() => undefined);
    return true;
  } finally {
    await fs.unlink(breakPath).catch(() => undefined);
  }
}

function lockTimeout(
  holdsPath: string,
  path: string,
  owner: HoldsLockOwner | undefined,
  waitMs: number,
): CancelledError {
  const who = owner
    ? `process ${owner.pid} on ${printable(owner.host)} has held it since ${printable(owner.startedAt)}`
    : 'another process is taking it';
  return new CancelledError(
    `The holds file ${printable(holdsPath)} is locked (${who}) and was not released within ${Math.round(waitMs / 1000)} s: ` +
      `nothing was changed; try again, or remove ${printable(path)} if that process is gone.`,
  );
}

function lockError(path: string, error: unknown): CancelledError {
  return new CancelledError(`Cannot take the lock ${printable(path)}: ${messageOf(error)}. Nothing was changed.`);
}
