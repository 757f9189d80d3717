import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeletionLogFile,
  DeletionLogError,
  defaultDeletionLogPath,
  defaultDeletionLogs,
  deletionEntry,
} from '../../../src/journal/deletion-log';
import type { Recording } from '../../../src/recordings/recording';
import { aRecording } from '../recording-fixture';
import { WriteAheadDeleter } from '../../../src/journal/write-ahead-deleter';

function recording(n: number): Recording {
  return aRecording({
    sid: 'RE' + String(n).padStart(32, '0'),
    accountSid: 'AC' + 'a'.repeat(32),
    dateCreated: new Date('2026-01-02T03:04:05Z'),
    duration: 42,
  });
}

describe('DeletionLogFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deletion-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names a dated file in the data folder', () => {
    expect(defaultDeletionLogPath('/data/recordings', new Date('2026-11-21T23:59:00Z'))).to.equal(
      '/data/recordings/purge-2026-11-21.jsonl',
    );
  });

  it('appends one JSON line per deletion, in a 0700 folder and a 0600 file, each on disk when append resolves', async () => {
    const path = join(dir, 'nested', 'purge.jsonl');
    const log = await DeletionLogFile.open(path);
    const deletedAt = new Date('2026-11-21T12:00:00Z');
    await log.append(deletionEntry(recording(1), 'deleted', deletedAt, '2026-01-02/RE1.wav'));
    expect(readFileSync(path, 'utf8').split('\n')).to.have.length(2);
    await Promise.all(
      [2, 3, 4, 5].map((n) => log.append(deletionEntry(recording(n), 'already-deleted', deletedAt, null))),
    );
    await log.close();

    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).to.have.length(5);
    expect(lines[0]).to.deep.equal({
      event: 'deleted',
      outcome: 'deleted',
      sid: recording(1).sid,
      callSid: recording(1).callSid,
      conferenceSid: null,
      accountSid: recording(1).accountSid,
      dateCreated: '2026-01-02T03:04:05.000Z',
      duration: 42,
      deletedAt: '2026-11-21T12:00:00.000Z',
      archivedPath: '2026-01-02/RE1.wav',
    });
    expect(lines.slice(1).map((line) => line.outcome)).to.deep.equal(Array(4).fill('already-deleted'));
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).to.equal(0o700);
  });

  it('keeps what an earlier run wrote', async () => {
    const path = join(dir, 'purge.jsonl');
    writeFileSync(path, '{"earlier":true}\n');
    const log = await DeletionLogFile.open(path);
    await log.append(deletionEntry(recording(1), 'deleted', new Date(), null));
    await log.close();
    expect(readFileSync(path, 'utf8').split('\n')[0]).to.equal('{"earlier":true}');
  });

  it('refuses a folder, a link or a device before creating anything', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const link = join(dir, 'link.jsonl');
    symlinkSync(join(dir, 'target.jsonl'), link);
    for (const [path, what] of [
      [folder, 'a folder'],
      [link, 'a symbolic link'],
      ['/dev/full', 'not a regular file'],
    ] as const) {
      let error: Error | undefined;
      await DeletionLogFile.check(path).catch((caught: Error) => (error = caught));
      expect(error?.message, path).to.include(`it is ${what}`);
    }
    await DeletionLogFile.check(join(dir, 'new.jsonl'));
    expect(() => statSync(join(dir, 'new.jsonl'))).to.throw(/ENOENT/);
  });

  it('lists the dated default logs, oldest first', async () => {
    for (const name of ['purge-2026-11-02.jsonl', 'purge-2026-10-30.jsonl', 'notes.txt', 'purge-x.jsonl']) {
      writeFileSync(join(dir, name), '');
    }
    expect(await defaultDeletionLogs(dir)).to.deep.equal([
      join(dir, 'purge-2026-10-30.jsonl'),
      join(dir, 'purge-2026-11-02.jsonl'),
    ]);
    expect(await defaultDeletionLogs(join(dir, 'missing'))).to.deep.equal([]);
  });

  it('fails to start a run, before any DELETE, when the log cannot take a line', async () => {
    const deleter = new WriteAheadDeleter({
      path: '/full/log.jsonl',
      append: () => Promise.reject(new Error('ENOSPC: no space left on device')),
    });
    let error: Error | undefined;
    await deleter.start('purge').catch((caught: Error) => (error = caught));
    expect(error).to.be.instanceOf(DeletionLogError);
    expect(error?.message).to.match(/Cannot write the deletion log \/full\/log\.jsonl: ENOSPC.*Nothing was deleted/);
  });
});
