import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTree, expectedSha256, filesUnder, manifestLines } from './download-tree';
import { TwilioWorld } from './twilio-world';

interface JsonResult {
  sid: string;
  path: string;
  sha256: string | null;
  outcome: string;
  reason?: string;
}

describe('twilio recordings:download against an unreliable Twilio', function () {
  this.timeout(180_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start({
      recordings: {
        count: 150,
        statusMix: { completed: 1 },
        maxDurationSeconds: 4,
        seed: 5,
      },
      subaccounts: 0,
      knobs: {
        errorRate: 0.05,
        dropRate: 0.02,
        truncateRate: 0.02,
        concurrencyCap: 4,
        throttleBursts: { every: 30, length: 3 },
        redirectMedia: true,
        faultSeed: 9,
      },
    });
  });

  after(() => world.close());

  it('ends with every recording complete and correct, or reported failed with a reason', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'download-faults-')), 'out');
    for (const format of ['wav', 'mp3'] as const) {
      const run = await world.run(
        ['recordings:download', '--output-dir', root, '--format', format, '--concurrency', '10', '-o', 'json'],
        {
          env: world.authTokenEnv,
        },
      );
      expect(run.status, run.stderr).to.be.oneOf([0, 1]);
      const results = JSON.parse(run.stdout) as JsonResult[];
      expect(results).to.have.length(150);
      const failed = results.filter((result) => result.outcome === 'failed');
      expect(run.status, run.stderr).to.equal(failed.length > 0 ? 1 : 0);
      for (const result of results) {
        if (result.outcome === 'failed') {
          expect(result.reason, result.sid).to.be.a('string').and.not.equal('');
        } else {
          expect(result.outcome).to.equal('downloaded');
          expect(result.sha256, result.sid).to.equal(expectedSha256(world.sandbox, result.sid, format));
        }
      }
      const tree = checkTree(world.sandbox, root);
      expect(tree.problems).to.deep.equal([]);
      const filesOfFormat = filesUnder(root).filter((file) => file.endsWith(`.${format}`));
      expect(filesOfFormat).to.have.length(results.length - failed.length);
      const lines = manifestLines(root).filter((line) => line.format === format);
      expect(lines.map((line) => line.sid).sort()).to.deep.equal(
        results
          .filter((r) => r.outcome === 'downloaded')
          .map((r) => r.sid)
          .sort(),
      );
    }
    const { counters } = world.sandbox;
    expect(counters.throttled + counters.errorsInjected + counters.dropped + counters.truncated).to.be.greaterThan(0);
    expect(counters.truncated).to.be.greaterThan(0);
    expect(counters.requests.cdn).to.be.greaterThan(0);
    expect(counters.cdnAuthorizationHeaders).to.equal(0);
  });
});
