// One generated body of the given size, stored either through the plugin's ObjectStore (built
// in lib/) into a local S3 server, or into a file with fs.createWriteStream: the same bytes
// from the same generator, so that the two processes' peak RSS differ only by where they go.
const { createHash } = require('node:crypto');
const fs = require('node:fs');
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
  if (where === 'file') {
    await pipeline(Readable.from(body(bytes)), fs.createWriteStream(target, { mode: 0o600 }));
    return;
  }
  const { ObjectStore } = require('../../lib/destinations/object-store');
  const { parseS3Url } = require('../../lib/destinations/s3-url');
  const store = await ObjectStore.open({
    location: parseS3Url(target),
    connection: { credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } },
    ...(partBytes ? { partBytes: Number(partBytes), uploadConcurrency: Number(uploadConcurrency) } : {}),
  });
  await store.put('body.wav', Readable.from(body(bytes)), { sha256: sha256Of(bytes), size: bytes });
  store.close();
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
