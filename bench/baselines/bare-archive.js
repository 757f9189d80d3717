// The floor of an archiving purge on this machine: no CLI, no checks, no logs. Lists the account's
// recordings, then for each, `concurrency` at a time: fetches its media (through HTTPS_PROXY, as the
// CLI reaches the sandbox), stores it, then deletes the recording. Stored either in a folder
// (`dir FOLDER`: written, fsync'd and closed) or in a bucket (`s3 s3://BUCKET/PREFIX`: one PUT with
// its Content-MD5, through @aws-sdk/client-s3 and the AWS_* variables). Prints the number archived.
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { join } = require('node:path');
const { deleteRecording, fetchMedia, forEachAtOnce, listRecordings } = require('./bare-client');

const [where, target, concurrencyText] = process.argv.slice(2);

/** The media of one recording, whole in memory (192 KB in the benchmark). */
async function mediaOf(sid) {
  let chunks;
  await fetchMedia(sid, () => {
    chunks = [];
    return { data: (chunk) => chunks.push(chunk), end: () => undefined };
  });
  return Buffer.concat(chunks);
}

function folderWriter(folder) {
  fs.mkdirSync(folder, { recursive: true });
  return async (sid, bytes) => {
    const file = await fs.promises.open(join(folder, `${sid}.wav`), 'wx', 0o600);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
  };
}

function bucketWriter(url) {
  const { PutObjectCommand, S3Client } = require('@aws-sdk/client-s3');
  const [, bucket, prefix] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  const client = new S3Client({
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const writer = async (sid, bytes) => {
    const md5 = createHash('md5').update(bytes).digest('base64');
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix.replace(/\/?$/, '/')}${sid}.wav`,
        Body: bytes,
        ContentLength: bytes.length,
        ContentMD5: md5,
        ContentType: 'audio/x-wav',
      }),
    );
  };
  writer.close = () => client.destroy();
  return writer;
}

async function main() {
  const store = where === 's3' ? bucketWriter(target) : folderWriter(target);
  const sids = await listRecordings((recording) => recording.sid);
  await forEachAtOnce(sids, Number(concurrencyText), async (sid) => {
    await store(sid, await mediaOf(sid));
    await deleteRecording(sid);
  });
  store.close?.();
  console.log(sids.length);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
