import { expect } from 'chai';
import { constants, createDecipheriv, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expectedMedia, servedMedia, startSandbox, type Sandbox } from '../../sandbox';
import { runCommand, TWILIO_BIN } from '../e2e/twilio-world';
import { direct } from './http-client';

/** Decrypts as Twilio's tutorial says: RSA-OAEP-SHA256 for the content key, AES-256-GCM with the tag at the end. */
function decrypt(media: Buffer, details: Record<string, string>, privateKey: KeyObject): Buffer {
  const wrapped = details.encrypted_cek ?? details.encryption_cek;
  const iv = details.iv ?? details.encryption_iv;
  const contentKey = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(wrapped!, 'base64'),
  );
  const decipher = createDecipheriv('aes-256-gcm', contentKey, Buffer.from(iv!, 'base64'));
  decipher.setAuthTag(media.subarray(media.length - 16));
  return Buffer.concat([decipher.update(media.subarray(0, media.length - 16)), decipher.final()]);
}

describe('sandbox: Voice Recording Encryption', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }) as string;

  beforeEach(async () => {
    sandbox = await startSandbox({
      seed: 3,
      subaccounts: 0,
      recordings: { count: 6, statusMix: { completed: 1 }, maxDurationSeconds: 5 },
    });
  });
  afterEach(() => sandbox.close());

  const auth = (): [string, string] => [sandbox.account.sid, sandbox.account.authToken];
  const mediaPath = (sid: string, ext = '') => `/2010-04-01/Accounts/${sandbox.account.sid}/Recordings/${sid}${ext}`;

  it('serves each encrypted recording as AES-256-GCM ciphertext of its WAV, the tag appended', async () => {
    const keySid = sandbox.registerPublicKey(publicPem);
    sandbox.encryptRecordings(sandbox.account.sid);
    for (const recording of sandbox.store.recordings(sandbox.account.sid)) {
      const media = await direct(sandbox, mediaPath(recording.sid, '.wav'), { auth: auth() });
      expect(media.status).to.equal(200);
      expect(media.body.length).to.equal(expectedMedia(recording).bytes + 16);
      expect(media.body).to.deep.equal(servedMedia(recording));
      const json = (await direct(sandbox, mediaPath(recording.sid, '.json'), { auth: auth() })).json();
      expect(json.encryption_details).to.include({ type: 'rsa-aes', public_key_sid: keySid });
      const plain = decrypt(media.body, json.encryption_details, keys.privateKey);
      expect(plain.length).to.equal(expectedMedia(recording).bytes);
    }
  });

  it('names the details as the API spec does when asked', async () => {
    const keySid = sandbox.registerPublicKey(publicPem);
    sandbox.encryptRecordings(sandbox.account.sid, { naming: 'api' });
    const sid = sandbox.store.recordings(sandbox.account.sid)[0]!.sid;
    const json = (await direct(sandbox, mediaPath(sid, '.json'), { auth: auth() })).json();
    expect(Object.keys(json.encryption_details).sort()).to.deep.equal([
      'encryption_cek',
      'encryption_iv',
      'encryption_public_key_sid',
    ]);
    expect(json.encryption_details.encryption_public_key_sid).to.equal(keySid);
  });

  it('answers 16109 to an encrypted recording asked for as mp3', async () => {
    sandbox.registerPublicKey(publicPem);
    sandbox.encryptRecordings(sandbox.account.sid);
    const sid = sandbox.store.recordings(sandbox.account.sid)[0]!.sid;
    const answer = await direct(sandbox, mediaPath(sid, '.mp3'), { auth: auth() });
    expect(answer.status).to.equal(400);
    expect(answer.json().code).to.equal(16109);
  });

  it('leaves a recording whose encryption failed without media, with error 16104', async () => {
    const sid = sandbox.store.recordings(sandbox.account.sid)[0]!.sid;
    sandbox.failEncryption(sid);
    const json = (await direct(sandbox, mediaPath(sid, '.json'), { auth: auth() })).json();
    expect(json).to.include({ status: 'absent', error_code: 16104 });
    expect((await direct(sandbox, mediaPath(sid, '.wav'), { auth: auth() })).status).to.equal(404);
  });

  it('falls back to the most recently added valid key when the configured one is invalid (16107)', () => {
    const configured = sandbox.registerPublicKey(publicPem);
    const fallback = sandbox.registerPublicKey(publicPem);
    const newest = sandbox.registerPublicKey(publicPem);
    sandbox.invalidatePublicKey(newest);
    sandbox.invalidatePublicKey(configured);
    expect(sandbox.encryptRecordings(sandbox.account.sid, { keySid: configured })).to.equal(fallback);
  });

  it('registers a public key through the real twilio api:accounts:v1:credentials:public-keys:create', async () => {
    const home = mkdtempSync(join(tmpdir(), 'twilio-home-'));
    try {
      const run = await runCommand(
        TWILIO_BIN,
        [
          'api:accounts:v1:credentials:public-keys:create',
          '--public-key',
          publicPem,
          '--friendly-name',
          'recordings',
          '-o',
          'json',
        ],
        {
          ...process.env,
          HOME: home,
          TWILIO_DISABLE_AUTOUPDATE: '1',
          TWILIO_SKIP_NEW_VERSION_CHECK: '1',
          TWILIO_ACCOUNT_SID: sandbox.account.sid,
          TWILIO_AUTH_TOKEN: sandbox.account.authToken,
          ...sandbox.env,
        },
      );
      expect(run.status, run.stderr).to.equal(0);
      const [created] = JSON.parse(run.stdout) as Array<{ sid: string; friendlyName: string; accountSid: string }>;
      expect(created!.sid).to.match(/^CR[0-9a-f]{32}$/);
      expect(created).to.include({ friendlyName: 'recordings', accountSid: sandbox.account.sid });
      expect(sandbox.counters.requests['public-keys']).to.equal(1);
      expect(sandbox.encryptRecordings(sandbox.account.sid)).to.equal(created!.sid);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
