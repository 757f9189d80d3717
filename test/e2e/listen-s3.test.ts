import { expect } from 'chai';
import { expectedMedia } from '../../sandbox';
import { killRunningListeners, RunningListener } from './running-listener';
import { S3World } from './s3-world';
import { TwilioWorld } from './twilio-world';

describe('twilio recordings:callbacks:listen --download-dir s3:// --delete-after-download', function () {
  this.timeout(120_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({ recordings: { count: 0 }, subaccounts: 0 });
  });
  after(async () => {
    await world.close();
  });
  afterEach(() => {
    killRunningListeners();
  });
  // After the hooks above: each test's listeners are stopped before its proxy.
  const s3 = S3World.perTest();

  const env = () => ({ ...world.authTokenEnv, ...s3.env });
  const addRecording = () =>
    world.sandbox.store.addRecording({
      accountSid: world.sandbox.account.sid,
      status: 'completed',
      durationSeconds: 3,
    });
  const listen = () =>
    RunningListener.start(
      world,
      ['--download-dir', s3.url(), '--layout', '{sid}.{ext}', '--delete-after-download'],
      env(),
    );
  const send = (listener: RunningListener, sid: string) =>
    world.run(['recordings:callbacks:send', listener.localUrl, '--recording-sid', sid], { env: env() });

  it('deletes a recording from Twilio once its object is stored and verified, with the intent and outcome in the bucket', async () => {
    const recording = addRecording();
    const listener = await listen();
    expect((await send(listener, recording.sid)).status).to.equal(0);
    await listener.waitForStdout(/deleted from Twilio/);
    const stopped = await listener.stop();
    expect(stopped.status, stopped.stderr).to.equal(0);
    const key = `archive/${recording.sid}.wav`;
    expect(await s3.sha256At(key)).to.equal(expectedMedia(recording, 'wav').sha256);
    expect(world.sandbox.store.getRecording(recording.sid)?.status).to.equal('deleted');
    expect(stopped.stdout).to.include(`${recording.sid} saved to s3://${s3.bucket}/${key}`);
    const events = (await s3.manifestLines()).filter((line) => line.sid === recording.sid).map((line) => line.event);
    expect(events).to.deep.equal(['downloaded', 'delete-intent', 'deleted']);
  });

  it('keeps on Twilio a recording whose upload fails, with no object and no deletion intent', async () => {
    const recording = addRecording();
    s3.proxy.inject({
      operation: 'PutObject',
      nth: [1, 2, 3, 4],
      keyIncludes: recording.sid,
      fault: { kind: 'answer', status: 500, code: 'InternalError' },
    });
    const listener = await listen();
    expect((await send(listener, recording.sid)).status).to.equal(0);
    await listener.waitForStdout(/not downloaded/);
    const stopped = await listener.stop();
    expect(stopped.stdout).to.match(new RegExp(`${recording.sid} not downloaded: .*InternalError`));
    expect(world.sandbox.store.getRecording(recording.sid)?.status).to.equal('completed');
    expect(world.sandbox.counters.deletesPerSid[recording.sid] ?? 0).to.equal(0);
    expect(await s3.mediaKeys()).to.deep.equal([]);
    expect((await s3.manifestLines()).filter((line) => line.sid === recording.sid)).to.deep.equal([]);
  });

  it("settles an earlier listener's open deletion intent from the bucket's manifests before listening", async () => {
    const recording = addRecording();
    const first = await listen();
    const stoppedFirst = await first.stop();
    expect(stoppedFirst.status, stoppedFirst.stderr).to.equal(0);
    // The intent a listener killed between its DELETE and its outcome line leaves, as a run of its own.
    const [runStarted] = (await s3.keys()).filter((key) => key.includes('/.manifests/'));
    const intent = {
      event: 'delete-intent',
      sid: recording.sid,
      accountSid: recording.accountSid,
      callSid: null,
      conferenceSid: null,
      dateCreated: new Date().toISOString(),
      duration: 3,
      archivedPath: `${recording.sid}.wav`,
      at: new Date().toISOString(),
    };
    await s3.putObject(runStarted!.replace(/\d+\.jsonl$/, '999999999.jsonl'), `${JSON.stringify(intent)}\n`);
    world.sandbox.store.deleteRecording(recording.sid);

    const second = await listen();
    const stopped = await second.stop();
    expect(stopped.status, stopped.stderr).to.equal(0);
    expect(stopped.stderr).to.match(/Checked 1 deletion an earlier run left unanswered: 1 deleted, 0 still on Twilio/);
    const outcomes = (await s3.manifestLines()).filter((line) => line.sid === recording.sid);
    expect(outcomes.map((line) => [line.event, line.reconciled])).to.deep.equal([
      ['delete-intent', undefined],
      ['deleted', true],
    ]);
  });
  it('catches up on a recording whose callback was lost, answering /healthz 503 while the bucket refuses it', async () => {
    const recording = world.sandbox.store.addRecording({
      accountSid: world.sandbox.account.sid,
      status: 'completed',
      durationSeconds: 3,
      dateCreated: Date.now() - 2 * 60 * 60_000,
    });
    s3.proxy.inject({
      operation: 'PutObject',
      nth: [1, 2, 3, 4],
      keyIncludes: recording.sid,
      fault: { kind: 'answer', status: 500, code: 'InternalError' },
    });
    const listener = await RunningListener.start(
      world,
      [
        '--download-dir',
        s3.url(),
        '--layout',
        '{sid}.{ext}',
        '--delete-after-download',
        '--catch-up',
        '1h',
        '--settle',
        '1h',
      ],
      env(),
    );
    await listener.waitForStdout(/catch-up .* 1 missing from the archive: 0 saved, 0 deleted, 1 failed/);
    const health = () => fetch(new URL('/healthz', listener.localUrl).href);
    expect((await health()).status).to.equal(503);
    expect(world.sandbox.store.getRecording(recording.sid)?.status).to.equal('completed');

    listener.signal('SIGHUP');
    await listener.waitForStdout(/catch-up .* 1 missing from the archive: 1 saved, 1 deleted, 0 failed/);
    expect((await health()).status).to.equal(200);
    const stopped = await listener.stop();

    expect(stopped.status, stopped.stderr).to.equal(0);
    expect(await s3.sha256At(`archive/${recording.sid}.wav`)).to.equal(expectedMedia(recording, 'wav').sha256);
    expect(world.sandbox.store.getRecording(recording.sid)?.status).to.equal('deleted');
    const events = (await s3.manifestLines()).filter((line) => line.sid === recording.sid).map((line) => line.event);
    expect(events).to.deep.equal(['downloaded', 'delete-intent', 'deleted']);
  });
});
