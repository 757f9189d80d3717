import { expect } from 'chai';
import { Agent } from 'node:http';

import { GENERATED_SHAPES, PAGE_COST_MODEL, startSandbox, type GeneratedShape, type Sandbox } from '../../sandbox';
import { pageCostMs } from '../../sandbox/knobs';
import { direct } from './http-client';
import { DAY } from '../support/time';

interface ListBody {
  recordings: Array<{ sid: string; date_created: string; status: string }>;
  next_page_uri: string | null;
}

describe('sandbox accounts with generated recordings', function () {
  let sandbox: Sandbox;
  let agent: Agent;
  const to = Date.parse('2026-06-30T12:00:00Z');
  const from = to - 100 * DAY;

  before(async function () {
    sandbox = await startSandbox({
      seed: 3,
      subaccounts: 2,
      recordings: 30,
      generated: { perAccount: 5_000, from, to, accounts: 'subaccounts' },
    });
    agent = new Agent({ keepAlive: true, maxSockets: 4 });
  });
  after(async () => {
    agent.destroy();
    await sandbox.close();
  });

  function auth(): [string, string] {
    return [sandbox.account.sid, sandbox.account.authToken];
  }

  async function listAll(accountSid: string, query: string): Promise<ListBody['recordings']> {
    const out: ListBody['recordings'] = [];
    let next: string | null = `/2010-04-01/Accounts/${accountSid}/Recordings.json?${query}`;
    while (next) {
      const body = (await direct(sandbox, next, { auth: auth(), agent })).json() as ListBody;
      out.push(...body.recordings);
      next = body.next_page_uri;
    }
    return out;
  }

  it('counts every generated recording of every account, and the seeded ones', function () {
    expect(sandbox.store.size).to.equal(2 * 5_000 + 30);
    expect(sandbox.store.recordings(sandbox.account.sid, { includeDeleted: true })).to.have.length(30);
  });

  it('lists an account page by page in the order of its ground truth, newest first', async function () {
    const sid = sandbox.subaccounts[1]!.sid;
    const listed = await listAll(sid, 'PageSize=1000');
    expect(listed.map((r) => r.sid)).to.deep.equal(sandbox.store.recordings(sid).map((r) => r.sid));
  });

  it('lists exactly the recordings of the days a DateCreated filter names', async function () {
    const sid = sandbox.subaccounts[0]!.sid;
    const listed = await listAll(sid, 'PageSize=200&DateCreated>=2026-05-01&DateCreated<=2026-05-03');
    const expected = sandbox.store
      .recordings(sid)
      .filter((r) => r.dateCreatedMs >= Date.parse('2026-05-01') && r.dateCreatedMs < Date.parse('2026-05-04'));
    expect(expected.length).to.be.greaterThan(100);
    expect(listed.map((r) => r.sid)).to.deep.equal(expected.map((r) => r.sid));
  });

  it('fetches a generated recording by its sid, and deletes it softly', async function () {
    const sid = sandbox.subaccounts[0]!.sid;
    const target = sandbox.store.recordings(sid).find((r) => r.status === 'completed')!;
    const path = `/2010-04-01/Accounts/${sid}/Recordings/${target.sid}.json`;
    expect((await direct(sandbox, path, { auth: auth(), agent })).json()).to.include({ sid: target.sid });
    expect((await direct(sandbox, path, { auth: auth(), agent, method: 'DELETE' })).status).to.equal(204);
    expect((await direct(sandbox, path, { auth: auth(), agent })).status).to.equal(404);
    expect(sandbox.store.getRecording(target.sid)?.status).to.equal('deleted');
    const listed = await listAll(sid, 'PageSize=1000');
    expect(listed.map((r) => r.sid)).not.to.include(target.sid);
  });

  it('lists soft-deleted generated recordings only when asked', async function () {
    const sid = sandbox.subaccounts[1]!.sid;
    const all = await listAll(sid, 'PageSize=1000&IncludeSoftDeleted=true');
    expect(all.length).to.equal(5_000);
    expect(all.some((r) => r.status === 'deleted')).to.equal(true);
  });

  it('keeps seeded recordings out of generated accounts', async function () {
    const added = () => sandbox.store.addRecording({ accountSid: sandbox.subaccounts[0]!.sid });
    expect(added).to.throw(/generated recordings/);
  });
});

