import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../../sandbox';
import type { ArchiveResult } from '../../../src/callbacks/callback-archiver';
import { emptyListenerTally } from '../../../src/callbacks/callback-listener';
import { CATCH_UP_OVERLAP_MS, CatchUp, type CatchUpSettings } from '../../../src/callbacks/catch-up';
import type { CatchUpReport } from '../../../src/callbacks/listener-report';
import { healthReply } from '../../../src/callbacks/listener-health';
import { sandboxApi } from '../../support/sandbox-api';
import { MINUTE } from '../../support/time';

describe('CatchUp', () => {
  let sandbox: Sandbox;
  let now: Date;
  let listed: Set<string>;
  let archived: string[];
  let reports: CatchUpReport[];
  let timers: Array<{ ms: number; run: () => void; cancelled: boolean }>;
  let newest: Date | undefined;

  beforeEach(async () => {
    sandbox = await startSandbox({ subaccounts: 1 });
    now = new Date();
    listed = new Set();
    archived = [];
    reports = [];
    timers = [];
    newest = undefined;
  });
  afterEach(() => sandbox.close());

  const settings = (overrides: Partial<CatchUpSettings> = {}): CatchUpSettings => ({
    intervalMs: 10 * MINUTE,
    settleMs: 2 * MINUTE,
    since: new Date(now.getTime() - 24 * 60 * MINUTE),
    includeSubaccounts: false,
    deleting: false,
    ...overrides,
  });

  function catchUp(
    overrides: Partial<CatchUpSettings> = {},
    outcome: ArchiveResult['outcome'] = 'saved',
    extra: Partial<ArchiveResult> = {},
  ): CatchUp {
    return new CatchUp(settings(overrides), {
      api: sandboxApi(sandbox),
      destination: { listsRecording: (sid) => listed.has(sid), newestListedCreation: () => newest },
      archive: (accountSid, recordingSid) => {
        archived.push(recordingSid);
        return Promise.resolve({ accountSid, recordingSid, outcome, deleted: outcome === 'saved', ...extra });
      },
      report: (run) => reports.push(run),
      clock: () => now,
      schedule: (ms, run) => {
        const timer = { ms, run, cancelled: false };
        timers.push(timer);
        return () => (timer.cancelled = true);
      },
      concurrency: 2,
    });
  }

  const add = (
    minutesAgo: number,
    init: { accountSid?: string; status?: 'completed' | 'in-progress'; durationSeconds?: number } = {},
  ) =>
    sandbox.store.addRecording({
      accountSid: init.accountSid ?? sandbox.account.sid,
      status: init.status ?? 'completed',
      durationSeconds: init.durationSeconds ?? 5,
      dateCreated: now.getTime() - minutesAgo * MINUTE,
    });

  it('takes the completed, settled recordings the manifest lacks since --catch-up-since, and nothing else', async () => {
    const missing = add(30);
    const inManifest = add(20);
    listed.add(inManifest.sid);
    const tooOld = add(25 * 60);
    const settling = add(1);
    const unfinished = add(10, { status: 'in-progress', durationSeconds: -1 });
    const ofSubaccount = add(10, { accountSid: sandbox.subaccounts[0]!.sid });

    const report = await catchUp().runNow();

    expect(archived).to.deep.equal([missing.sid]);
    expect(report).to.include({ missing: 1, saved: 1, deleted: 1, failed: 0, waiting: 2 });
    expect(report.from.getTime()).to.equal(now.getTime() - 24 * 60 * MINUTE);
    expect([tooOld, settling, unfinished, ofSubaccount].map((r) => archived.includes(r.sid))).to.deep.equal([
      false,
      false,
      false,
      false,
    ]);
  });

  it("includes subaccounts' recordings with --subaccounts", async () => {
    const ofSubaccount = add(10, { accountSid: sandbox.subaccounts[0]!.sid });
    await catchUp({ includeSubaccounts: true }).runNow();
    expect(archived).to.deep.equal([ofSubaccount.sid]);
  });

  it('starts the first scan at the newest recording the manifest lists, less the overlap', async () => {
    newest = new Date(now.getTime() - 60 * MINUTE);
    const report = await catchUp().runNow();
    expect(report.from.getTime()).to.equal(newest.getTime() - CATCH_UP_OVERLAP_MS);
  });

  it('scans again an interval after each scan ends, reaching back to the oldest recording still waiting', async () => {
    const scans = catchUp();
    const unfinished = add(40, { status: 'in-progress', durationSeconds: -1 });
    scans.start();
    await waitFor(() => reports.length === 1);
    expect(timers.map((timer) => timer.ms)).to.deep.equal([10 * MINUTE]);

    now = new Date(now.getTime() + 10 * MINUTE);
    const lost = add(5);
    timers[0]!.run();
    await waitFor(() => reports.length === 2);
    expect(reports[1]!.from.getTime()).to.equal(unfinished.dateCreatedMs - CATCH_UP_OVERLAP_MS);
    expect(archived).to.deep.equal([lost.sid]);

    // Once nothing waits, the next scan reaches back only the overlap before the newest recording the last one saw.
    unfinished.status = 'absent';
    timers[1]!.run();
    await waitFor(() => reports.length === 3);
    now = new Date(now.getTime() + 10 * MINUTE);
    timers[2]!.run();
    await waitFor(() => reports.length === 4);
    expect(reports[3]!.from.getTime()).to.equal(lost.dateCreatedMs - CATCH_UP_OVERLAP_MS);

    await scans.stop();
    expect(timers[3]!.cancelled).to.equal(true);
  });

  it("finds a lost callback's recording when Twilio's clock is an hour behind this machine's", async () => {
    const scans = catchUp();
    const archivedFirst = add(65);
    listed.add(archivedFirst.sid);
    expect(await scans.runNow()).to.include({ scanned: 1, missing: 0 });

    now = new Date(now.getTime() + 10 * MINUTE);
    // Created "now" by Twilio's clock, which reads an hour less than this machine's.
    const lost = add(60);
    expect(await scans.runNow()).to.include({ missing: 1, saved: 1 });
    expect(archived).to.deep.equal([lost.sid]);
  });

  it("lists one page for a scan that finds nothing new when Twilio's clock is an hour ahead, without deletion", async () => {
    // An hour of recordings, 1,500 of them, all archived by their callbacks and kept on Twilio.
    for (let i = 0; i < 1500; i += 1) listed.add(add(-60 + (i * 60) / 1500).sid);
    newest = new Date(now.getTime() + 60 * MINUTE);
    const scans = catchUp();
    await scans.runNow();

    now = new Date(now.getTime() + 10 * MINUTE);
    const lists = sandbox.counters.requests.list;
    const report = await scans.runNow();
    expect(report).to.include({ missing: 0, waiting: 0 });
    expect(sandbox.counters.requests.list - lists).to.equal(1);
  });

  it('tries a failed archive again at the next scan', async () => {
    const failing = add(10);
    const scans = catchUp({}, 'failed');
    const first = await scans.runNow();
    const second = await scans.runNow();
    expect(first).to.include({ missing: 1, failed: 1, waiting: 1 });
    expect(second.from.getTime()).to.equal(failing.dateCreatedMs - CATCH_UP_OVERLAP_MS);
    expect(archived).to.deep.equal([failing.sid, failing.sid]);
  });

  it('with deletion on, hands on a recording the manifest lists but Twilio still has, and not again once a hold kept it', async () => {
    const undeleted = add(10);
    listed.add(undeleted.sid);
    const held = catchUp({ deleting: true }, 'saved', { deleted: false, held: true });
    expect(await held.runNow()).to.include({ missing: 1, saved: 1, deleted: 0, failed: 0, waiting: 0 });
    expect(await held.runNow()).to.include({ missing: 0 });
    expect(archived).to.deep.equal([undeleted.sid]);

    const withoutDeletion = catchUp({ deleting: false });
    expect(await withoutDeletion.runNow()).to.include({ missing: 0 });
  });

  it('with deletion on, tries again a recording saved but not deleted for another reason than a hold', async () => {
    const refused = add(10);
    const scans = catchUp({ deleting: true }, 'saved', { deleted: false, error: 'deleting it from Twilio failed' });
    expect(await scans.runNow()).to.include({ missing: 1, saved: 1, failed: 1, waiting: 1 });
    listed.add(refused.sid);
    expect(await scans.runNow()).to.include({ missing: 1 });
    expect(archived).to.deep.equal([refused.sid, refused.sid]);
  });

  it('reports a scan that Twilio refused, repeats it from the same place, and /healthz answers 503 meanwhile', async () => {
    const scans = catchUp();
    sandbox.setAccountStatus(sandbox.account.sid, 'suspended');
    const failed = await scans.runNow();
    expect(failed.error).to.match(/not active|20005/i);
    const health = () =>
      healthReply({
        startedAt: now,
        clock: () => now,
        tally: emptyListenerTally,
        lastCallbackAt: () => undefined,
        stopping: () => false,
        catchUp: { scanning: () => scans.scanning, last: () => scans.last },
        destination: { writable: () => true },
      });
    expect(health().status).to.equal(503);
    expect(JSON.parse(String(health().body))).to.include({ status: 'failing' });

    sandbox.setAccountStatus(sandbox.account.sid, 'active');
    const missed = add(10);
    const next = await scans.runNow();
    expect(next.error).to.equal(undefined);
    expect(next.from.getTime()).to.equal(failed.from.getTime());
    expect(archived).to.deep.equal([missed.sid]);
    expect(health().status).to.equal(200);
  });
});

async function waitFor(done: () => boolean): Promise<void> {
  for (let tries = 0; !done(); tries += 1) {
    if (tries > 1000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
