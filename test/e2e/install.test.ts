import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('works installed from the packed tarball with twilio plugins:install file:', async () => {
    // The tarball holds exactly the package's `files`, so a missing one fails here.
    const packDir = mkdtempSync(join(tmpdir(), 'recordings-pack-'));
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
    });
    const [tarball] = readdirSync(packDir).filter((name) => name.endsWith('.tgz'));
    const world = await TwilioWorld.start({ recordings: 5 }, { link: false });
    try {
      // Names outside @twilio/ ask whether to trust the source; yarn trips over an engine check on Node 20;
      // and yarn must reach the package registry, not the sandbox standing in for Twilio.
      const install = await world.run(['plugins:install', `file:${join(packDir, tarball)}`], {
        input: 'y\n',
        env: { YARN_IGNORE_ENGINES: 'true', HTTPS_PROXY: undefined, HTTP_PROXY: undefined },
        timeoutMs: 170_000,
      });
      expect(install.status, install.stderr).to.equal(0);
      const plugins = await world.run(['plugins']);
      expect(plugins.stdout).to.include(`${pkg.name} ${pkg.version}`);
      expect(plugins.stdout).not.to.include('(link)');
      const run = await world.run(['recordings:list', '--no-limit', '-o', 'json'], { env: world.authTokenEnv });
      expect(run.status, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.have.length(world.sandbox.store.recordings(world.sandbox.account.sid).length);
      // Its own copies of oclif and cli-core still turn errors into the documented exit statuses.
      const badInput = await world.run(['recordings:list', '--older-than', '30'], { env: world.authTokenEnv });
      expect(badInput.status).to.equal(2);
      expect(badInput.stderr).to.match(/Invalid --older-than "30"/);
    } finally {
      await world.close();
      rmSync(packDir, { recursive: true, force: true });
    }
  });
});
