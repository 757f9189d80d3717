import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { ManifestIndex } from '../src/media/manifest';
import { CATALOG_FOLDER } from '../src/media/layout';
import { ManifestCatalog } from '../src/media/manifest-catalog';
import { TwilioWorld } from '../test/e2e/twilio-world';
import { completedParams } from '../test/unit/callbacks/callback-fixtures';
import { startListen } from './callbacks';
import { row, type BenchRow } from './measure';

/**
 * Compressed hours: each round is an hour of calls by Twilio's dates, its callbacks, and the
 * catch-up scan that follows. Two days of a thousand recordings an hour by default.
 */
const ROUNDS = Number(process.env.ALWAYS_ON_ROUNDS ?? 48);
const PER_ROUND = Number(process.env.ALWAYS_ON_PER_ROUND ?? 1000);
/** `ALWAYS_ON_DELETE=0` keeps every recording on Twilio (no --delete-after-download). */
const DELETING = process.env.ALWAYS_ON_DELETE !== '0';
const HOUR = 60 * 60_000;
/** One callback in this many is lost on the way, for the scan to find. */
const LOST_EVERY = 10;
const IN_FLIGHT = 20;

interface Sample {
  rssMb: number;
  /** Open file descriptors other than sockets (files, folders, pipes). */
  openFiles: number;
  /** Sockets: connections to Twilio kept alive, and the listener's own. */
  sockets: number;
  /** Opening the folder's manifest as the listener does at start: its checkpoint and the lines after it. */
  manifestLoadMs: number;
  /** What that open reads: the checkpoint, and the manifest from it to its end. */
  manifestLoadBytes: number;
  /** Reading the whole manifest, as every start did before the checkpoint. */
  wholeManifestMs: number;
  manifestLines: number;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The least of seven: what the work costs, with as little as can be of what else the shared machine was doing. */
async function leastMs(work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 7; i += 1) times.push(await timed(work));
  return Math.min(...times);
}

function startBytes(dir: string, manifest: string): number {
  const checkpoint = join(dir, CATALOG_FOLDER, 'checkpoint.json');
  const covered = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { bytes: number }).bytes;
  return statSync(checkpoint).size + statSync(manifest).size - covered;
}

