import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pluginCopy, REPO_ROOT, TwilioWorld } from './twilio-world';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bugs: { url: string };
};

/**
 * A stand-in for the AWS SDK at its boundary, S3Client.send(), whose answer never comes and that
 * holds nothing open meanwhile: the command's work is left pending when its event loop runs empty.
 * With SDK_STAND_IN_CRASHES set, creating a client fails instead, as a bug would, with a TypeError.
 */
const SILENT_SDK = {
  'package.json': JSON.stringify({ name: '@aws-sdk/client-s3', main: 'index.js' }),
  'index.js': `class S3Client {
  constructor() {
    if (process.env.SDK_STAND_IN_CRASHES) null.region;
  }
  send() { return new Promise(() => {}); }
  destroy() {}
}
class Command { constructor(input) { this.input = input; } }
module.exports = new Proxy({ S3Client }, { get: (sdk, name) => sdk[name] ?? Command });
`,
};

describe('a command that stops on a bug', function () {
  this.timeout(120_000);
  let world: TwilioWorld;

  before(async () => {
    world = await TwilioWorld.start(
      { recordings: { count: 2 }, subaccounts: 0 },
      { pluginRoot: pluginCopy(['@aws-sdk/client-s3'], { '@aws-sdk/client-s3': SILENT_SDK }) },
    );
  });
  after(() => world.close());

  it('exits 1 with one line saying it stopped before it finished, not 0', async () => {
    const run = await world.run(['recordings:download', '--output-dir', 's3://archive/recordings'], {
      env: { ...world.authTokenEnv, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', AWS_REGION: 'us-east-1' },
    });
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr.trimEnd().split('\n'), run.stderr).to.deep.equal([
      ` » twilio recordings:download stopped before it finished; this is a bug in ${pkg.name} ${pkg.version}: ` +
        `please report it at ${pkg.bugs.url}.`,
    ]);
  });

  it("reports a bug in one line naming this plugin, -l debug and this plugin's issue tracker", async () => {
    const env = {
      ...world.authTokenEnv,
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
      AWS_REGION: 'us-east-1',
      SDK_STAND_IN_CRASHES: '1',
    };
    const run = await world.run(['recordings:download', '--output-dir', 's3://archive/recordings'], { env });
    expect(run.status, run.stderr).to.equal(1);
    expect(run.stdout).to.equal('');
    expect(run.stderr.trimEnd().split('\n'), run.stderr).to.deep.equal([
      ` » twilio recordings:download stopped on an unexpected error (a bug in ${pkg.name} ${pkg.version}): ` +
        `run it again with "-l debug" to see the details, and report them at ${pkg.bugs.url}.`,
    ]);
    const debug = await world.run(['recordings:download', '--output-dir', 's3://archive/recordings', '-l', 'debug'], {
      env,
    });
    expect(debug.status).to.equal(1);
    expect(debug.stderr).to.match(/TypeError: Cannot read properties of null \(reading 'region'\)/);
  });
});
