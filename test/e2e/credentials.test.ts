import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwilioWorld, type TwilioRun } from './twilio-world';
import { expectOneLineFailure } from './one-line-failure';

const SECRET = 'S3cr3t' + 'x'.repeat(26);

/** Exit 4 in one line, and no secret anywhere. */
function expectCredentialsError(run: TwilioRun, message: RegExp, secrets: string[] = [SECRET]): void {
  expectOneLineFailure(run, 4, message);
  for (const secret of secrets) expect(run.stderr).not.to.include(secret);
}

describe('credentials that cannot work (exit 4, one line, no secret)', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let scratch: string;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 0, recordings: 5 });
    scratch = mkdtempSync(join(tmpdir(), 'credentials-'));
  });
  after(async () => {
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  beforeEach(() => world.sandbox.resetCounters());
  afterEach(() => world.sandbox.setAccountStatus(world.sandbox.account.sid, 'active'));

  const commands = (): string[][] => [
    ['recordings:list'],
    ['recordings:download', '--output-dir', join(scratch, 'out')],
    ['recordings:purge', '--older-than', '30d', '--force'],
    ['recordings:callbacks:send', 'http://127.0.0.1:9/hook'],
    ['recordings:callbacks:listen', '--port', '0'],
  ];

  for (const format of ['columns', 'json']) {
    it(`refuses a TWILIO_ACCOUNT_SID that is not an account SID in every command, before any request (-o ${format})`, async () => {
      for (const args of commands()) {
        const run = await world.run([...args, '-o', format], {
          env: { TWILIO_ACCOUNT_SID: 'notasid', TWILIO_AUTH_TOKEN: SECRET },
        });
        expectCredentialsError(run, /^ » TWILIO_ACCOUNT_SID is not an account SID \(AC followed by 32 hexadecimal/);
      }
      expect(world.sandbox.counters.requests.total).to.equal(0);
    });
  }

  it('never echoes a secret pasted into TWILIO_ACCOUNT_SID', async () => {
    const token = world.sandbox.account.authToken;
    const run = await world.run(['recordings:list'], {
      env: { TWILIO_ACCOUNT_SID: token, TWILIO_AUTH_TOKEN: world.sandbox.account.sid },
    });
    expectCredentialsError(run, /TWILIO_ACCOUNT_SID is not an account SID/, [token]);
  });

  it('refuses a TWILIO_API_KEY that is not an API key SID', async () => {
    const run = await world.run(['recordings:list'], {
      env: { TWILIO_ACCOUNT_SID: world.sandbox.account.sid, TWILIO_API_KEY: 'mykey', TWILIO_API_SECRET: SECRET },
    });
    expectCredentialsError(run, /TWILIO_API_KEY is not an API key SID \(SK followed by 32 hexadecimal digits\)/);
    expect(world.sandbox.counters.requests.total).to.equal(0);
  });

  it('refuses a profile whose account SID or API key is malformed, naming the profile', async () => {
    const good = {
      accountSid: world.sandbox.account.sid,
      apiKey: world.sandbox.account.apiKeySid,
      apiSecret: SECRET,
    };
    world.writeProfile('broken', { ...good, accountSid: 'AC123' });
    expectCredentialsError(
      await world.run(['recordings:list', '-p', 'broken']),
      /Profile "broken" has no valid account SID .* "twilio profiles:create"/,
    );
    world.writeProfile('broken', { ...good, apiKey: 'KS' + '0'.repeat(32) });
    expectCredentialsError(
      await world.run(['recordings:list', '-p', 'broken']),
      /Profile "broken" has no valid API key SID \(SK followed by 32 hexadecimal digits\)/,
    );
    expect(world.sandbox.counters.requests.total).to.equal(0);
  });

  it('reports a suspended account (403) as a credentials problem', async () => {
    world.sandbox.setAccountStatus(world.sandbox.account.sid, 'suspended');
    const run = await world.run(['recordings:list'], { env: world.authTokenEnv });
    expectCredentialsError(
      run,
      new RegExp(
        `Twilio refused the credentials in the TWILIO_\\* environment variables access to account ${world.sandbox.account.sid} \\(403, error 20005\\)`,
      ),
      [world.sandbox.account.authToken],
    );
  });

  it('reports an account Twilio does not have (404) as a credentials problem', async () => {
    world.sandbox.setAccountStatus(world.sandbox.account.sid, 'closed');
    world.writeProfile('closed', {
      accountSid: world.sandbox.account.sid,
      apiKey: world.sandbox.account.apiKeySid,
      apiSecret: world.sandbox.account.apiKeySecret,
    });
    const run = await world.run(['recordings:download', '--output-dir', join(scratch, 'closed'), '-p', 'closed']);
    expectCredentialsError(
      run,
      new RegExp(
        `Twilio has no account ${world.sandbox.account.sid} for the credentials of profile "closed" \\(404, error 20404\\)`,
      ),
      [world.sandbox.account.apiKeySecret],
    );
  });

  it('reports rejected credentials (401) in one line, without the secret', async () => {
    const run = await world.run(['recordings:purge', '--older-than', '30d', '--force', '-o', 'json'], {
      env: { TWILIO_ACCOUNT_SID: world.sandbox.account.sid, TWILIO_AUTH_TOKEN: SECRET },
    });
    expectCredentialsError(run, /Twilio rejected .* \(401, error 20003\)/);
  });
});
