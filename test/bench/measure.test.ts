import { expect } from 'chai';
import { growthRow, medianBy } from '../../bench/measure';

describe('benchmark figures', () => {
  it('takes the middle item by a key, one run and not a blend', () => {
    const runs = [{ ms: 30 }, { ms: 10 }, { ms: 20 }];
    expect(medianBy(runs, (run) => run.ms)).to.equal(runs[2]);
  });

  it('takes the upper middle item of an even count', () => {
    expect(medianBy([4, 1, 3, 2], (n) => n)).to.equal(3);
  });

  it("reports the median pair by growth, with every round's growth", () => {
    const pairs = [
      { small: 100, large: 150 },
      { small: 90, large: 110 },
      { small: 80, large: 105 },
    ];
    expect(growthRow('peak RSS', pairs, 30)).to.deep.equal({
      benchmark: 'peak RSS',
      ours: '105 MB (growth per pair: +50, +20, +25 MB)',
      baseline: '80 MB',
      ratio: '1.31',
      target: '≤ +30 MB',
      verdict: 'met',
    });
  });

  it('misses a growth limit the median pair exceeds', () => {
    const pairs = [
      { small: 100, large: 150 },
      { small: 90, large: 131 },
    ];
    expect(growthRow('peak RSS', pairs, 30).verdict).to.equal('MISSED');
  });

  it('reports pairs without a limit as a measurement', () => {
    const row = growthRow('floor', [{ small: 50, large: 400 }]);
    expect(row).to.include({ target: 'measured', verdict: 'met' });
  });
});
