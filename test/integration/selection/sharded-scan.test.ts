import { expect } from 'chai';
import { startSandbox, type GeneratedShape, type Sandbox, type SandboxOptions } from '../../../sandbox';
import { buildCriteria, matchesCriteria, type SelectionInput } from '../../../src/selection/criteria';
import { selectRecordings } from '../../../src/selection/select-recordings';
import { sandboxApi } from '../../support/sandbox-api';
import { DAY } from '../../support/time';

/** The sandbox's ground truth for a selection: what a one-page-at-a-time walk lists. */
function groundTruth(sandbox: Sandbox, accounts: string[], input: SelectionInput, now: Date): string[] {
  const criteria = buildCriteria(input, now);
  return accounts.flatMap((sid) =>
    sandbox.store
      .recordings(sid, { includeDeleted: criteria.statuses?.includes('deleted') })
      .filter((r) =>
        matchesCriteria(
          {
            sid: r.sid,
            accountSid: r.accountSid,
            callSid: r.callSid,
            conferenceSid: r.conferenceSid,
            dateCreated: new Date(r.dateCreatedMs),
            dateUpdated: null,
            startTime: null,
            duration: 0,
            status: r.status,
            channels: r.channels,
            source: r.source,
            price: r.price,
            priceUnit: r.priceUnit,
            errorCode: r.errorCode,
            uri: '',
            mediaUrl: null,
          },
          criteria,
        ),
      )
      .map((r) => r.sid),
  );
}

