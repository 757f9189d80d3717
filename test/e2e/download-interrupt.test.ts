import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTree, manifestLines } from './download-tree';
import { TwilioWorld } from './twilio-world';

describe('twilio recordings:download, interrupted', function () {
  this.timeout(120_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({
      recordings: { count: 60, statusMix: { completed: 1 }, minDurationSeconds: 2, maxDurationSeconds: 4, seed: 5 },
      subaccounts: 0,
      knobs: { latencyMs: 40 },
    });
  });
  after(() => world.close());

  it('on Ctrl-C, finishes the downloads under way, prints the summary and exits 3; the next run completes the set', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'download-interrupt-')), 'out');
    const args = ['recordings:download', '--output-dir', root, '--concurrency', '4', '-o', 'json'];
    const running = world.start(args, { env: world.authTokenEnv });
    let exited = false;
    void running.done.then(() => (exited = true));
    while (!exited && world.sandbox.counters.requests.media < 12) await new Promise((r) => setTimeout(r, 1));
    running.child.kill('SIGINT');
    const run = await running.done;

    expect(run.status, run.stderr).to.equal(3);
    expect(run.stderr).to.match(/Downloaded \d+ recordings?/);
    expect(run.stderr).to.match(/Download stopped on request/);
    const results = JSON.parse(run.stdout) as Array<{ sid: string; outcome: string }>;
    const saved = manifestLines(root).map((line) => line.sid);
    expect(saved.length).to.be.within(12, 59);
    expect(results.filter((r) => r.outcome === 'downloaded').map((r) => r.sid)).to.have.members(saved);
    // Every download under way finished: nothing partial is left, and every file is whole.
    expect(checkTree(world.sandbox, root).problems).to.deep.equal([]);

    const rerun = await world.run(args.slice(0, -2), { env: world.authTokenEnv });
    expect(rerun.status, rerun.stderr).to.equal(0);
    expect(checkTree(world.sandbox, root).sids).to.have.length(60);
  });
});
