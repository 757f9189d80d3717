// One generated body of the given size, streamed into a file with fs.createWriteStream, and then
// (for s3) stored from that file through the plugin's ObjectStore (built in lib/) into a local S3
// server, as a destination uploads its spool: the same bytes from the same generator, so that the
// two processes' peak RSS differ only by the upload.
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { pipeline } = require('node:stream/promises');
const { Readable } = require('node:stream');

const CHUNK = Buffer.alloc(64 * 1024, 7);

function* body(bytes) {
  for (let sent = 0; sent < bytes; sent += CHUNK.length) yield CHUNK.subarray(0, Math.min(CHUNK.length, bytes - sent));
}

function sha256Of(bytes) {
  const hash = createHash('sha256');
  for (const chunk of body(bytes)) hash.update(chunk);
  return hash.digest('hex');
}

async function main() {
  const [where, bytesText, target, partBytes, uploadConcurrency] = process.argv.slice(2);
  const bytes = Number(bytesText);
  const file = where === 'file' ? target : join(tmpdir(), `store-body-${process.pid}`);
  await pipeline(Readable.from(body(bytes)), fs.createWriteStream(file, { mode: 0o600 }));
  if (where === 'file') return;
  const { ObjectStore } = require('../../lib/destinations/object-store');
  const { parseS3Url } = require('../../lib/destinations/s3-url');
  const store = await ObjectStore.open({
    location: parseS3Url(target),
    connection: { credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } },
    ...(partBytes ? { partBytes: Number(partBytes), uploadConcurrency: Number(uploadConcurrency) } : {}),
  });
  try {
    await store.put('body.wav', { path: file }, { sha256: sha256Of(bytes), size: bytes });
  } finally {
    store.close();
    fs.rmSync(file, { force: true });
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
