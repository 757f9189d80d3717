import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { startSandbox, type Sandbox } from '../../sandbox';

const TWILIO_BIN = resolve(__dirname, '../../node_modules/.bin/twilio');
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

function runTwilio(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const name of [
    ...PROXY_VARS,
    'TWILIO_ACCOUNT_SID',
    'TWILIO_AUTH_TOKEN',
    'TWILIO_API_KEY',
    'TWILIO_API_SECRET',
  ]) {
    delete base[name];
  }
  return new Promise((done) => {
    execFile(TWILIO_BIN, args, { env: { ...base, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the real twilio binary through the sandbox', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let home: string;
  let common: Record<string, string>;

  before(async function () {
    sandbox = await startSandbox({ seed: 13, subaccounts: 1, recordings: 40 });
    home = mkdtempSync(join(tmpdir(), 'twilio-home-'));
    common = {
      HOME: home,
      TWILIO_DISABLE_AUTOUPDATE: '1',
      TWILIO_SKIP_NEW_VERSION_CHECK: '1',
      NODE_EXTRA_CA_CERTS: sandbox.env.NODE_EXTRA_CA_CERTS,
    };
  });
  after(async function () {
    await sandbox.close();
    rmSync(home, { recursive: true, force: true });
  });
  beforeEach(() => sandbox.resetCounters());

  const credentials = (): Record<string, string> => ({
    TWILIO_ACCOUNT_SID: sandbox.account.sid,
    TWILIO_AUTH_TOKEN: sandbox.account.authToken,
  });

  it('lists recordings through a CONNECT tunnel (HTTP_PROXY set: cli-core installs a proxy agent)', async function () {
    const result = await runTwilio(['api:core:recordings:list', '-o', 'json', '--limit', '100'], {
      ...common,
      ...credentials(),
      HTTP_PROXY: sandbox.env.HTTP_PROXY,
      HTTPS_PROXY: sandbox.env.HTTPS_PROXY,
    });
    expect(result.code, result.stderr).to.equal(0);
    const listed = JSON.parse(result.stdout).map((r: { sid: string }) => r.sid);
    expect(listed).to.deep.equal(sandbox.store.recordings(sandbox.account.sid).map((r) => r.sid));
    expect(sandbox.counters.transports.tunnel).to.be.above(0);
    expect(sandbox.counters.transports.absolute).to.equal(0);
  });

  // Older axios releases sent absolute-form requests here; the installed axios (1.21) tunnels with CONNECT as well.
  // Absolute-form handling is covered in proxy.test.ts either way.
  it('removes a recording through the proxy with only HTTPS_PROXY set (axios proxies by itself)', async function () {
    const target = sandbox.store.recordings(sandbox.account.sid).find((r) => r.status === 'completed')!;
    const result = await runTwilio(['api:core:recordings:remove', '--sid', target.sid], {
      ...common,
      ...credentials(),
      HTTPS_PROXY: sandbox.env.HTTPS_PROXY,
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(sandbox.store.getRecording(target.sid)!.status).to.equal('deleted');
    expect(sandbox.counters.deletesPerSid[target.sid]).to.equal(1);
    const { tunnel, absolute, direct } = sandbox.counters.transports;
    expect(tunnel + absolute).to.equal(1);
    expect(direct).to.equal(0);
  });

  it('creates a profile (validates the account, creates an API key) and uses it', async function () {
    const env = { ...common, HTTP_PROXY: sandbox.env.HTTP_PROXY, HTTPS_PROXY: sandbox.env.HTTPS_PROXY };
    const created = await runTwilio(
      ['profiles:create', sandbox.account.sid, '--auth-token', sandbox.account.authToken, '-p', 'sandbox'],
      env,
    );
    expect(created.code, created.stderr).to.equal(0);
    const config = JSON.parse(readFileSync(join(home, '.twilio-cli', 'config.json'), 'utf8'));
    expect(config.profiles.sandbox.accountSid).to.equal(sandbox.account.sid);
    expect(config.profiles.sandbox.apiKey).to.match(/^SK[0-9a-f]{32}$/);
    expect(sandbox.counters.requests.keys).to.equal(1);
    const listed = await runTwilio(['api:core:recordings:list', '-p', 'sandbox', '-o', 'json', '--limit', '5'], env);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(JSON.parse(listed.stdout)).to.have.length(5);
  });
});
