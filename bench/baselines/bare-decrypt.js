// The floor for recordings:decrypt: each ….wav.enc a manifest lists, decrypted with Node's own
// AES-256-GCM (tag read from the end of the file) into a file that is flushed; no checks, no CLI.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');

async function main() {
  const [folder, keyFile, outFolder] = process.argv.slice(2);
  const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
  const lines = fs.readFileSync(path.join(folder, 'manifest.jsonl'), 'utf8').split('\n').filter(Boolean);
  for (const line of lines.map((text) => JSON.parse(text))) {
    if (!line.encryption || line.encryption.decrypted) continue;
    const details = line.encryption.details;
    const wrapped = Buffer.from(details.encrypted_cek ?? details.encryption_cek, 'base64');
    const iv = Buffer.from(details.iv ?? details.encryption_iv, 'base64');
    const contentKey = crypto.privateDecrypt(
      { key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrapped,
    );
    const file = path.join(folder, line.path);
    const size = fs.statSync(file).size;
    const tag = Buffer.alloc(16);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, tag, 0, 16, size - 16);
    fs.closeSync(fd);
    const decipher = crypto.createDecipheriv('aes-256-gcm', contentKey, iv);
    decipher.setAuthTag(tag);
    const out = path.join(outFolder, `${line.sid}.wav`);
    const outFd = fs.openSync(out, 'w', 0o600);
    await pipeline(
      fs.createReadStream(file, { end: size - 17 }),
      decipher,
      fs.createWriteStream(out, { fd: outFd, autoClose: false }),
    );
    fs.fsyncSync(outFd);
    fs.closeSync(outFd);
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
