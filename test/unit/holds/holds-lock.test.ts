import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError } from '../../../src/errors';
import { holdsLockPath, lockHoldsFile, type HoldsLockOptions } from '../../../src/holds/holds-lock';

describe('holds file lock', () => {
  let dir: string;
  let holds: string;
  let now: number;
  const sleeps: number[] = [];
  // A clock that moves only when the lock waits: no test depends on how fast the machine is.
  const fake = (extra: HoldsLockOptions = {}): HoldsLockOptions => ({
    clock: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    host: 'this-host',
    isRunning: (pid) => pid === 4242,
    ...extra,
  });
  const lockBy = (pid: number, host = 'this-host') =>
    writeFileSync(holdsLockPath(holds), JSON.stringify({ pid, host, startedAt: 'then', token: 'theirs' }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'holds-lock-'));
    holds = join(dir, 'holds.json');
    now = Date.now();
    sleeps.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is a file beside the holds file while held, and gone once released', async () => {
    const lock = await lockHoldsFile(holds, fake());
    expect(JSON.parse(readFileSync(holdsLockPath(holds), 'utf8'))).to.include({ pid: process.pid, host: 'this-host' });
    await lock.release();
    expect(existsSync(holdsLockPath(holds))).to.equal(false);
  });

  it('gives up with a cancelled error naming the holder once the wait is over', async () => {
    lockBy(4242);
    const waited: unknown[] = [];
    try {
      await lockHoldsFile(holds, fake({ waitMs: 5_000, onWait: (owner) => waited.push(owner?.pid) }));
      expect.fail('a held lock was taken');
    } catch (error) {
      expect(error).to.be.instanceOf(CancelledError);
      expect((error as Error).message).to.match(
        /is locked \(process 4242 on this-host .*within 5 s: nothing was changed/,
      );
    }
    expect(waited).to.deep.equal([4242]);
    expect(sleeps.reduce((a, b) => a + b, 0)).to.be.at.least(5_000);
    expect(JSON.parse(readFileSync(holdsLockPath(holds), 'utf8'))).to.include({ token: 'theirs' });
  });

  it('takes over the lock of a process of this machine that is gone, without waiting', async () => {
    lockBy(999_999);
    const lock = await lockHoldsFile(holds, fake());
    expect(sleeps).to.deep.equal([]);
    await lock.confirmHeld();
    await lock.release();
  });

  it('waits for a lock of another machine, and takes it over once older than the stale age', async () => {
    lockBy(4242, 'other-host');
    utimesSync(holdsLockPath(holds), new Date(now - 50_000), new Date(now - 50_000));
    const lock = await lockHoldsFile(holds, fake({ staleAfterMs: 60_000 }));
    expect(sleeps.reduce((a, b) => a + b, 0)).to.be.at.least(10_000);
    await lock.release();
  });

  it('leaves a lock alone while another process is taking over the same stale lock', async () => {
    lockBy(999_999);
    writeFileSync(`${holdsLockPath(holds)}.break`, '1\n');
    try {
      await lockHoldsFile(holds, fake({ waitMs: 1_000 }));
      expect.fail('the lock was taken while another process was taking it over');
    } catch (error) {
      expect(error).to.be.instanceOf(CancelledError);
    }
  });

  it('refuses to write once another process broke the lock as stale', async () => {
    const lock = await lockHoldsFile(holds, fake());
    lockBy(4242);
    try {
      await lock.confirmHeld();
      expect.fail('a lost lock was confirmed');
    } catch (error) {
      expect(error).to.be.instanceOf(CancelledError);
    }
    await lock.release();
    expect(JSON.parse(readFileSync(holdsLockPath(holds), 'utf8'))).to.include({ token: 'theirs' });
  });
});
