import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwilioWorld } from './twilio-world';

describe('twilio recordings:callbacks:listen --delete-after-download, after a crash', function () {
  this.timeout(60_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 0 });
  });
  after(() => world.close());

  it('settles the deletions an earlier listener sent without recording their answer, before listening', async () => {
    const add = () => world.sandbox.store.addRecording({ accountSid: world.sandbox.account.sid, status: 'completed' });
    const [deleted, kept] = [add(), add()];
    world.sandbox.store.deleteRecording(deleted.sid);
    const dir = join(mkdtempSync(join(tmpdir(), 'listen-reconcile-')), 'downloads');
    mkdirSync(dir);
    const intent = (sid: string) => ({
      event: 'delete-intent',
      sid,
      callSid: null,
      conferenceSid: null,
      accountSid: world.sandbox.account.sid,
      dateCreated: new Date().toISOString(),
      duration: 1,
      archivedPath: `${sid}.wav`,
      at: new Date().toISOString(),
    });
    const manifest = join(dir, 'manifest.jsonl');
    writeFileSync(manifest, `${JSON.stringify(intent(deleted.sid))}\n${JSON.stringify(intent(kept.sid))}\n`);

    const running = world.start(
      ['recordings:callbacks:listen', '--port', '0', '--download-dir', dir, '--delete-after-download'],
      { env: world.authTokenEnv },
    );
    let stderr = '';
    running.child.stderr.on('data', (chunk: string) => (stderr += chunk));
    let exited = false;
    void running.done.then(() => (exited = true));
    while (!exited && !stderr.includes('Press Ctrl-C to stop.')) await new Promise((r) => setTimeout(r, 5));
    running.child.kill('SIGINT');
    const run = await running.done;

    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.match(/Checked 2 deletions an earlier run left unanswered: 1 deleted, 1 still on Twilio/);
    const lines = readFileSync(manifest, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; sid?: string; reconciled?: boolean });
    expect(lines.slice(2).map((line) => [line.event, line.sid])).to.have.deep.members([
      ['deleted', deleted.sid],
      ['not-deleted', kept.sid],
      ['run-started', undefined],
    ]);
    expect(world.sandbox.store.getRecording(kept.sid)?.status).to.equal('completed');
  });
});
