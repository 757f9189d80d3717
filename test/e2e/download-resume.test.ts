import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTree, expectedSha256, filesUnder, manifestLines, sha256Of } from './download-tree';
import { REPO_ROOT, TWILIO_BIN, TwilioWorld } from './twilio-world';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('twilio recordings:download after being killed', function () {
  this.timeout(180_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({
      recordings: {
        count: 120,
        statusMix: { completed: 1 },
        minDurationSeconds: 2,
        maxDurationSeconds: 6,
        seed: 21,
      },
      subaccounts: 0,
    });
  });

  after(() => world.close());

  it('completes the set on the next run without fetching again what was complete', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'download-resume-')), 'out');
    const args = ['recordings:download', '--output-dir', root, '--concurrency', '3'];

    // First run: the sandbox answers its listing and 24 media requests, then holds the rest, so the
    // kill comes after at least 20 files are complete and before the last, however fast the machine.
    world.sandbox.setKnobs({ holdAfterRequests: 25 });
    const child = spawn(TWILIO_BIN, args, {
      env: world.environment(world.authTokenEnv),
      cwd: REPO_ROOT,
      detached: true,
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let waited = 0; manifestLines(root).length < 20; waited += 20) {
      if (waited > 60_000) throw new Error('the first run saved nothing within a minute');
      await sleep(20);
    }
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    world.sandbox.setKnobs({ holdAfterRequests: null });

    const completeAfterKill = manifestLines(root).filter(
      (line) =>
        existsSync(join(root, line.path)) &&
        sha256Of(join(root, line.path)) === expectedSha256(world.sandbox, line.sid, 'wav'),
    );
    const all = world.sandbox.store.recordings();
    expect(completeAfterKill.length).to.be.within(20, all.length - 1);
    // Whatever the kill interrupted, no partial file stands under a final name.
    expect(checkTree(world.sandbox, root).problems.filter((problem) => !problem.includes('.part-'))).to.deep.equal([]);

    // A temporary file as the killed run would leave one mid-download (it may have left some itself).
    const name = completeAfterKill[0]!.path.split('/').pop()!;
    mkdirSync(join(root, '.partial'), { recursive: true });
    const planted = join(root, '.partial', `${name}.part-${child.pid}-0badc0de`);
    writeFileSync(planted, 'RIFF');

    const { counters } = world.sandbox;
    const fetchesAfterKill = { ...counters.mediaFetchesPerSid };
    const mediaRequestsAfterKill = counters.requests.media;
    const second = await world.run(args, { env: world.authTokenEnv });
    expect(second.status, second.stderr).to.equal(0);

    const tree = checkTree(world.sandbox, root);
    expect(tree.problems).to.deep.equal([]);
    expect(tree.sids.sort()).to.deep.equal(all.map((r) => r.sid).sort());
    expect(filesUnder(root).filter((file) => file.includes('.part-'))).to.deep.equal([]);
    expect(existsSync(planted)).to.equal(false);
    expect(existsSync(join(root, '.partial')), 'the emptied temporary folder').to.equal(false);
    // The second run asked for the media of exactly the recordings that were not complete.
    expect(counters.requests.media - mediaRequestsAfterKill).to.equal(all.length - completeAfterKill.length);
    for (const line of completeAfterKill) {
      expect(counters.mediaFetchesPerSid[line.sid] ?? 0, line.sid).to.equal(fetchesAfterKill[line.sid] ?? 0);
    }
    expect(second.stderr).to.match(new RegExp(`${completeAfterKill.length} already present; 0 failed`));
  });
});
