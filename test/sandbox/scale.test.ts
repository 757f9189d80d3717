import { expect } from 'chai';
import { Agent } from 'node:http';

import { startSandbox, type Sandbox } from '../../sandbox';
import { direct } from './http-client';

describe('sandbox at benchmark scale', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let seedMs: number;

  before(async function () {
    const started = Date.now();
    sandbox = await startSandbox({ seed: 4, subaccounts: 0, recordings: { count: 100_000, durationSeconds: 12 } });
    seedMs = Date.now() - started;
  });
  after(() => sandbox.close());

  it('seeds 100,000 recordings in well under a few seconds', function () {
    expect(sandbox.store.size).to.equal(100_000);
    expect(seedMs).to.be.below(3000);
  });

  it('lists all of them in pages of 1000 following next_page_uri', async function () {
    const auth: [string, string] = [sandbox.account.sid, sandbox.account.authToken];
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let next: string | null = `/2010-04-01/Accounts/${sandbox.account.sid}/Recordings.json?PageSize=1000`;
    let count = 0;
    let pages = 0;
    const started = Date.now();
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
    expect(Date.now() - started).to.be.below(10_000);
  });

  it('deletes and downloads concurrently with latency', async function () {
    sandbox.setKnobs({ latencyMs: 20 });
    const auth: [string, string] = [sandbox.account.sid, sandbox.account.authToken];
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    const completed = sandbox.store
      .recordings(sandbox.account.sid)
      .filter((r) => r.status === 'completed')
      .slice(0, 400);
    const started = Date.now();
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
    expect(Date.now() - started).to.be.below(5000);
  });
});
