// The floor of decrypting while downloading on this machine and sandbox: the bare client of
// bare-download.js (no CLI, no checks, no disk), which, given a private key file, also unwraps each
// encrypted recording's content key (RSA-OAEP, SHA-256) and deciphers its media (AES-256-GCM, tag
// checked), discarding the plaintext. Prints the number of recordings fetched.
const crypto = require('node:crypto');
const { readFileSync } = require('node:fs');
const { fetchMedia, forEachAtOnce, listRecordings } = require('./bare-client');

const [concurrencyText, privateKeyPath] = process.argv.slice(2);
const privateKey = privateKeyPath ? crypto.createPrivateKey(readFileSync(privateKeyPath)) : undefined;
const TAG_BYTES = 16;

/** A decipher for one recording, or undefined when it is plain or no key was given. */
function decipherFor(details) {
  if (!privateKey || !details) return undefined;
  const wrapped = details.encrypted_cek ?? details.encryption_cek;
  const iv = details.iv ?? details.encryption_iv;
  const key = crypto.privateDecrypt(
    { key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(wrapped, 'base64'),
  );
  return crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: TAG_BYTES });
}

/** Deciphers a body as it arrives and checks its tag at the end; undefined when there is nothing to decipher. */
function decipheringBody(details) {
  const decipher = decipherFor(details);
  if (!decipher) return undefined;
  let held = Buffer.alloc(0);
  return {
    data: (chunk) => {
      // The tag is the last 16 bytes: hold them back until the body ends.
      const joined = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
      decipher.update(joined.subarray(0, Math.max(0, joined.length - TAG_BYTES)));
      held = joined.subarray(Math.max(0, joined.length - TAG_BYTES));
    },
    end: () => {
      decipher.setAuthTag(held);
      decipher.final();
    },
  };
}

async function main() {
  const recordings = await listRecordings((r) => ({ sid: r.sid, details: r.encryption_details }));
  await forEachAtOnce(recordings, Number(concurrencyText), ({ sid, details }) =>
    fetchMedia(sid, () => decipheringBody(details)),
  );
  console.log(recordings.length);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
