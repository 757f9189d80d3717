import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, TwilioWorld } from './twilio-world';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

describe('installing the plugin', function () {
  this.timeout(180_000);

  it('works linked with twilio plugins:link', async () => {
    const world = await TwilioWorld.start({ recordings: 5 });
    try {
      const plugins = await world.run(['plugins', '--core']);
      expect(plugins.stdout).to.include(`${pkg.name} ${pkg.version} (link) ${REPO_ROOT}`);
      const run = await world.run(['recordings:list', '-o', 'json'], { env: world.authTokenEnv });
      expect(run.status, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.have.length(world.sandbox.store.recordings(world.sandbox.account.sid).length);
    } finally {
      await world.close();
    }
  });
});
