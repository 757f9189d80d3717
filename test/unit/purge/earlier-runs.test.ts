import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, TwilioApiError } from '../../../src/errors';
import { deletionIntent } from '../../../src/journal/deletion-log';
import { settleEarlierRuns } from '../../../src/purge/earlier-runs';
import { MemoryArchive, SaidLines } from '../../support/purge-fakes';
import { aRecording } from '../recording-fixture';

const AT = new Date('2026-03-01T00:00:00Z');
const gone = aRecording({ sid: 'RE' + '1'.repeat(32) });
const kept = aRecording({ sid: 'RE' + '2'.repeat(32) });

/** Twilio as reconciliation asks it: `gone` answers 404, `kept` is still completed. */
const api = {
  getJson: async <T>(path: string): Promise<T> => {
    if (path.includes(gone.sid)) throw new TwilioApiError('not found', 404, 20404);
    return { sid: kept.sid, account_sid: kept.accountSid, status: 'completed', date_created: AT.toUTCString() } as T;
  },
};

function jsonLines(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('settleEarlierRuns', () => {
  let dir: string;
  let said: SaidLines;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'earlier-runs-'));
    said = new SaidLines();
  });

  const settle = (logs: Parameters<typeof settleEarlierRuns>[0]) =>
    settleEarlierRuns(logs, { api, concurrency: 2, clock: () => AT, info: said.say.info });

  it('records what Twilio says of each intent an earlier run left unanswered, and says so', async () => {
    const path = join(dir, 'purge.jsonl');
    writeFileSync(
      path,
      [deletionIntent(gone, AT, null), deletionIntent(kept, AT, null)].map((l) => `${JSON.stringify(l)}\n`).join(''),
    );
    await settle({ deletionLogPath: path, earlierDeletionLogs: [] });
    const outcomes = jsonLines(path).slice(2);
    expect(outcomes.map((line) => [line.sid, line.event])).to.deep.equal([
      [gone.sid, 'deleted'],
      [kept.sid, 'not-deleted'],
    ]);
    expect(said.info).to.deep.equal([
      `Checked 2 deletions an earlier run left unanswered: 1 deleted, 1 still on Twilio; recorded in ${path}.`,
    ]);
  });

  it('settles the earlier days’ default logs too, each once', async () => {
    const earlier = join(dir, 'purge-2026-02-28.jsonl');
    const today = join(dir, 'purge-2026-03-01.jsonl');
    writeFileSync(earlier, `${JSON.stringify(deletionIntent(gone, AT, null))}\n`);
    await settle({ deletionLogPath: today, earlierDeletionLogs: [earlier, today] });
    expect(jsonLines(earlier).map((line) => line.event)).to.deep.equal(['delete-intent', 'deleted']);
    expect(said.info).to.have.length(1);
  });

  it('says nothing of a log without open intents', async () => {
    await settle({ deletionLogPath: join(dir, 'none-yet.jsonl'), earlierDeletionLogs: [] });
    expect(said.info).to.deep.equal([]);
  });

  it("settles an archive's manifest in place of the deletion log files", async () => {
    const archive = new MemoryArchive();
    archive.lines.push(deletionIntent(gone, AT, 'copy.wav'));
    const path = join(dir, 'purge.jsonl');
    writeFileSync(path, `${JSON.stringify(deletionIntent(kept, AT, null))}\n`);
    await settle({ archiveLog: archive.deletionLog, deletionLogPath: path, earlierDeletionLogs: [] });
    expect(archive.lines.map((line) => line.event)).to.deep.equal(['delete-intent', 'deleted']);
    expect(jsonLines(path)).to.have.length(1);
  });

  it('refuses a log it cannot read (exit 2)', async () => {
    const unreadable = {
      path: 'memory://archive/manifest.jsonl',
      // eslint-disable-next-line require-yield
      lines: async function* () {
        throw new Error('EIO: i/o error');
      },
      openWriter: () => Promise.reject(new Error('not reached')),
    };
    const error = await settle({
      archiveLog: unreadable,
      deletionLogPath: join(dir, 'purge.jsonl'),
      earlierDeletionLogs: [],
    }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as Error).message).to.equal(
      'Cannot settle the unanswered deletions in memory://archive/manifest.jsonl: EIO: i/o error. Check the file, then try again.',
    );
  });

  it('passes on an error of its own kind as it is', async () => {
    const path = dir;
    const error = await settle({ deletionLogPath: path, earlierDeletionLogs: [] }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as Error).message).to.match(/^Cannot use /);
  });
});
