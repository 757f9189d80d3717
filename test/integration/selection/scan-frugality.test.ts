import { expect } from 'chai';
import type { GeneratedShape } from '../../../sandbox';
import { buildCriteria } from '../../../src/selection/criteria';
import { selectRecordings } from '../../../src/selection/select-recordings';
import { SimulatedTwilio } from '../../support/simulated-twilio';

const DAY = 86_400_000;
/** A fixed instant, so that every run splits the same days. */
const NOW = Date.UTC(2026, 5, 15, 13, 17);
const SIX_YEARS = 6 * 365 * DAY;

/**
 * Accounts of every shape at every size, from one page to more than a hundred, each listed by the
 * whole selection against a simulated Twilio (the sandbox's shapes, day filters and page links,
 * answered in-process on a virtual clock after its page cost), with the default concurrency.
 */
describe('the scan of accounts of every shape and size (simulated Twilio, virtual clock)', function () {
  this.timeout(120_000);

  /** Recordings per account: about 1, 2, 2 (exactly 2,000), 3, 5, 10, 30 and 100 pages. */
  const SIZES = [700, 1_900, 2_000, 2_600, 4_300, 9_500, 29_000, 101_000];
  const cases: Array<{ shape: GeneratedShape; subaccounts: number; sizes: number[] }> = [
    { shape: 'even', subaccounts: 0, sizes: SIZES },
    { shape: 'grown', subaccounts: 0, sizes: SIZES },
    { shape: 'recent', subaccounts: 0, sizes: SIZES },
    { shape: 'seasonal', subaccounts: 0, sizes: SIZES },
    // Ten subaccounts: one of the full size, one of a tenth, one of a hundredth, seven empty.
    { shape: 'skewed', subaccounts: 10, sizes: SIZES },
    // Six subaccounts: even, grown, recent, seasonal, empty and one page; 29,000 each is 119 pages in all.
    { shape: 'mixed', subaccounts: 6, sizes: SIZES.filter((size) => size <= 29_000) },
  ];

  /** Scans the simulated accounts with the whole selection: what it printed, in order. */
  async function scan(twilio: SimulatedTwilio, subaccounts: boolean): Promise<string[]> {
    const listed: string[] = [];
    const criteria = buildCriteria({ subaccounts }, new Date(NOW));
    await twilio.clock.run(
      (async () => {
        for await (const recording of selectRecordings(twilio.api(20), criteria)) listed.push(recording.sid);
      })(),
    );
    return listed;
  }

  const simulated = (shape: GeneratedShape, size: number, subaccounts: number, dayFilters?: 'midnights') =>
    new SimulatedTwilio({
      dayFilters,
      perAccount: size,
      shape,
      from: NOW - SIX_YEARS,
      to: NOW,
      subaccounts,
      createdMs: NOW - SIX_YEARS - DAY,
      seed: 7,
    });

  it('asks for as many pages at once as the concurrency allows, once the pages show there are many', async () => {
    const twilio = simulated('even', 101_000, 0);
    await scan(twilio, false);
    expect(twilio.mostListsAtOnce).to.equal(20);
  });

  it('splits the account printed first while later subaccounts walk, so many accounts take a tenth of the walk', async () => {
    const twilio = simulated('even', 20_000, 20);
    const walk = twilio.walk();
    await scan(twilio, true);
    expect(twilio.clock.now).to.be.at.most(walk.idealMs / 10);
  });

  for (const size of [4_300, 29_000]) {
    it(`lists ${size} recordings in the walk order where day filters read as instants at midnight`, async () => {
      const twilio = simulated('grown', size, 0, 'midnights');
      const walk = twilio.walk();
      const listed = await scan(twilio, false);
      expect(listed.length).to.equal(walk.sids.length);
      expect(
        listed.every((sid, i) => sid === walk.sids[i]),
        'the walk order',
      ).to.equal(true);
      expect(twilio.listedRecords).to.be.at.most(1.5 * walk.records);
    });
  }

  for (const { shape, subaccounts, sizes } of cases) {
    for (const size of sizes) {
      const accounts = subaccounts > 0 ? `${subaccounts} subaccounts, ${shape},` : `one ${shape} account of`;
      it(`lists ${accounts} ${size} recordings in the walk order, within twice its pages and 1.5 times its records`, async () => {
        const twilio = simulated(shape, size, subaccounts);
        const walk = twilio.walk();
        const listed = await scan(twilio, subaccounts > 0);
        expect(listed.length).to.equal(walk.sids.length);
        expect(
          listed.every((sid, i) => sid === walk.sids[i]),
          'the walk order',
        ).to.equal(true);
        expect(twilio.listRequests).to.be.at.most(2 * walk.pages);
        expect(twilio.listedRecords).to.be.at.most(1.5 * walk.records + 1);
        if (walk.pages === 1) expect(twilio.listRequests).to.equal(1);
      });
    }
  }
});
