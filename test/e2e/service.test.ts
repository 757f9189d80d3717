import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killRunningListeners, RunningListener } from './running-listener';
import { REPO_ROOT, TWILIO_BIN, TwilioWorld } from './twilio-world';

const UNIT_FILE = join(REPO_ROOT, 'docs', 'examples', 'twilio-recordings.service');
const SERVICE_DOC = join(REPO_ROOT, 'docs', 'service.md');
const INSTALLED_BIN = '/usr/local/bin/twilio';
const STATE_DIR = '/var/lib/twilio-recordings';

/** The unit's ExecStart, split into words as systemd splits it (the unit quotes nothing). */
function execStart(unit: string): string[] {
  const line = unit.split('\n').find((entry) => entry.startsWith('ExecStart='));
  if (!line) throw new Error('the unit has no ExecStart');
  return line.slice('ExecStart='.length).trim().split(/\s+/);
}

describe('the systemd unit of docs/service.md', function () {
  this.timeout(90_000);
  const unit = readFileSync(UNIT_FILE, 'utf8');

  it('is shown in docs/service.md exactly as in docs/examples', () => {
    expect(readFileSync(SERVICE_DOC, 'utf8')).to.include(unit.trimEnd());
  });

  it('passes systemd-analyze verify', function () {
    const which = spawnSync('which', ['systemd-analyze'], { encoding: 'utf8' });
    if (which.status !== 0) {
      console.log('      (skipped: systemd-analyze is not installed; on Debian it comes with the systemd package)');
      this.skip();
    }
    // Checked where the binary this checkout builds stands in for the installed one.
    const dir = mkdtempSync(join(tmpdir(), 'unit-check-'));
    const checked = join(dir, 'twilio-recordings.service');
    writeFileSync(checked, unit.split(INSTALLED_BIN).join(TWILIO_BIN));
    const verify = spawnSync('systemd-analyze', ['verify', checked], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).to.equal(0);
    expect(verify.stderr.trim(), 'systemd-analyze warnings').to.equal('');
  });

  describe('its command line', () => {
    let world: TwilioWorld;
    before(async () => {
      world = await TwilioWorld.start({ subaccounts: 0 });
    });
    after(() => world.close());
    afterEach(() => killRunningListeners());

    it('archives and deletes what it missed, serves /healthz, and on SIGTERM finishes and exits 0', async () => {
      const missed = world.sandbox.store.addRecording({
        accountSid: world.sandbox.account.sid,
        status: 'completed',
        durationSeconds: 5,
        dateCreated: Date.now() - 30 * 60_000,
      });
      const state = mkdtempSync(join(tmpdir(), 'service-state-'));
      mkdirSync(join(state, 'home'));
      // The folder systemd would create, the installed binary, and a free port instead of 3000.
      const argv = execStart(unit)
        .slice(1)
        .map((word) => word.split(STATE_DIR).join(state))
        .map((word) => (word === '${PUBLIC_URL}' ? 'https://hooks.example.test' : word));
      argv[argv.indexOf('--port') + 1] = '0';
      expect(execStart(unit)[0]).to.equal(INSTALLED_BIN);

      const listener = await RunningListener.run(world, argv, world.authTokenEnv, state);
      await listener.waitForStdout(/catch-up/);
      const health = await fetch(new URL('/healthz', listener.localUrl).href);
      expect(health.status).to.equal(200);
      const run = await listener.stop('SIGTERM');

      expect(run.status, run.stderr).to.equal(0);
      expect(run.stderr).to.match(
        /Callback URL \(your tunnel or proxy\): https:\/\/hooks\.example\.test\/recording-status/,
      );
      expect(run.stderr).to.match(/Stopping: closing the tunnel and finishing/);
      expect(run.stderr).to.match(/Received 0 requests: .*1 downloaded, 1 deleted\./);
      expect(existsSync(join(state, 'archive', 'manifest.jsonl'))).to.equal(true);
      expect(world.sandbox.store.getRecording(missed.sid)?.status).to.equal('deleted');
    });
  });
});
