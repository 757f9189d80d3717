import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMedia } from '../../sandbox';
import { sha256Of } from './download-tree';
import { keyFiles, type KeyFiles } from './encryption-keys';
import { killRunningListeners, RunningListener } from './running-listener';
import { TwilioWorld } from './twilio-world';

describe('encrypted recordings in recording status callbacks', function () {
  this.timeout(120_000);
  let world: TwilioWorld;
  let scratch: string;
  let key: KeyFiles;
  let keySid: string;

  before(async () => {
    world = await TwilioWorld.start({ seed: 9, subaccounts: 0 });
    scratch = mkdtempSync(join(tmpdir(), 'encrypted-callbacks-e2e-'));
    key = keyFiles(scratch, 'main');
    keySid = world.sandbox.registerPublicKey(key.publicPem);
  });
  after(() => world.close());
  afterEach(() => killRunningListeners());

  const encryptedRecording = () => {
    const recording = world.sandbox.store.addRecording({
      accountSid: world.sandbox.account.sid,
      status: 'completed',
      durationSeconds: 3,
    });
    world.sandbox.encryptRecordings(world.sandbox.account.sid, { keySid, sids: [recording.sid] });
    return recording;
  };
  const send = (url: string, args: string[]) =>
    world.run(['recordings:callbacks:send', url, ...args], { env: world.authTokenEnv });

  it('listen --decrypt-key decrypts each recording as its callback arrives, and deletes it once verified', async () => {
    const recording = encryptedRecording();
    const dir = join(scratch, 'decrypted');
    const listener = await RunningListener.start(
      world,
      ['--download-dir', dir, '--layout', '{sid}.{ext}', '--decrypt-key', key.privatePath, '--delete-after-download'],
      world.authTokenEnv,
    );
    const sent = await send(listener.localUrl, ['--recording-sid', recording.sid]);
    expect(sent.status, sent.stderr).to.equal(0);
    await listener.waitForStdout(/deleted from Twilio|not downloaded/);
    const stopped = await listener.stop();
    expect(stopped.status, stopped.stderr).to.equal(0);
    expect(sha256Of(join(dir, `${recording.sid}.wav`))).to.equal(expectedMedia(recording).sha256);
    expect(world.sandbox.store.getRecording(recording.sid)!.status).to.equal('deleted');
  });

  it('listen without a key keeps an encrypted recording on Twilio rather than delete it unverified', async () => {
    const recording = encryptedRecording();
    const dir = join(scratch, 'no-key');
    const listener = await RunningListener.start(
      world,
      ['--download-dir', dir, '--layout', '{sid}.{ext}', '--delete-after-download'],
      world.authTokenEnv,
    );
    const sent = await send(listener.localUrl, ['--recording-sid', recording.sid]);
    expect(sent.status, sent.stderr).to.equal(0);
    await listener.waitForStdout(/not downloaded/);
    const stopped = await listener.stop();
    expect(stopped.stdout).to.match(
      new RegExp(`${recording.sid} not downloaded: .*encrypted, and without --decrypt-key .*: kept on Twilio`),
    );
    expect(world.sandbox.store.getRecording(recording.sid)!.status).to.equal('completed');
    expect(existsSync(join(dir, `${recording.sid}.wav`))).to.equal(false);
  });

  describe('send', () => {
    let server: Server;
    let bodies: URLSearchParams[];
    let url: string;

    before(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          bodies.push(new URLSearchParams(body));
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/recordings`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => (bodies = []));

    it('send --event completed --encrypted sends EncryptionDetails as a JSON string, as Twilio does', async () => {
      const run = await send(url, ['--event', 'completed', '--encrypted']);
      expect(run.status, run.stderr).to.equal(0);
      const details = JSON.parse(bodies[0]!.get('EncryptionDetails')!) as Record<string, string>;
      expect(details.type).to.equal('rsa-aes');
      expect(details.public_key_sid).to.match(/^CR[0-9a-f]{32}$/);
      expect(Buffer.from(details.iv!, 'base64')).to.have.length(12);
      expect(Buffer.from(details.encrypted_cek!, 'base64')).to.have.length(256);
    });

    it('send --recording-sid of an encrypted recording sends its own details', async () => {
      const recording = encryptedRecording();
      const run = await send(url, ['--recording-sid', recording.sid]);
      expect(run.status, run.stderr).to.equal(0);
      expect(JSON.parse(bodies[0]!.get('EncryptionDetails')!)).to.deep.equal(recording.encryptionDetails);
    });

    it('send --event failed carries error 16104', async () => {
      const run = await send(url, ['--event', 'failed']);
      expect(run.status, run.stderr).to.equal(0);
      expect(bodies[0]!.get('RecordingStatus')).to.equal('failed');
      expect(bodies[0]!.get('ErrorCode')).to.equal('16104');
    });
  });
});
