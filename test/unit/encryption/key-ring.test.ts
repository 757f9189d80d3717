import { expect } from 'chai';
import forge from 'node-forge';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadInputError } from '../../../src/errors';
import { parseEncryptionDetails } from '../../../src/encryption/encryption-details';
import { KeyRing, privateKeySource, WrongKeyError } from '../../../src/encryption/key-ring';
import { temporaryFolder } from '../media/media-test-kit';
import { KEY_SID, rsaKeyPair, vector, wrapKey, type KeyPair } from './encryption-vectors';

const noPassphrase = async () => undefined;

async function rejects(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => expect.fail('resolved'),
    (caught: Error) => caught,
  );
  expect(error).to.be.instanceOf(WrongKeyError);
  expect(error.message).to.match(message);
}

function readable(details: unknown) {
  const parsed = parseEncryptionDetails(details);
  if (!parsed?.readable) throw new Error('unreadable details');
  return parsed;
}

describe('KeyRing', function () {
  this.timeout(30_000);
  let folder: string;
  let keys: KeyPair;
  let other: KeyPair;

  before(() => {
    folder = temporaryFolder();
    keys = rsaKeyPair();
    other = rsaKeyPair();
  });

  const pem = (name: string, text: string | Buffer) => {
    const path = join(folder, name);
    writeFileSync(path, text);
    return path;
  };
  const pkcs8 = (pair: KeyPair) => pair.privateKey.export({ type: 'pkcs8', format: 'pem' });

  it('unwraps a content key wrapped with RSAES-OAEP, SHA-256 and MGF1-SHA-256, from a PKCS#8 PEM', async () => {
    const ring = await KeyRing.load([{ path: pem('k8.pem', pkcs8(keys)) }], noPassphrase);
    const v = vector(keys);
    expect((await ring.unwrap(readable(v.details))).contentKey).to.deep.equal(v.contentKey);
  });

  it('reads a PKCS#1 PEM', async () => {
    const path = pem('k1.pem', keys.privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const ring = await KeyRing.load([{ path }], noPassphrase);
    const v = vector(keys);
    expect((await ring.unwrap(readable(v.details))).contentKey).to.deep.equal(v.contentKey);
  });

  it('agrees with another implementation that sets OAEP and MGF1 to SHA-256 explicitly', async () => {
    const ring = await KeyRing.load([{ path: pem('k8.pem', pkcs8(keys)) }], noPassphrase);
    const contentKey = randomBytes(32);
    const forgeKey = forge.pki.publicKeyFromPem(keys.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const wrapped = forgeKey.encrypt(contentKey.toString('binary'), 'RSA-OAEP', {
      md: forge.md.sha256.create(),
      mgf1: { md: forge.md.sha256.create() },
    });
    const details = {
      public_key_sid: KEY_SID,
      encrypted_cek: forge.util.encode64(wrapped),
      iv: randomBytes(12).toString('base64'),
    };
    expect((await ring.unwrap(readable(details))).contentKey).to.deep.equal(contentKey);
  });

  it('refuses OAEP with SHA-256 but MGF1-SHA-1', async () => {
    const ring = await KeyRing.load([{ path: pem('k8.pem', pkcs8(keys)) }], noPassphrase);
    const forgeKey = forge.pki.publicKeyFromPem(keys.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const wrapped = forgeKey.encrypt(randomBytes(32).toString('binary'), 'RSA-OAEP', {
      md: forge.md.sha256.create(),
      mgf1: { md: forge.md.sha1.create() },
    });
    const details = {
      public_key_sid: KEY_SID,
      encrypted_cek: forge.util.encode64(wrapped),
      iv: randomBytes(12).toString('base64'),
    };
    await rejects(ring.unwrap(readable(details)), /content key/);
  });

  it('refuses OAEP with SHA-1', async () => {
    const ring = await KeyRing.load([{ path: pem('k8.pem', pkcs8(keys)) }], noPassphrase);
    const v = vector(keys);
    const details = { ...v.details, encrypted_cek: wrapKey(keys.publicKey, v.contentKey, 'sha1').toString('base64') };
    await rejects(ring.unwrap(readable(details)), /content key/);
  });

  it('finds the right key among several by trying, and names the public key when none fits', async () => {
    const ring = await KeyRing.load(
      [{ path: pem('other.pem', pkcs8(other)) }, { path: pem('k8.pem', pkcs8(keys)) }],
      noPassphrase,
    );
    const v = vector(keys);
    expect(await ring.unwrap(readable(v.details))).to.deep.include({
      contentKey: v.contentKey,
      keyPath: join(folder, 'k8.pem'),
    });
    const stranger = vector(rsaKeyPair(), undefined, 'CR' + '2'.repeat(32));
    await rejects(ring.unwrap(readable(stranger.details)), /CR2{32}/);
  });

  it('reads CR…=FILE as a key tied to its Public Key SID', () => {
    expect(privateKeySource(`${KEY_SID}=/keys/a=b.pem`)).to.deep.equal({ keySid: KEY_SID, path: '/keys/a=b.pem' });
    expect(privateKeySource('/keys/a.pem')).to.deep.equal({ path: '/keys/a.pem' });
  });

  it('opens an encrypted PEM with the passphrase it is given', async () => {
    const path = pem(
      'enc.pem',
      keys.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'open sesame' }),
    );
    const ring = await KeyRing.load([{ path }], async () => 'open sesame');
    const v = vector(keys);
    expect((await ring.unwrap(readable(v.details))).contentKey).to.deep.equal(v.contentKey);
  });

  const refusals: Array<[string, () => string, () => Promise<string | undefined>, RegExp]> = [
    ['a missing file', () => join(folder, 'missing.pem'), noPassphrase, /Cannot read the private key .*ENOENT/],
    [
      'a public key',
      () => pem('pub.pem', keys.publicKey.export({ type: 'spki', format: 'pem' })),
      noPassphrase,
      /not the public key/,
    ],
    [
      'a corrupt PEM',
      () => pem('bad.pem', (pkcs8(keys) as string).replace(/[A-Za-z]{20}/, '')),
      noPassphrase,
      /not a readable PEM private key/,
    ],
    [
      'an encrypted PEM without a passphrase',
      () =>
        pem(
          'enc2.pem',
          keys.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }),
        ),
      noPassphrase,
      /is encrypted: run on a terminal .* or give it in an environment variable/,
    ],
    [
      'a wrong passphrase',
      () =>
        pem(
          'enc3.pem',
          keys.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right' }),
        ),
      async () => 'wrong',
      /wrong passphrase/,
    ],
  ];
  for (const [what, path, passphrase, message] of refusals) {
    it(`refuses ${what} as bad input, in one line that prints no key material`, async () => {
      const error = await KeyRing.load([{ path: path() }], passphrase).then(
        () => expect.fail('loaded'),
        (caught: Error) => caught,
      );
      expect(error).to.be.instanceOf(BadInputError);
      expect(error.message).to.match(message);
      expect(error.message).not.to.match(/\n|[A-Za-z0-9+/]{40}|right/);
    });
  }
});
