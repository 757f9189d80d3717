import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { completedCallbackParams, killRunningListeners, RunningListener } from './running-listener';
import { TwilioWorld } from './twilio-world';
import { MINUTE } from '../support/time';

interface JsonLine {
  type: string;
  trigger?: string;
  recordingSid?: string;
  outcome?: string;
  deleted?: boolean;
  error?: string;
  scanned?: number;
  missing?: number;
  saved?: number;
}

function jsonLines(stdout: string): JsonLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as JsonLine);
}

/** How many catch-up lines `stdout` holds. */
function scansIn(stdout: string): number {
  return jsonLines(stdout).filter((line) => line.type === 'catch-up').length;
}

function manifestLines(dir: string): Array<{ event: string; sid?: string }> {
  return readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { event: string; sid?: string });
}

describe('twilio recordings:callbacks:listen --catch-up (real twilio binary)', function () {
  this.timeout(90_000);
  let world: TwilioWorld;
  let scratch: string;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 0 });
    scratch = mkdtempSync(join(tmpdir(), 'listen-catch-up-'));
  });
  after(() => world.close());
  afterEach(() => {
    killRunningListeners();
    world.sandbox.setKnobs({ holdAfterRequests: null });
    // Each case starts from an account that lists nothing: a case's dates never move the next one's window.
    for (const recording of world.sandbox.store.recordings(world.sandbox.account.sid)) {
      if (recording.status === 'completed') world.sandbox.store.deleteRecording(recording.sid);
      else recording.status = 'deleted';
    }
  });

  /** A completed recording of the parent account, created `minutesAgo` minutes ago and 5 s long. */
  const addRecording = (minutesAgo: number, status = 'completed') =>
    world.sandbox.store.addRecording({
      accountSid: world.sandbox.account.sid,
      status: status as 'completed',
      durationSeconds: status === 'completed' ? 5 : -1,
      dateCreated: Date.now() - minutesAgo * MINUTE,
    });
  const statusOf = (sid: string) => world.sandbox.store.getRecording(sid)?.status;
  const catchUps = (listener: RunningListener) => jsonLines(listener.stdout).filter((line) => line.type === 'catch-up');

  /** Asks the running listener for a catch-up at once (SIGHUP) and waits for its line. */
  async function catchUpNow(listener: RunningListener): Promise<JsonLine> {
    const before = catchUps(listener).length;
    listener.signal('SIGHUP');
    await listener.waitForStdout((out) => scansIn(out) > before);
    return catchUps(listener)[before]!;
  }

  async function start(dir: string, extra: string[] = []): Promise<RunningListener> {
    const listener = await RunningListener.start(
      world,
      ['--download-dir', dir, '--layout', '{sid}.{ext}', '--catch-up', '1h', '-o', 'json', ...extra],
      world.authTokenEnv,
    );
    // The scan made at start.
    await listener.waitForStdout((out) => scansIn(out) > 0);
    return listener;
  }

  it('archives and deletes, at start, the recordings made while no listener ran; older, recent and unfinished ones stay', async () => {
    const dir = join(scratch, 'at-start');
    const missed = [addRecording(30), addRecording(20)];
    const beforeWindow = addRecording(25 * 60);
    // Completes an hour from now: not settled.
    const settling = world.sandbox.store.addRecording({
      accountSid: world.sandbox.account.sid,
      status: 'completed',
      durationSeconds: 3600,
    });
    const unfinished = addRecording(10, 'in-progress');

    const listener = await start(dir, ['--delete-after-download']);
    const run = await listener.stop();

    expect(run.status, run.stderr).to.equal(0);
    const [scan] = catchUps(listener);
    expect(scan).to.include({ missing: 2, saved: 2, deleted: 2, failed: 0, waiting: 2 });
    for (const recording of missed) {
      expect(existsSync(join(dir, `${recording.sid}.wav`)), recording.sid).to.equal(true);
      expect(statusOf(recording.sid)).to.equal('deleted');
    }
    const downloads = jsonLines(run.stdout).filter((line) => line.type === 'download');
    expect(downloads.map((line) => [line.trigger, line.outcome, line.deleted])).to.deep.equal([
      ['catch-up', 'saved', true],
      ['catch-up', 'saved', true],
    ]);
    for (const kept of [beforeWindow, settling, unfinished]) {
      expect(existsSync(join(dir, `${kept.sid}.wav`)), kept.sid).to.equal(false);
      expect(statusOf(kept.sid)).to.not.equal('deleted');
    }
    expect(run.stderr).to.match(
      /Catching up every 1h on completed recordings the archive lacks, 2m after they complete/,
    );
  });

  it('starts the next run at the newest recording its manifest lists, and catches up a lost callback at the next scan', async () => {
    const dir = join(scratch, 'lost-callback');
    const first = addRecording(15);
    let listener = await start(dir, ['--delete-after-download']);
    await listener.stop();
    expect(statusOf(first.sid)).to.equal('deleted');

    // Older than the newest archived recording by more than the overlap: a restart does not reach back to it.
    const older = addRecording(60);
    listener = await start(dir, ['--delete-after-download']);
    expect(catchUps(listener)[0]).to.include({ missing: 0 });
    // Its callback never reaches the listener (sent to a port nobody listens on): the next scan finds it.
    const lost = addRecording(5);
    const scan = await catchUpNow(listener);
    const run = await listener.stop();

    expect(run.status, run.stderr).to.equal(0);
    expect(scan).to.include({ missing: 1, saved: 1, deleted: 1 });
    expect(existsSync(join(dir, `${lost.sid}.wav`))).to.equal(true);
    expect(statusOf(lost.sid)).to.equal('deleted');
    expect(statusOf(older.sid)).to.equal('completed');
  });

  it("catches up a lost callback's recording when Twilio's clock is an hour behind this machine's", async () => {
    const dir = join(scratch, 'clock-behind');
    // Twilio dates its recordings an hour earlier than this machine's clock reads.
    const first = addRecording(65);
    const listener = await start(dir, ['--delete-after-download']);
    expect(catchUps(listener)[0]).to.include({ missing: 1, saved: 1, deleted: 1 });
    const lost = addRecording(60);
    const scan = await catchUpNow(listener);
    const run = await listener.stop();

    expect(run.status, run.stderr).to.equal(0);
    expect(scan).to.include({ missing: 1, saved: 1, deleted: 1 });
    for (const recording of [first, lost]) {
      expect(existsSync(join(dir, `${recording.sid}.wav`)), recording.sid).to.equal(true);
      expect(statusOf(recording.sid)).to.equal('deleted');
      expect(world.sandbox.counters.mediaFetchesPerSid[recording.sid]).to.equal(1);
    }
  });

  it('deletes, when started with --delete-after-download, what an earlier run saved and left on Twilio, fetching it once', async () => {
    const dir = join(scratch, 'saved-not-deleted');
    const recording = addRecording(10);
    let listener = await start(dir);
    await listener.stop();
    expect(statusOf(recording.sid)).to.equal('completed');

    listener = await start(dir, ['--delete-after-download']);
    const run = await listener.stop();

    expect(run.status, run.stderr).to.equal(0);
    expect(catchUps(listener)[0]).to.include({ missing: 1, saved: 1, deleted: 1 });
    expect(statusOf(recording.sid)).to.equal('deleted');
    expect(world.sandbox.counters.mediaFetchesPerSid[recording.sid]).to.equal(1);
    expect(manifestLines(dir).map((line) => line.event)).to.deep.equal([
      'downloaded',
      'run-started',
      'delete-intent',
      'deleted',
    ]);
  });

  it('loses nothing when killed (SIGKILL) during a scan: the next start archives and deletes it once', async () => {
    const dir = join(scratch, 'killed');
    let listener = await start(dir, ['--delete-after-download']);
    const recording = addRecording(5);
    world.sandbox.resetCounters();
    world.sandbox.setKnobs({ holdAfterRequests: 0 });
    listener.signal('SIGHUP');
    await waitUntil(() => world.sandbox.counters.held >= 1, 'the scan held');
    await listener.stop('SIGKILL');
    world.sandbox.setKnobs({ holdAfterRequests: null });

    listener = await start(dir, ['--delete-after-download']);
    const run = await listener.stop();

    expect(run.status, run.stderr).to.equal(0);
    expect(statusOf(recording.sid)).to.equal('deleted');
    expect(world.sandbox.counters.mediaFetchesPerSid[recording.sid]).to.equal(1);
    expect(world.sandbox.counters.deletesPerSid[recording.sid]).to.equal(1);
  });

  it('archives a held recording and keeps it on Twilio', async () => {
    const dir = join(scratch, 'held');
    const holds = join(scratch, 'holds.json');
    const held = addRecording(10);
    const added = await world.run([
      'recordings:holds:add',
      '--sid',
      held.sid,
      '--reason',
      'litigation',
      '--holds',
      holds,
    ]);
    expect(added.status, added.stderr).to.equal(0);

    const listener = await start(dir, ['--delete-after-download', '--holds', holds]);
    const run = await listener.stop();

    expect(run.status, run.stderr).to.equal(0);
    expect(existsSync(join(dir, `${held.sid}.wav`))).to.equal(true);
    expect(statusOf(held.sid)).to.equal('completed');
    const download = jsonLines(run.stdout).find((line) => line.recordingSid === held.sid);
    expect(download).to.include({ outcome: 'saved', deleted: false });
    expect(download?.error).to.match(/not deleted: held/);
    expect(world.sandbox.counters.deletesPerSid[held.sid] ?? 0).to.equal(0);
  });

  it('saves and deletes once a recording whose callback and catch-up meet', async () => {
    const dir = join(scratch, 'race');
    const listener = await start(dir, ['--delete-after-download']);
    const raced = addRecording(5);
    world.sandbox.resetCounters();
    // Every request to Twilio waits from here on, so the callback's archive and the scan are both under way at once.
    world.sandbox.setKnobs({ holdAfterRequests: 0 });
    const params = completedCallbackParams(world.sandbox.account.sid, {
      RecordingSid: raced.sid,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${raced.accountSid}/Recordings/${raced.sid}`,
    });
    const signature = twilio.getExpectedTwilioSignature(world.sandbox.account.authToken, listener.localUrl, params);
    const sent = await fetch(listener.localUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    expect(sent.status).to.equal(204);
    const before = catchUps(listener).length;
    listener.signal('SIGHUP');
    await waitUntil(() => world.sandbox.counters.held >= 2, 'both requests held');
    world.sandbox.setKnobs({ holdAfterRequests: null });
    await listener.waitForStdout((out) => scansIn(out) > before);
    await listener.waitForStdout(/"type":"download"/);
    const run = await listener.stop();

    expect(run.status, run.stderr).to.equal(0);
    expect(world.sandbox.counters.mediaFetchesPerSid[raced.sid]).to.equal(1);
    expect(world.sandbox.counters.deletesPerSid[raced.sid]).to.equal(1);
    expect(statusOf(raced.sid)).to.equal('deleted');
    const downloads = jsonLines(run.stdout).filter((line) => line.type === 'download');
    expect(downloads).to.have.length(1);
    expect(downloads[0]).to.include({ recordingSid: raced.sid, outcome: 'saved', deleted: true });
    const lines = manifestLines(dir).filter((line) => line.sid === raced.sid);
    expect(lines.map((line) => line.event)).to.deep.equal(['downloaded', 'delete-intent', 'deleted']);
  });

  it('answers /healthz with counts and times only, and 503 once the folder stops accepting files', async () => {
    const dir = join(scratch, 'health');
    const first = addRecording(10);
    const listener = await start(dir);
    const healthUrl = new URL('/healthz', listener.localUrl).href;

    const healthy = await fetch(healthUrl);
    const body = await healthy.text();
    expect(healthy.status, body).to.equal(200);
    expect(healthy.headers.get('content-type')).to.equal('application/json');
    const health = JSON.parse(body) as Record<string, any>;
    expect(health).to.include({ status: 'ok', state: 'listening' });
    expect(health.uptimeSeconds).to.be.a('number');
    expect(health.callbacks).to.include({ received: 0, verified: 0, rejected: 0, last: null });
    expect(health.recordings).to.include({ saved: 1, deleted: 0, failed: 0 });
    expect(health.catchUp.last).to.include({ ok: true, missing: 1, saved: 1 });
    for (const secret of [world.sandbox.account.sid, world.sandbox.account.authToken, first.sid, dir, scratch]) {
      expect(body).to.not.include(secret);
    }
    expect(body).to.not.match(/RE[0-9a-f]{32}|AC[0-9a-f]{32}|https?:\/\//);

    // The folder is moved away and a file stands in its place: the next save cannot be written.
    renameSync(dir, `${dir}-moved`);
    writeFileSync(dir, 'not a folder\n');
    const next = addRecording(5);
    const scan = await catchUpNow(listener);
    expect(scan).to.include({ missing: 1, failed: 1 });
    const failing = await fetch(healthUrl);
    const failingBody = JSON.parse(await failing.text()) as Record<string, any>;
    expect(failing.status).to.equal(503);
    expect(failingBody).to.include({ status: 'failing' });
    expect(failingBody.problems).to.deep.equal(['the destination refused a write']);
    expect(failingBody.recordings).to.include({ failed: 1, waiting: 1 });
    expect(statusOf(next.sid)).to.equal('completed');
    const run = await listener.stop();
    expect(run.status, run.stderr).to.equal(0);
  });
});

async function waitUntil(done: () => boolean, what: string): Promise<void> {
  for (let tries = 0; !done(); tries += 1) {
    if (tries > 400) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
