import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeletionLog, defaultDeletionLogPath, deletionEntry } from '../../../src/purge/deletion-log';
import type { Recording } from '../../../src/recordings/recording';
import { aRecording } from '../recording-fixture';

function recording(n: number): Recording {
  return aRecording({
    sid: 'RE' + String(n).padStart(32, '0'),
    accountSid: 'AC' + 'a'.repeat(32),
    dateCreated: new Date('2026-01-02T03:04:05Z'),
    duration: 42,
  });
}

describe('DeletionLog', () => {
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
    const log = await DeletionLog.open(path);
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
    const log = await DeletionLog.open(path);
    await log.append(deletionEntry(recording(1), 'deleted', new Date(), null));
    await log.close();
    expect(readFileSync(path, 'utf8').split('\n')[0]).to.equal('{"earlier":true}');
  });
});
