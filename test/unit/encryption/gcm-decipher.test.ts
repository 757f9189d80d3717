import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GcmDecipherStream, TagMismatchError } from '../../../src/encryption/gcm-decipher';
import { encryptMedia } from './encryption-vectors';

/** Feeds `bytes` in chunks of the sizes given (repeated), and collects what comes out. */
async function decrypt(bytes: Buffer, key: Buffer, iv: Buffer, chunkSizes = [65_536]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new GcmDecipherStream(key, iv),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('GcmDecipherStream', () => {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const plaintext = randomBytes(200_001);
  const ciphertext = encryptMedia(plaintext, key, iv);

  it('decrypts AES-256-GCM with a 12-byte IV whose 16-byte tag ends the file', async () => {
    expect(ciphertext.length).to.equal(plaintext.length + 16);
    expect(await decrypt(ciphertext, key, iv)).to.deep.equal(plaintext);
  });

  it('finds the tag however the bytes are cut into chunks, down to one byte', async () => {
    expect(await decrypt(ciphertext, key, iv, [1, 7, 15, 16, 17, 4096])).to.deep.equal(plaintext);
  });

  it('refuses a file with one byte flipped', async () => {
    const tampered = Buffer.from(ciphertext);
    tampered[1000]! ^= 0x01;
    await decrypt(tampered, key, iv).then(
      () => expect.fail('decrypted'),
      (error: Error) =>
        expect(error)
          .to.be.instanceOf(TagMismatchError)
          .with.property('message')
          .match(/GCM tag/),
    );
  });

  it('refuses a file without its tag', async () => {
    await decrypt(ciphertext.subarray(0, ciphertext.length - 16), key, iv).then(
      () => expect.fail('decrypted'),
      (error: Error) => expect(error).to.be.instanceOf(TagMismatchError),
    );
  });

  it('refuses a file shorter than a tag', async () => {
    await decrypt(ciphertext.subarray(0, 10), key, iv).then(
      () => expect.fail('decrypted'),
      (error: Error) => expect(error.message).to.match(/too short/),
    );
  });

  it('refuses another content key', async () => {
    await decrypt(ciphertext, randomBytes(32), iv).then(
      () => expect.fail('decrypted'),
      (error: Error) => expect(error).to.be.instanceOf(TagMismatchError),
    );
  });

  it('uses a 256-bit key: a 128-bit key is refused before any byte is read', () => {
    expect(() => new GcmDecipherStream(randomBytes(16), iv)).to.throw(TagMismatchError, /32/);
  });
});
