import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { deletionEntry, deletionIntent, fileDeletionLog } from '../../../src/journal/deletion-log';
import { readJsonLines } from '../../../src/journal/json-lines-file';
import { openIntents, reconcileDeletions } from '../../../src/journal/reconciliation';
import type { Recording } from '../../../src/recordings/recording';
import { aRecording } from '../../unit/recording-fixture';
import { sandboxApi } from '../../support/sandbox-api';
import { DAY } from '../../support/time';

describe('reconcileDeletions', () => {
  let sandbox: Sandbox;
  let dir: string;
  let path: string;

  function addOld(): Recording {
    const added = sandbox.store.addRecording({ dateCreated: Date.now() - 40 * DAY, status: 'completed' });
    return aRecording({ sid: added.sid, accountSid: added.accountSid });
  }

  function lines(): Array<Record<string, unknown>> {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  }

  function write(entries: object[]): void {
    writeFileSync(path, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  }

  beforeEach(async () => {
    sandbox = await startSandbox({ subaccounts: 0 });
    dir = mkdtempSync(join(tmpdir(), 'reconcile-'));
    path = join(dir, 'purge.jsonl');
  });
  afterEach(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the intents that no outcome follows', async () => {
    const [a, b, c] = [addOld(), addOld(), addOld()];
    const at = new Date();
    write([
      deletionIntent(a, at, null),
      deletionEntry(a, 'deleted', at, null),
      deletionIntent(b, at, null),
      { event: 'downloaded', sid: c.sid },
      deletionIntent(c, at, null),
    ]);
    expect((await openIntents(readJsonLines(path))).map((intent) => intent.sid)).to.deep.equal([b.sid, c.sid]);
  });

  it('records what Twilio says of each open intent: deleted, still there, or gone', async () => {
    const [deleted, kept, gone, done] = [addOld(), addOld(), addOld(), addOld()];
    sandbox.store.deleteRecording(deleted.sid);
    sandbox.store.deleteRecording(done.sid);
    const at = new Date();
    const unknown = { ...gone, sid: 'RE' + 'f'.repeat(32) };
    write([
      deletionIntent(deleted, at, 'copy.wav'),
      deletionIntent(kept, at, null),
      deletionIntent(unknown, at, null),
      deletionIntent(done, at, null),
      deletionEntry(done, 'deleted', at, null),
    ]);
    const report = await reconcileDeletions({ api: sandboxApi(sandbox), log: fileDeletionLog(path), maxPending: 2 });
    expect(report).to.include({ deleted: 2, notDeleted: 1, unsettled: 0 });
    const added = lines().slice(5);
    expect(added.find((line) => line.sid === deleted.sid)).to.include({
      event: 'deleted',
      outcome: 'deleted',
      reconciled: true,
      archivedPath: 'copy.wav',
    });
    expect(added.find((line) => line.sid === kept.sid)).to.include({ event: 'not-deleted', reconciled: true });
    expect(added.find((line) => line.sid === unknown.sid)).to.include({ event: 'deleted', outcome: 'already-deleted' });
    expect(await openIntents(readJsonLines(path))).to.deep.equal([]);
    expect(sandbox.store.getRecording(kept.sid)?.status).to.equal('completed');
  });

  it('writes nothing, and creates nothing, when no intent is open', async () => {
    expect(await reconcileDeletions({ api: sandboxApi(sandbox), log: fileDeletionLog(path), maxPending: 2 })).to.equal(
      undefined,
    );
    expect(() => readFileSync(path)).to.throw(/ENOENT/);
  });
});
