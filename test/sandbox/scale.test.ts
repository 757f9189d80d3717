import { expect } from 'chai';
import { Agent } from 'node:http';

import { startSandbox, type Sandbox } from '../../sandbox';
import { direct } from './http-client';

describe('sandbox at benchmark scale', function () {
  this.timeout(30_000);
  // Speed is the benchmarks' business (bench/, side by side in one run); a wall-clock bound here
  // would fail on a busy machine, so mocha's timeout is the only ceiling.
  let sandbox: Sandbox;

  before(async function () {
    sandbox = await startSandbox({ seed: 4, subaccounts: 0, recordings: { count: 100_000, durationSeconds: 12 } });
  });
  after(() => sandbox.close());

  it('seeds 100,000 recordings', function () {
    expect(sandbox.store.size).to.equal(100_000);
  });

  it('lists all of them in pages of 1000 following next_page_uri', async function () {
    const auth: [string, string] = [sandbox.account.sid, sandbox.account.authToken];
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let next: string | null = `/2010-04-01/Accounts/${sandbox.account.sid}/Recordings.json?PageSize=1000`;
    let count = 0;
    let pages = 0;
    while (next) {
      const body: { recordings: unknown[]; next_page_uri: string | null } = (
        await direct(sandbox, next, { auth, agent })
      ).json();
      count += body.recordings.length;
      next = body.next_page_uri;
      pages++;
    }
    agent.destroy();
    expect(count).to.equal(sandbox.store.recordings(sandbox.account.sid).length);
    expect(pages).to.equal(Math.ceil(count / 1000));
  });

  it('deletes and downloads concurrently with latency', async function () {
    sandbox.setKnobs({ latencyMs: 20 });
    const auth: [string, string] = [sandbox.account.sid, sandbox.account.authToken];
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const completed = sandbox.store
      .recordings(sandbox.account.sid)
      .filter((r) => r.status === 'completed')
      .slice(0, 400);
    await Promise.all(
      completed.map(async (rec, i) => {
        const base = `/2010-04-01/Accounts/${rec.accountSid}/Recordings/${rec.sid}`;
        const reply = await direct(sandbox, i % 2 ? `${base}.json` : `${base}.wav`, {
          auth,
          agent,
          method: i % 2 ? 'DELETE' : 'GET',
        });
        expect(reply.status).to.equal(i % 2 ? 204 : 200);
      }),
    );
    agent.destroy();
    expect(sandbox.counters.maxConcurrent).to.be.at.most(20);
  });
});