describe('the sharded scan of a selection (integration, sandbox)', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  const now = new Date();

  afterEach(() => sandbox?.close());

  async function start(options: SandboxOptions): Promise<void> {
    sandbox = await startSandbox(options);
  }

  async function scan(input: SelectionInput, concurrency = 8): Promise<string[]> {
    const sids: string[] = [];
    for await (const recording of selectRecordings(sandboxApi(sandbox, { concurrency }), buildCriteria(input, now))) {
      sids.push(recording.sid);
    }
    return sids;
  }

  it('lists a generated account of 30,000 recordings over two years in the walk order', async function () {
    await start({ seed: 11, subaccounts: 0, generated: { perAccount: 30_000 } });
    expect(await scan({})).to.deep.equal(groundTruth(sandbox, [sandbox.account.sid], {}, now));
  });

  it('splits a full first page into shards and asks for several of them at once', async function () {
    await start({ seed: 11, subaccounts: 0, generated: { perAccount: 30_000 } });
    // The first page, the day filter check and the account's creation date are answered; then requests wait.
    sandbox.setKnobs({ holdAfterRequests: 3 });
    const scanned = scan({});
    while (sandbox.counters.held < 4) await new Promise((resolve) => setImmediate(resolve));
    sandbox.setKnobs({ holdAfterRequests: null });
    expect(await scanned).to.have.length(groundTruth(sandbox, [sandbox.account.sid], {}, now).length);
  });

  /** The pages and records of a walk of these accounts, one page of up to 1,000 after another. */
  function walkOf(accounts: string[]): { pages: number; records: number } {
    const counts = accounts.map((sid) => sandbox.store.recordings(sid).length);
    return {
      pages: counts.reduce((sum, n) => sum + Math.max(1, Math.ceil(n / 1000)), 0),
      records: counts.reduce((sum, n) => sum + n, 0),
    };
  }

  const shapes: Array<[GeneratedShape, number]> = [
    ['even', 0],
    ['grown', 0],
    ['recent', 0],
    ['seasonal', 0],
    ['skewed', 10],
    ['mixed', 6],
  ];
  for (const [shape, subaccounts] of shapes) {
    it(`lists a ${shape} account in the walk order, asking at most twice its pages and 1.5 times its records`, async function () {
      await start({
        seed: 21,
        subaccounts,
        recordings: subaccounts > 0 ? 0 : undefined,
        generated: {
          perAccount: 30_000,
          from: now.getTime() - 5 * 365 * DAY,
          to: now.getTime(),
          shape,
          accounts: subaccounts > 0 ? 'subaccounts' : 'parent',
        },
      });
      const accounts = subaccounts > 0 ? sandbox.subaccounts.map((s) => s.sid) : [sandbox.account.sid];
      const walk = walkOf(accounts);
      const listed = await scan({ subaccounts: subaccounts > 0 }, 20);
      const listedAccounts = subaccounts > 0 ? [sandbox.account.sid, ...accounts] : accounts;
      expect(listed).to.deep.equal(groundTruth(sandbox, listedAccounts, {}, now));
      expect(sandbox.counters.requests.list).to.be.at.most(2 * walk.pages);
      expect(sandbox.counters.listedRecords).to.be.at.most(1.5 * walk.records);
    });
  }

  it('lists an account of one page with one list request', async function () {
    await start({ seed: 22, subaccounts: 0, generated: { perAccount: 1_000, shape: 'recent' } });
    expect(await scan({})).to.have.length(groundTruth(sandbox, [sandbox.account.sid], {}, now).length);
    expect(sandbox.counters.requests.list).to.equal(1);
  });

  it('lists every subaccount in turn, accounts in the order of a walk', async function () {
    await start({
      seed: 12,
      subaccounts: 3,
      generated: { perAccount: 4_000, accounts: 'subaccounts' },
      recordings: 50,
    });
    const accounts = [sandbox.account.sid, ...sandbox.subaccounts.map((s) => s.sid)];
    expect(await scan({ subaccounts: true })).to.deep.equal(groundTruth(sandbox, accounts, {}, now));
  });

  it('keeps exact bounds that fall inside a day', async function () {
    await start({ seed: 13, subaccounts: 0, generated: { perAccount: 20_000 } });
    const input = { after: '2025-03-04T05:06:07Z', before: new Date(now.getTime() - 30 * DAY).toISOString() };
    expect(await scan(input)).to.deep.equal(groundTruth(sandbox, [sandbox.account.sid], input, now));
  });

  it('lists recordings exactly at midnight, on shard edges, once each', async function () {
    await start({ seed: 14, subaccounts: 0 });
    const midnight = Math.floor(now.getTime() / DAY) * DAY;
    // 200 recordings a day, one a minute around each midnight, so that shards split at day edges.
    for (let day = 1; day <= 60; day += 1) {
      for (let i = -100; i < 100; i += 1) {
        sandbox.store.addRecording({ dateCreated: midnight - day * DAY + i * 60_000 });
      }
    }
    for (let i = 0; i < 30; i += 1) sandbox.store.addRecording({ dateCreated: midnight - 10 * DAY });
    const listed = await scan({});
    expect(listed).to.deep.equal(groundTruth(sandbox, [sandbox.account.sid], {}, now));
    expect(new Set(listed).size).to.equal(listed.length);
    // More list requests than the 13 pages of a walk: the scan was split into shards.
    expect(sandbox.counters.requests.list).to.be.greaterThan(13);
  });

  it('lists the same under 429s, 5xx answers and dropped connections', async function () {
    await start({
      seed: 15,
      subaccounts: 0,
      generated: { perAccount: 12_000 },
      knobs: { throttleBursts: { every: 7, length: 1 }, errorRate: 0.1, dropRate: 0.05, faultSeed: 3 },
    });
    const listed: string[] = [];
    const api = sandboxApi(sandbox, { concurrency: 8, maxAttempts: 8 });
    for await (const recording of selectRecordings(api, buildCriteria({}, now))) listed.push(recording.sid);
    expect(sandbox.counters.throttled + sandbox.counters.errorsInjected + sandbox.counters.dropped).to.be.greaterThan(
      0,
    );
    expect(listed).to.deep.equal(groundTruth(sandbox, [sandbox.account.sid], {}, now));
  });

  it('stops early under --limit, fetching little beyond it', async function () {
    await start({ seed: 16, subaccounts: 0, generated: { perAccount: 100_000 } });
    const listed = await scan({ limit: 1500 });
    expect(listed).to.deep.equal(groundTruth(sandbox, [sandbox.account.sid], {}, now).slice(0, 1500));
    expect(sandbox.counters.requests.list).to.be.at.most(8);
  });

  it('looks up several --sid at once and lists them in the order given', async function () {
    await start({ seed: 17, subaccounts: 2, recordings: 60 });
    const sids = sandbox.subaccounts
      .flatMap((s) => sandbox.store.recordings(s.sid))
      .slice(0, 12)
      .map((r) => r.sid)
      .reverse();
    // The subaccount listing is answered; then lookups wait until several are waiting at once.
    sandbox.setKnobs({ holdAfterRequests: 1 });
    const scanned = scan({ sids, subaccounts: true });
    while (sandbox.counters.held < 4) await new Promise((resolve) => setImmediate(resolve));
    sandbox.setKnobs({ holdAfterRequests: null });
    expect(await scanned).to.deep.equal(sids);
  });
});
