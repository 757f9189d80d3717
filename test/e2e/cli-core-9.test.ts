import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLineFailure } from './one-line-failure';
import { REGISTRY_NETWORK, TwilioWorld, pluginCopy } from './twilio-world';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/**
 * The plugin on @twilio/cli-core 9, the host's next major (Node 22 and later), with the @oclif/core
 * that 9 resolves: a copy other than the host CLI's, as a user's install has. The package stays on
 * ~8.3 while twilio-cli supports Node 20; this keeps the move to 9 a one-line change.
 */
describe('the plugin on @twilio/cli-core 9', function () {
  this.timeout(300_000);
  let world: TwilioWorld;

  before(async function () {
    if (NODE_MAJOR < 22) this.skip(); // cli-core 9 needs Node 22 or later
    const prefix = mkdtempSync(join(tmpdir(), 'cli-core-9-'));
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '@twilio/cli-core@^9',
        '@oclif/core@^1',
      ],
      { env: { ...process.env, ...REGISTRY_NETWORK }, stdio: 'ignore', timeout: 240_000 },
    );
    const root = pluginCopy(['@twilio/cli-core', '@oclif/core']);
    for (const name of ['@twilio/cli-core', '@oclif/core']) {
      symlinkSync(join(prefix, 'node_modules', name), join(root, 'node_modules', name));
    }
    const version = JSON.parse(readFileSync(join(root, 'node_modules/@twilio/cli-core/package.json'), 'utf8')).version;
    expect(version).to.match(/^9\./);
    world = await TwilioWorld.start({ recordings: 5, subaccounts: 0 }, { pluginRoot: root });
  });
  after(() => world?.close());

  it('lists recordings', async () => {
    const run = await world.run(['recordings:list', '--no-limit', '-o', 'json'], { env: world.authTokenEnv });
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.have.length(world.sandbox.store.recordings(world.sandbox.account.sid).length);
  });

  it('reads a holds file and prints errors as one line with their exit status', async () => {
    const holds = join(world.home, 'holds.json');
    writeFileSync(holds, JSON.stringify({ version: 1, holds: [] }));
    const list = await world.run(['recordings:holds:list', '--holds', holds, '-o', 'json']);
    expect(list.status, list.stderr).to.equal(0);
    expect(JSON.parse(list.stdout)).to.deep.equal([]);
    const bad = await world.run(['recordings:list', '--older-than', '30'], { env: world.authTokenEnv });
    expectOneLineFailure(bad, 2, /Invalid --older-than "30"/);
  });
});
