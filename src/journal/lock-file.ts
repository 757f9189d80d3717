import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { CancelledError, messageOf } from '../errors';
import { printable } from '../text/printable';

/** What a lock file says about the process that holds it. */
export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Tells this lock from a later one in the same place; absent from locks written by earlier versions. */
  token?: string;
}

/** A taken lock: check it is still this process's before committing, release it after. */
export interface HeldLock {
  /** Throws a cancelled error when another process broke this lock as stale: nothing may be written then. */
  confirmHeld(): Promise<void>;
  release(): Promise<void>;
}

/** How long a lock is waited for, when it is stale, and what is said when it cannot be had. */
export interface LockPolicy {
  /** How long to wait for another process's lock before giving up with `heldError`; 0 gives up at once. */
  waitMs: number;
  /** A lock older than this is stale whoever holds it (a process on another machine sharing the folder, or hung). */
  staleAfterMs: number;
  /** A lock without its owner line (being written, or debris) is stale once older than this; `staleAfterMs` by default. */
  ownerlessStaleAfterMs?: number;
  /** The mode the lock file is created with. */
  mode: number;
  /** The error once the wait is over: `owner` holds the lock, or, undefined, another process is taking it. */
  heldError(owner: LockOwner | undefined): Error;
  /** What a lock that cannot be taken at all leaves undone, ending its error: `Nothing was changed.` */
  nothingDone: string;
}

/** What tests and callers may set of how a lock is taken. */
export interface LockOptions {
  /** Told once, when the lock is held by another process and this one waits. */
  onWait?(owner: LockOwner | undefined): void;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Whether a process of this machine is still running. */
  isRunning?: (pid: number) => boolean;
  host?: string;
}

/** A break lock is held for a few file operations: older, its taker died on the way. */
const BREAK_LOCK_STALE_MS = 10_000;

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
 * Takes the lock at `path`: a file created exclusively (O_EXCL, which holds on a shared folder
 * too), saying which process holds it. Held by another, it waits up to the policy's `waitMs`
 * and then gives up with its `heldError`. A lock is stale, and taken over, when its process is
 * gone from this machine or it is older than the policy's stale age; taking over is itself done
 * under a second exclusive file, so that two takers never both remove the lock they found.
 */
export async function takeLock(path: string, policy: LockPolicy, options: LockOptions = {}): Promise<HeldLock> {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const isRunning = options.isRunning ?? isProcessRunning;
  const host = options.host ?? hostname();
  const fail = (error: unknown) => lockError(path, error, policy.nothingDone);
  const start = clock();
  let told = false;
  for (let attempt = 0; ; attempt += 1) {
    const owner: LockOwner = {
      pid: process.pid,
      host,
      startedAt: new Date(clock()).toISOString(),
      token: randomBytes(8).toString('hex'),
    };
    if (await createExclusive(path, `${JSON.stringify(owner)}\n`, policy.mode, fail)) {
      return heldLock(path, owner.token!, policy.nothingDone);
    }
    const found = await readLock(path, fail);
    if (found === undefined) continue; // Released between the two calls: try again at once.
    const staleAfterMs = found.owner ? policy.staleAfterMs : (policy.ownerlessStaleAfterMs ?? policy.staleAfterMs);
    const stale =
      (found.owner !== undefined && found.owner.host === host && !isRunning(found.owner.pid)) ||
      clock() - found.mtimeMs > staleAfterMs;
    if (stale && (await breakStaleLock(path, found, clock, fail))) continue;
    if (clock() - start >= policy.waitMs) throw policy.heldError(found.owner);
    if (!told) {
      told = true;
      options.onWait?.(found.owner);
    }
    // Short waits with jitter, growing a little: many writers queue without moving in step.
    await sleep(Math.min(250, 10 + attempt * 5) + Math.random() * 20);
  }
}

function heldLock(path: string, token: string, nothingDone: string): HeldLock {
  const ours = async () =>
    (await readLock(path, (error) => lockError(path, error, nothingDone)))?.owner?.token === token;
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
  owner: LockOwner | undefined;
  mtimeMs: number;
  ino: number;
  text: string;
}

/** The lock as it is now; undefined when there is none. An owner line not written yet reads as no owner. */
async function readLock(path: string, fail: (error: unknown) => Error): Promise<FoundLock | undefined> {
  let handle;
  try {
    // Never waits on a FIFO put in the lock's place.
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fail(error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw fail(new Error('not a regular file'));
    // An owner line is short: anything longer is debris, and its age decides.
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const text = buffer.toString('utf8', 0, bytesRead);
    return { owner: parseOwner(text), mtimeMs: stats.mtimeMs, ino: stats.ino, text };
  } finally {
    await handle.close();
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof owner.pid === 'number' &&
      typeof owner.host === 'string' &&
      typeof owner.startedAt === 'string' &&
      (owner.token === undefined || typeof owner.token === 'string')
    ) {
      return owner as LockOwner;
    }
  } catch {
    // Being written, or debris: its age decides.
  }
  return undefined;
}

/** Creates `path` with `text` if nothing is there; false when something is. */
async function createExclusive(
  path: string,
  text: string,
  mode: number,
  fail: (error: unknown) => Error,
): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fail(error);
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
async function breakStaleLock(
  path: string,
  found: FoundLock,
  clock: () => number,
  fail: (error: unknown) => Error,
): Promise<boolean> {
  const breakPath = `${path}.break`;
  if (!(await createExclusive(breakPath, `${process.pid}\n`, 0o644, fail))) {
    const breaking = await fs.stat(breakPath).catch(() => undefined);
    // A taker that died between its two files leaves the break file: old, it no longer counts.
    if (breaking && clock() - breaking.mtimeMs > BREAK_LOCK_STALE_MS) await fs.unlink(breakPath).catch(() => undefined);
    return false;
  }
  try {
    const now = await readLock(path, fail);
    if (now === undefined) return true;
    if (now.ino !== found.ino || now.text !== found.text) return true;
    await fs.unlink(path).catch(() => undefined);
    return true;
  } finally {
    await fs.unlink(breakPath).catch(() => undefined);
  }
}

function lockError(path: string, error: unknown, nothingDone: string): CancelledError {
  return new CancelledError(`Cannot take the lock ${printable(path)}: ${messageOf(error)}. ${nothingDone}`);
}
