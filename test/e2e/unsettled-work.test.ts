import { expect } from 'chai';
import { pluginCopy, TwilioWorld } from './twilio-world';

/**
 * A stand-in for the AWS SDK at its boundary, S3Client.send(), whose answer never comes and that
 * holds nothing open meanwhile: the command's work is left pending when its event loop runs empty.
 */
const SILENT_SDK = {
  'package.json': JSON.stringify({ name: '@aws-sdk/client-s3', main: 'index.js' }),
  'index.js': `class S3Client {
  send() { return new Promise(() => {}); }
  destroy() {}
}
class Command { constructor(input) { this.input = input; } }
module.exports = new Proxy({ S3Client }, { get: (sdk, name) => sdk[name] ?? Command });
`,
};

describe('a command whose work never settles', function () {
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
      ' » twilio recordings:download stopped before it finished; this is a bug: please report it.',
    ]);
  });
});