describe('sandbox accounts of generated recordings in shapes', function () {
  const to = Date.parse('2026-06-30T12:00:00Z');
  const from = to - 5 * 365 * DAY;
  let sandbox: Sandbox | undefined;
  afterEach(() => sandbox?.close());

  async function shaped(shape: GeneratedShape, subaccounts = 0): Promise<Sandbox> {
    sandbox = await startSandbox({
      seed: 4,
      subaccounts,
      recordings: subaccounts > 0 ? 0 : undefined,
      generated: { perAccount: 20_000, from, to, shape, accounts: subaccounts > 0 ? 'subaccounts' : 'parent' },
    });
    return sandbox;
  }
  const createdOf = (world: Sandbox, sid: string) =>
    world.store.recordings(sid, { includeDeleted: true }).map((r) => r.dateCreatedMs);
  const perDay = (created: number[]) => {
    const days = new Map<number, number>();
    for (const ms of created) days.set(Math.floor(ms / DAY), (days.get(Math.floor(ms / DAY)) ?? 0) + 1);
    return days;
  };

  for (const shape of Object.keys(GENERATED_SHAPES) as GeneratedShape[]) {
    it(`lists ${shape} recordings newest first, each at least a second older than the one before`, async function () {
      const world = await shaped(shape, 6);
      for (const account of world.subaccounts) {
        const created = createdOf(world, account.sid);
        for (let i = 1; i < created.length; i += 1) expect(created[i - 1]! - created[i]!).to.be.at.least(1000);
      }
    });
  }

  it('grows an account twentyfold over the years, with single days of more than 500', async function () {
    const world = await shaped('grown');
    const created = createdOf(world, world.account.sid);
    const fifth = (to - from) / 5;
    const newest = created.filter((ms) => ms > to - fifth).length;
    const oldest = created.filter((ms) => ms <= from + fifth).length;
    expect(newest).to.be.greaterThan(5 * oldest);
    expect(Math.max(...perDay(created).values())).to.be.greaterThan(500);
  });

  it('puts recent recordings in the last six weeks of an account as old as from', async function () {
    const world = await shaped('recent');
    const created = createdOf(world, world.account.sid);
    expect(created).to.have.length(20_000);
    expect(Math.min(...created)).to.be.at.least(to - 42 * DAY);
    const auth: [string, string] = [world.account.sid, world.account.authToken];
    const account = (await direct(world, `/2010-04-01/Accounts/${world.account.sid}.json`, { auth })).json() as {
      date_created: string;
    };
    expect(Date.parse(account.date_created)).to.be.below(from);
  });

  it('leaves every other calendar month of a seasonal account empty', async function () {
    const world = await shaped('seasonal');
    const months = new Set(
      createdOf(world, world.account.sid).map((ms) => new Date(ms).getUTCFullYear() * 12 + new Date(ms).getUTCMonth()),
    );
    expect(months.size).to.be.within(29, 31);
    for (const month of months) expect(months.has(month + 1)).to.equal(false);
  });

  it('gives skewed subaccounts very different sizes, most of them empty', async function () {
    const world = await shaped('skewed', 10);
    const sizes = world.subaccounts.map(
      (account) => world.store.recordings(account.sid, { includeDeleted: true }).length,
    );
    expect(sizes).to.deep.equal([20_000, 0, 0, 200, 0, 0, 2_000, 0, 0, 0]);
  });

  it('gives mixed subaccounts each shape in turn, then an empty one and one of a page', async function () {
    const world = await shaped('mixed', 6);
    const sizes = world.subaccounts.map(
      (account) => world.store.recordings(account.sid, { includeDeleted: true }).length,
    );
    expect(sizes).to.deep.equal([20_000, 20_000, 20_000, 20_000, 0, 1_000]);
    expect(Math.min(...createdOf(world, world.subaccounts[2]!.sid))).to.be.at.least(to - 42 * DAY);
  });
});

describe('sandbox with a million generated recordings', function () {
  let sandbox: Sandbox;

  before(async function () {
    sandbox = await startSandbox({ seed: 5, subaccounts: 0, generated: { perAccount: 1_000_000 } });
  });
  after(() => sandbox.close());

  it('serves a page from the middle of two years of them', async function () {
    const auth: [string, string] = [sandbox.account.sid, sandbox.account.authToken];
    const reply = await direct(
      sandbox,
      `/2010-04-01/Accounts/${sandbox.account.sid}/Recordings.json?PageSize=1000&DateCreated<=${day(-365)}`,
      { auth },
    );
    const body = reply.json() as ListBody;
    expect(body.recordings).to.have.length(1000);
    expect(Date.parse(body.recordings[0]!.date_created)).to.be.below(Date.parse(day(-364)));
    expect(body.next_page_uri).to.be.a('string');
  });

  it('reports the account as created before its oldest recording', async function () {
    const auth: [string, string] = [sandbox.account.sid, sandbox.account.authToken];
    const account = (await direct(sandbox, `/2010-04-01/Accounts/${sandbox.account.sid}.json`, { auth })).json() as {
      date_created: string;
    };
    expect(Date.parse(account.date_created)).to.be.below(Date.now() - 730 * DAY);
  });
});

describe('page cost model', function () {
  it('costs a base per page plus a cost per record', function () {
    expect(pageCostMs(PAGE_COST_MODEL, 1000)).to.equal(1100);
    expect(pageCostMs(PAGE_COST_MODEL, 0)).to.equal(100);
    expect(pageCostMs(null, 1000)).to.equal(0);
  });

  it('still answers list pages in full with the cost switched on', async function () {
    const sandbox = await startSandbox({
      seed: 2,
      subaccounts: 0,
      recordings: 20,
      knobs: { pageCost: { baseMs: 1, perRecordMs: 0.1 } },
    });
    try {
      const auth: [string, string] = [sandbox.account.sid, sandbox.account.authToken];
      const reply = await direct(sandbox, `/2010-04-01/Accounts/${sandbox.account.sid}/Recordings.json?PageSize=50`, {
        auth,
      });
      expect((reply.json() as ListBody).recordings).to.have.length(
        sandbox.store.recordings(sandbox.account.sid).length,
      );
    } finally {
      await sandbox.close();
    }
  });
});

function day(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
}
