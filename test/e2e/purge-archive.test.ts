import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMedia, type Recording as SandboxRecording } from '../../sandbox';
import { TWILIO_BIN, TwilioWorld } from './twilio-world';
import { DAY } from '../support/time';

interface ManifestLine {
  event: string;
  sid: string;
  path?: string;
  archivedPath?: string | null;
}

function manifestLines(archiveDir: string): ManifestLine[] {
  const path = join(archiveDir, 'manifest.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as ManifestLine];
      } catch {
        return [];
      }
    });
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Old recordings with short media, spread over the parent account only. */
function seededWorld(count: number, knobs = {}): Promise<TwilioWorld> {
  return TwilioWorld.start({
    subaccounts: 0,
    recordings: {
      count,
      minDurationSeconds: 1,
      maxDurationSeconds: 6,
      from: Date.now() - 300 * DAY,
      to: Date.now() - 40 * DAY,
    },
    knobs,
  });
}

describe('twilio recordings:purge --archive-dir', function () {
  this.timeout(240_000);
  let world: TwilioWorld;
  let archiveDir: string;
  /** Each recording's status before the purge. */
  let statusBefore: Map<string, string>;

  const recordings = (): SandboxRecording[] => world.sandbox.store.recordings(undefined, { includeDeleted: true });
  const initiallyCompleted = () => recordings().filter((r) => statusBefore.get(r.sid) === 'completed');

  /** Every recording this purge deleted has a complete copy: the file's bytes hash as the sandbox's media. */
  function expectEveryDeletionArchived(): number {
    const downloaded = new Map(
      manifestLines(archiveDir)
        .filter((line) => line.event === 'downloaded')
        .map((line) => [line.sid, line.path!]),
    );
    let deleted = 0;
    for (const recording of initiallyCompleted()) {
      if (recording.status !== 'deleted') continue;
      deleted += 1;
      const path = downloaded.get(recording.sid);
      expect(path, `${recording.sid} was deleted without a manifest entry for its copy`).to.be.a('string');
      const file = join(archiveDir, ...path!.split('/'));
      expect(existsSync(file), `${recording.sid} was deleted without its file`).to.equal(true);
      expect(sha256(file), `${recording.sid}'s copy differs from its media`).to.equal(
        expectedMedia(recording, 'wav').sha256,
      );
    }
    return deleted;
  }

  function expectOthersUntouched(): void {
    for (const recording of recordings()) {
      if (statusBefore.get(recording.sid) !== 'completed')
        expect(recording.status).to.equal(statusBefore.get(recording.sid));
    }
  }

  beforeEach(() => {
    archiveDir = join(mkdtempSync(join(tmpdir(), 'purge-archive-')), 'archive');
  });
  afterEach(async () => {
    await world?.close();
    rmSync(join(archiveDir, '..'), { recursive: true, force: true });
  });

  it('under errors, dropped connections, truncated media and 429 bursts, deletes nothing without a verified copy', async () => {
    world = await seededWorld(160, {
      errorRate: 0.05,
      dropRate: 0.02,
      truncateRate: 0.02,
      throttleBursts: { every: 40, length: 4 },
      concurrencyCap: 6,
      faultSeed: 7,
    });
    statusBefore = new Map(recordings().map((r) => [r.sid, r.status]));
    const run = await world.run(
      [
        'recordings:purge',
        '--older-than',
        '30d',
        '--force',
        '--archive-dir',
        archiveDir,
        '--concurrency',
        '10',
        '-o',
        'json',
      ],
      { env: world.authTokenEnv, timeoutMs: 200_000 },
    );
    const counters = world.sandbox.counters;
    expect(counters.errorsInjected + counters.dropped, 'faults were injected').to.be.greaterThan(0);
    expect(counters.truncated, 'media was truncated').to.be.greaterThan(0);
    expect(counters.throttled, 'requests were throttled').to.be.greaterThan(0);

    const results = JSON.parse(run.stdout) as Array<{
      sid: string;
      outcome: string;
      error: string | null;
      archivedPath: string | null;
    }>;
    const bySid = new Map(results.map((result) => [result.sid, result]));
    const deleted = expectEveryDeletionArchived();
    expect(deleted).to.be.greaterThan(0);
    for (const recording of initiallyCompleted()) {
      const result = bySid.get(recording.sid);
      if (recording.status === 'deleted') {
        expect(result?.outcome).to.be.oneOf(['deleted', 'already-deleted']);
      } else {
        // Left in place: it must have been reported as failed.
        expect(recording.status).to.equal('completed');
        expect(result?.outcome, `${recording.sid} was neither deleted nor reported`).to.equal('failed');
        expect(result?.error).to.be.a('string');
      }
    }
    expectOthersUntouched();
    const failed = results.filter((result) => result.outcome === 'failed').length;
    expect(run.status, run.stderr).to.equal(failed > 0 ? 1 : 0);
    const loggedDeletions = manifestLines(archiveDir).filter((line) => line.event === 'deleted');
    expect(loggedDeletions.map((line) => line.sid)).to.have.members(
      results.filter((r) => r.outcome === 'deleted' || r.outcome === 'already-deleted').map((r) => r.sid),
    );
  });

  it('leaves in place, and reports, every recording whose copy keeps failing (exit 1)', async () => {
    world = await seededWorld(6, { truncateRate: 1, truncateStyle: 'chunked-clean' });
    statusBefore = new Map(recordings().map((r) => [r.sid, r.status]));
    const run = await world.run(['recordings:purge', '--older-than', '30d', '--force', '--archive-dir', archiveDir], {
      env: world.authTokenEnv,
      timeoutMs: 200_000,
    });
    expect(run.status, run.stderr).to.equal(1);
    const completed = initiallyCompleted();
    expect(completed.length).to.be.greaterThan(0);
    for (const recording of completed) expect(recording.status).to.equal('completed');
    expect(world.sandbox.counters.requests.delete).to.equal(0);
    expect(run.stderr).to.include(
      `${completed.length} recording${completed.length === 1 ? '' : 's'} not deleted because the archive copy failed`,
    );
    for (const recording of completed)
      expect(run.stderr).to.match(new RegExp(`${recording.sid}: archive failed, not deleted: `));
    expect(manifestLines(archiveDir).filter((line) => line.event === 'deleted')).to.deep.equal([]);
  });

  it('killed with SIGKILL half-way, then run again, completes with every copy whole and none deleted before its copy', async () => {
    world = await seededWorld(150);
    statusBefore = new Map(recordings().map((r) => [r.sid, r.status]));
    const args = [
      'recordings:purge',
      '--older-than',
      '30d',
      '--force',
      '--archive-dir',
      archiveDir,
      '--concurrency',
      '4',
    ];

    // The sandbox answers 100 requests, then holds the rest: the kill comes after some deletions and before the last.
    world.sandbox.setKnobs({ holdAfterRequests: 100 });
    const child = spawn(TWILIO_BIN, args, {
      env: world.environment(world.authTokenEnv),
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const deadline = Date.now() + 90_000;
    while (manifestLines(archiveDir).filter((line) => line.event === 'deleted').length < 20) {
      if (Date.now() > deadline) throw new Error('the purge logged no deletions in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    world.sandbox.setKnobs({ holdAfterRequests: null });

    const deletedBeforeKill = expectEveryDeletionArchived();
    expect(deletedBeforeKill).to.be.greaterThan(0);
    expect(deletedBeforeKill, 'the kill came before the end').to.be.lessThan(initiallyCompleted().length);

    const rerun = await world.run(args, { env: world.authTokenEnv, timeoutMs: 200_000 });
    expect(rerun.status, rerun.stderr).to.equal(0);
    expect(expectEveryDeletionArchived()).to.equal(initiallyCompleted().length);
    expectOthersUntouched();
    expect(
      filesUnder(archiveDir).filter((file) => file.includes('.part-')),
      'temporary files left',
    ).to.deep.equal([]);
    const downloaded = manifestLines(archiveDir).filter((line) => line.event === 'downloaded');
    for (const line of downloaded) {
      const recording = world.sandbox.store.getRecording(line.sid)!;
      expect(sha256(join(archiveDir, ...line.path!.split('/')))).to.equal(expectedMedia(recording, 'wav').sha256);
    }
  });
});
