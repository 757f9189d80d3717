import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { ManifestIndex } from '../src/media/manifest';
import { TwilioWorld } from '../test/e2e/twilio-world';
import { completedParams } from '../test/unit/callbacks/callback-fixtures';
import { startListen } from './callbacks';
import { row, type BenchRow } from './measure';

/** Compressed hours: each round is an hour of calls, its callbacks, and the catch-up scan that follows. */
const ROUNDS = Number(process.env.ALWAYS_ON_ROUNDS ?? 12);
const PER_ROUND = Number(process.env.ALWAYS_ON_PER_ROUND ?? 1000);
/** One callback in this many is lost on the way, for the scan to find. */
const LOST_EVERY = 10;
const IN_FLIGHT = 20;

interface Sample {
  rssMb: number;
  openFiles: number;
  manifestLoadMs: number;
}

function sample(pid: number, manifest: string): Promise<Sample> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  const openFiles = readdirSync(`/proc/${pid}/fd`).length;
  const started = process.hrtime.bigint();
  return ManifestIndex.load(manifest, 'wav').then(() => ({
    rssMb: rssKb / 1024,
    openFiles,
    manifestLoadMs: Number(process.hrtime.bigint() - started) / 1e6,
  }));
}

/** POSTs a signed `completed` callback for each sid, `IN_FLIGHT` at a time. */
async function sendCallbacks(url: string, signedFor: string, token: string, accountSid: string, sids: string[]) {
  let next = 0;
  const worker = async () => {
    while (next < sids.length) {
      const sid = sids[next++]!;
      const params = completedParams({
        AccountSid: accountSid,
        RecordingSid: sid,
        RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${sid}`,
      });
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilio.getExpectedTwilioSignature(token, signedFor, params),
        },
        body: new URLSearchParams(params).toString(),
      });
      if (response.status !== 204) throw new Error(`callback answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

interface Health {
  recordings: { saved: number; deleted: number; failed: number };
  catchUp: { last: { finishedAt: string; missing: number } | null };
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(url)).json()) as Health;
}

async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The always-on archiver over many compressed hours: RSS, open files and the manifest's load time
 * at the end against the run's start, every recording archived and deleted once, and what a scan
 * that finds nothing new costs in list pages.
 */
export async function alwaysOnBenchmarks(): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 0 });
  const { sid: accountSid, authToken: token } = world.sandbox.account;
  const scratch = mkdtempSync(join(tmpdir(), 'bench-always-on-'));
  const dir = join(scratch, 'archive');
  const manifest = join(dir, 'manifest.jsonl');
  try {
    const listener = await startListen(world, [
      '--download-dir',
      dir,
      '--layout',
      '{sid}.{ext}',
      '--delete-after-download',
      '--catch-up',
      '1h',
      '-o',
      'none',
    ]);
    const healthUrl = new URL('/healthz', listener.localUrl).href;
    await until(async () => (await health(healthUrl)).catchUp.last !== null, 'the first scan');
    const pid = listener.child.pid!;
    const all: string[] = [];
    let atStart: Sample | undefined;
    let missedByCallbacks = 0;
    let foundByScans = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const sids = Array.from({ length: PER_ROUND }, () =>
        world.sandbox.store.addRecording({
          accountSid,
          status: 'completed',
          durationSeconds: 5,
          // Settled (2 minutes), and well inside the overlap with the scan before.
          dateCreated: Date.now() - 5 * 60_000,
        }),
      ).map((recording) => recording.sid);
      all.push(...sids);
      const delivered = sids.filter((_sid, index) => index % LOST_EVERY !== 0);
      missedByCallbacks += sids.length - delivered.length;
      await sendCallbacks(listener.localUrl, listener.callbackUrl, token, accountSid, delivered);
      await until(
        async () => (await health(healthUrl)).recordings.saved >= all.length - missedByCallbacks + foundByScans,
        'the callbacks’ archives',
      );
      const before = (await health(healthUrl)).catchUp.last?.finishedAt;
      listener.child.kill('SIGHUP');
      await until(async () => (await health(healthUrl)).catchUp.last?.finishedAt !== before, 'a scan');
      foundByScans += (await health(healthUrl)).catchUp.last?.missing ?? 0;
      if (round === 0) atStart = await sample(pid, manifest);
    }
    const atEnd = await sample(pid, manifest);
    const lists = world.sandbox.counters.requests.list;
    const before = (await health(healthUrl)).catchUp.last?.finishedAt;
    listener.child.kill('SIGHUP');
    await until(async () => (await health(healthUrl)).catchUp.last?.finishedAt !== before, 'an empty scan');
    const emptyScanPages = world.sandbox.counters.requests.list - lists;
    const final = await health(healthUrl);
    await listener.stop();

    const deletedOnce = all.every(
      (sid) =>
        world.sandbox.store.getRecording(sid)?.status === 'deleted' &&
        world.sandbox.counters.deletesPerSid[sid] === 1 &&
        world.sandbox.counters.mediaFetchesPerSid[sid] === 1,
    );
    const start = atStart!;
    const total = all.length.toLocaleString('en-US');
    return [
      row(
        `always-on: ${ROUNDS} compressed hours of ${PER_ROUND.toLocaleString('en-US')} recordings, 1 callback in ${LOST_EVERY} lost: archived and deleted once / found by catch-up`,
        `${final.recordings.deleted.toLocaleString('en-US')} / ${foundByScans.toLocaleString('en-US')}`,
        `${total} / ${missedByCallbacks.toLocaleString('en-US')}`,
        final.recordings.deleted / all.length,
        'none lost, none twice',
        deletedOnce && foundByScans === missedByCallbacks && final.recordings.failed === 0,
      ),
      row(
        'always-on: listener RSS after the last hour vs after the first',
        `${atEnd.rssMb.toFixed(0)} MB`,
        `${start.rssMb.toFixed(0)} MB`,
        atEnd.rssMb / start.rssMb,
        '≤ 1.5×',
        atEnd.rssMb <= start.rssMb * 1.5,
      ),
      row(
        'always-on: open files after the last hour vs after the first',
        String(atEnd.openFiles),
        String(start.openFiles),
        atEnd.openFiles / start.openFiles,
        // Keep-alive sockets to Twilio come and go with the load; a leak grows with every hour.
        '≤ first + 10',
        atEnd.openFiles <= start.openFiles + 10,
      ),
      row(
        `always-on: manifest load after the last hour vs after the first (it lists every recording: ${total} at the end)`,
        `${atEnd.manifestLoadMs.toFixed(0)} ms`,
        `${start.manifestLoadMs.toFixed(0)} ms`,
        atEnd.manifestLoadMs / start.manifestLoadMs,
        'measured',
        true,
      ),
      row(
        'always-on: list pages of a catch-up scan that finds nothing new',
        String(emptyScanPages),
        '1',
        emptyScanPages,
        '1 page',
        emptyScanPages === 1,
      ),
    ];
  } finally {
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