async function sample(pid: number, dir: string): Promise<Sample> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  const fds = readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });
  const sockets = fds.filter((target) => target.startsWith('socket:')).length;
  const manifest = join(dir, 'manifest.jsonl');
  return {
    rssMb: rssKb / 1024,
    openFiles: fds.length - sockets,
    sockets,
    // Read-only: the listener's own checkpoints are what a start reads.
    manifestLoadMs: await leastMs(() => ManifestCatalog.open(dir, manifest, 'wav', undefined, true)),
    manifestLoadBytes: startBytes(dir, manifest),
    wholeManifestMs: await leastMs(() => ManifestIndex.load(manifest, 'wav')),
    manifestLines: readFileSync(manifest, 'utf8').split('\n').length - 1,
  };
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
  // The compressed hours end an hour ago by Twilio's dates: every recording has settled.
  const firstHour = Date.now() - (ROUNDS + 1) * HOUR;
  // Twilio's dates are whole seconds: the first scan starts a minute before the first recording.
  const since = new Date(firstHour - 60_000).toISOString();
  try {
    const listener = await startListen(world, [
      '--download-dir',
      dir,
      '--layout',
      '{sid}.{ext}',
      ...(DELETING ? ['--delete-after-download'] : []),
      '--catch-up',
      '1h',
      '--catch-up-since',
      since,
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
    let scans = 0;
    let scanPages = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const sids = Array.from({ length: PER_ROUND }, (_, i) =>
        world.sandbox.store.addRecording({
          accountSid,
          status: 'completed',
          durationSeconds: 5,
          dateCreated: firstHour + round * HOUR + Math.floor((i * HOUR) / PER_ROUND),
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
      const pages = world.sandbox.counters.requests.list;
      listener.child.kill('SIGHUP');
      await until(async () => (await health(healthUrl)).catchUp.last?.finishedAt !== before, 'a scan');
      scans += 1;
      scanPages += world.sandbox.counters.requests.list - pages;
      foundByScans += (await health(healthUrl)).catchUp.last?.missing ?? 0;
      if (round === 0) atStart = await sample(pid, dir);
      if (process.env.ALWAYS_ON_TRACE) {
        const now = await sample(pid, dir);
        process.stderr.write(`hour ${round + 1}: ${JSON.stringify(now)}\n`);
      }
    }
    const atEnd = await sample(pid, dir);
    const lists = world.sandbox.counters.requests.list;
    const before = (await health(healthUrl)).catchUp.last?.finishedAt;
    listener.child.kill('SIGHUP');
    await until(async () => (await health(healthUrl)).catchUp.last?.finishedAt !== before, 'an empty scan');
    const emptyScanPages = world.sandbox.counters.requests.list - lists;
    const final = await health(healthUrl);
    await listener.stop();

    const doneOnce = all.every(
      (sid) =>
        world.sandbox.store.getRecording(sid)?.status === (DELETING ? 'deleted' : 'completed') &&
        (world.sandbox.counters.deletesPerSid[sid] ?? 0) === (DELETING ? 1 : 0) &&
        world.sandbox.counters.mediaFetchesPerSid[sid] === 1,
    );
    const start = atStart!;
    const total = all.length.toLocaleString('en-US');
    const done = DELETING ? final.recordings.deleted : final.recordings.saved;
    return [
      row(
        `always-on: ${ROUNDS} compressed hours of ${PER_ROUND.toLocaleString('en-US')} recordings, 1 callback in ${LOST_EVERY} lost: archived${DELETING ? ' and deleted' : ''} once / found by catch-up`,
        `${done.toLocaleString('en-US')} / ${foundByScans.toLocaleString('en-US')}`,
        `${total} / ${missedByCallbacks.toLocaleString('en-US')}`,
        done / all.length,
        'none lost, none twice',
        doneOnce && foundByScans === missedByCallbacks && final.recordings.failed === 0,
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
        'always-on: open files (not sockets) after the last hour vs after the first',
        String(atEnd.openFiles),
        String(start.openFiles),
        atEnd.openFiles / start.openFiles,
        '≤ first + 2',
        atEnd.openFiles <= start.openFiles + 2,
      ),
      row(
        'always-on: open sockets after the last hour vs after the first',
        String(atEnd.sockets),
        String(start.sockets),
        atEnd.sockets / Math.max(start.sockets, 1),
        // Keep-alive connections to Twilio come and go with the load, up to the pool's bound; a leak grows every hour.
        '≤ 64',
        atEnd.sockets <= 64,
      ),
      row(
        `always-on: manifest load at a start after the last hour vs after the first (${atEnd.manifestLines.toLocaleString('en-US')} vs ${start.manifestLines.toLocaleString('en-US')} manifest lines)`,
        `${atEnd.manifestLoadMs.toFixed(1)} ms`,
        `${start.manifestLoadMs.toFixed(1)} ms`,
        atEnd.manifestLoadMs / start.manifestLoadMs,
        // Fractions of a millisecond on a shared machine: the bytes below are the exact measure.
        'measured',
        true,
      ),
      row(
        'always-on: bytes a start reads (checkpoint, and the manifest after it), after the last hour vs after the first',
        atEnd.manifestLoadBytes.toLocaleString('en-US'),
        start.manifestLoadBytes.toLocaleString('en-US'),
        atEnd.manifestLoadBytes / start.manifestLoadBytes,
        // A checkpoint follows each scan and every 1,000 saves: what a start reads never holds more than those lines.
        '≤ 1 MB',
        atEnd.manifestLoadBytes <= 1024 * 1024,
      ),
      row(
        'always-on: reading the whole manifest instead, after the last hour vs after the first',
        `${atEnd.wholeManifestMs.toFixed(0)} ms`,
        `${start.wholeManifestMs.toFixed(0)} ms`,
        atEnd.wholeManifestMs / start.wholeManifestMs,
        'measured',
        true,
      ),
      row(
        `always-on: list pages per catch-up scan, ${scans} scans each after an hour of ${PER_ROUND.toLocaleString('en-US')} recordings`,
        (scanPages / scans).toFixed(2),
        '1',
        scanPages / scans,
        'measured',
        true,
      ),
      row(
        `always-on: list pages of a catch-up scan that finds nothing new${DELETING ? '' : ', every recording still on Twilio'}`,
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
