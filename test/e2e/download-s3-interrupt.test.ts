import { expect } from 'chai';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMedia } from '../../sandbox';
import { S3World } from './s3-world';
import { TwilioWorld } from './twilio-world';

describe('twilio recordings:download --output-dir s3://, interrupted', function () {
  this.timeout(120_000);
  let world: TwilioWorld;
  const s3 = S3World.perTest();

  before(async () => {
    world = await TwilioWorld.start({
      recordings: { count: 60, statusMix: { completed: 1 }, minDurationSeconds: 2, maxDurationSeconds: 4, seed: 6 },
      subaccounts: 0,
      knobs: { latencyMs: 40 },
    });
  });
  after(async () => {
    await world.close();
  });

  it('on Ctrl-C, finishes the uploads under way, lists each in the manifest, leaves no spool and exits 3; the next run completes the set', async () => {
    const spoolRoot = mkdtempSync(join(tmpdir(), 'spool-root-'));
    const env = { ...world.authTokenEnv, ...s3.env, TMPDIR: spoolRoot };
    const args = ['recordings:download', '--output-dir', s3.url(), '--concurrency', '4', '-o', 'json'];
    const running = world.start(args, { env });
    let exited = false;
    void running.done.then(() => (exited = true));
    while (!exited && world.sandbox.counters.requests.media < 12) await new Promise((r) => setTimeout(r, 1));
    running.child.kill('SIGINT');
    const run = await running.done;

    expect(run.status, run.stderr).to.equal(3);
    expect(run.stderr).to.match(/Download stopped on request/);
    const results = JSON.parse(run.stdout) as Array<{ sid: string; path: string; outcome: string }>;
    const downloaded = results.filter((result) => result.outcome === 'downloaded');
    expect(downloaded.length).to.be.within(12, 59);
    const listed = (await s3.manifestLines()).filter((line) => line.event === 'downloaded').map((line) => line.sid);
    expect(listed).to.have.members(downloaded.map((result) => result.sid));
    // Every object stored is whole, and is one of those reported.
    const keys = await s3.mediaKeys();
    expect(keys).to.have.members(downloaded.map((result) => `archive/${result.path}`));
    for (const result of downloaded) {
      const media = expectedMedia(world.sandbox.store.getRecording(result.sid)!, 'wav');
      expect(await s3.sha256At(`archive/${result.path}`), result.sid).to.equal(media.sha256);
    }
    expect(readdirSync(spoolRoot)).to.deep.equal([]);

    const rerun = await world.run(args.slice(0, -2), { env });
    expect(rerun.status, rerun.stderr).to.equal(0);
    expect(await s3.mediaKeys()).to.have.length(60);
  });
});
