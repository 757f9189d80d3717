import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError } from '../../../src/errors';
import { lockAccount } from '../../../src/purge/account-lock';

const ACCOUNT = 'AC' + '1'.repeat(32);

describe('account lock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const path = () => join(dir, `purge-${ACCOUNT}.lock`);

  it('lets one run at a time take an account, and frees it on release', async () => {
    const lock = await lockAccount(dir, ACCOUNT);
    try {
      await lockAccount(dir, ACCOUNT);
      expect.fail('a second lock was taken');
    } catch (error) {
      expect(error).to.be.instanceOf(CancelledError);
      expect((error as Error).message).to.include(
        `Another purge of account ${ACCOUNT} is running (process ${process.pid}`,
      );
    }
    await lock.release();
    expect(existsSync(path())).to.equal(false);
    await (await lockAccount(dir, ACCOUNT)).release();
  });

  it('takes over a lock without its owner line once it is old', async () => {
    writeFileSync(path(), '');
    const lock = await lockAccount(dir, ACCOUNT, new Date(statSync(path()).mtimeMs + 120_000));
    await lock.release();
    expect(existsSync(path())).to.equal(false);
  });

  it('takes over a lock whose process is no longer running', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(path(), JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    const lock = await lockAccount(dir, ACCOUNT);
    await lock.release();
  });

  it('respects a lock of another machine sharing the folder', async () => {
    writeFileSync(path(), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00Z' }));
    try {
      await lockAccount(dir, ACCOUNT);
      expect.fail('the lock was taken');
    } catch (error) {
      expect((error as Error).message).to.include('on elsewhere');
    }
  });

  it('treats a lock without its owner line, just created, as one being taken', async () => {
    writeFileSync(path(), '');
    try {
      // A second after it was created, by the file's own clock.
      await lockAccount(dir, ACCOUNT, new Date(statSync(path()).mtimeMs + 1000));
      expect.fail('the lock was taken');
    } catch (error) {
      expect((error as Error).message).to.match(/is starting/);
    }
  });
});
