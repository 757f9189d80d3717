import { expect } from 'chai';
import type { GeneratedShape } from '../../../sandbox';
import { Prng } from '../../../sandbox/prng';
import { buildCriteria, type SelectionInput } from '../../../src/selection/criteria';
import { selectRecordings } from '../../../src/selection/select-recordings';
import { SimulatedTwilio } from '../../support/simulated-twilio';
import { DAY } from '../../support/time';

/** A fixed instant, so that every run draws the same accounts and windows. */
const NOW = Date.UTC(2026, 11, 7, 12, 0);
const SHAPES: GeneratedShape[] = ['even', 'grown', 'recent', 'seasonal', 'skewed', 'mixed'];

/** One account family, window and --limit drawn from the sequence. */
function drawCase(prng: Prng) {
  const shape = prng.pick(SHAPES);
  const subaccounts = shape === 'skewed' ? 10 : shape === 'mixed' ? 6 : prng.chance(0.2) ? 3 : 0;
  const days = prng.pick([30, 400, 1826]);
  const from = NOW - days * DAY;
  const accounts = {
    perAccount: prng.pick([300, 1000, 1001, 2500, 8000, 25_000]),
    shape,
    from,
    to: NOW,
    subaccounts,
    createdMs: from - prng.int(0, 100) * DAY,
    seed: prng.int(1, 1_000_000),
    dayFilters: prng.chance(0.2) ? ('midnights' as const) : undefined,
  };
  const input: SelectionInput = { subaccounts: subaccounts > 0 };
  if (prng.chance(0.7)) {
    const [a, b] = [from + prng.next() * (NOW - from), from + prng.next() * (NOW - from)].sort((x, y) => x - y);
    if (prng.chance(0.8)) input.after = new Date(a!).toISOString();
    if (prng.chance(0.8)) input.before = new Date(b! + 1000).toISOString();
  }
  if (prng.chance(0.3)) input.limit = prng.int(1, 3000);
  return { accounts, input };
}

/**
 * Windows, limits, shapes, sizes and both readings of day filters drawn from a seeded sequence:
 * each is listed twice against the same simulated Twilio, once with one request at a time (which
 * never splits: the walk) and once with the default concurrency, and must print the same.
 */
describe('the scan of drawn windows and limits (simulated Twilio, seeded)', function () {
  this.timeout(120_000);

  async function list(twilio: SimulatedTwilio, input: SelectionInput, concurrency: number) {
    const before = { requests: twilio.listRequests, records: twilio.listedRecords };
    const sids: string[] = [];
    const criteria = buildCriteria(input, new Date(NOW));
    await twilio.clock.run(
      (async () => {
        for await (const recording of selectRecordings(twilio.api(concurrency), criteria)) sids.push(recording.sid);
      })(),
    );
    return {
      sids,
      requests: twilio.listRequests - before.requests,
      records: twilio.listedRecords - before.records,
    };
  }

  const prng = new Prng(2026);
  for (let index = 1; index <= 40; index += 1) {
    const { accounts, input } = drawCase(prng);
    const window = `${input.after ?? '…'} to ${input.before ?? '…'}`;
    const described = `${accounts.shape}, ${accounts.perAccount} per account, ${accounts.subaccounts} subaccounts, ${window}, limit ${input.limit ?? 'none'}`;
    it(`case ${index} (${described}): the walk's recordings in its order, within twice its requests and 1.5 times its records`, async () => {
      const twilio = new SimulatedTwilio(accounts);
      const walk = await list(twilio, input, 1);
      const scan = await list(twilio, input, 20);
      const inWindow = twilio.accountSids
        .flatMap((sid) => twilio.generated.all(sid, false))
        .filter((recording) => input.after === undefined || recording.dateCreatedMs >= Date.parse(input.after))
        .filter((recording) => input.before === undefined || recording.dateCreatedMs < Date.parse(input.before))
        .map((recording) => recording.sid);
      expect(walk.sids).to.deep.equal(input.limit === undefined ? inWindow : inWindow.slice(0, input.limit));
      expect(scan.sids).to.deep.equal(walk.sids);
      if (input.limit === undefined) {
        expect(scan.requests).to.be.at.most(2 * walk.requests);
        expect(scan.records).to.be.at.most(1.5 * walk.records + 1);
      }
    });
  }
});
