// The floor of archiving one large recording, for memory: no CLI, no checks, no logs. Fetches the
// recording's media (through HTTPS_PROXY, as the CLI reaches the sandbox) into a file, then stores
// it, then deletes the recording. In a folder (`dir FOLDER SID`) the file is fetched into the
// folder and fsync'd in place. In a bucket (`s3 s3://BUCKET/PREFIX SID`) it is fetched into a
// temporary file, read once for each 8 MiB part's MD5, then uploaded in parts, one at a time,
// each streamed from the file with its Content-MD5, through @aws-sdk/client-s3 and the AWS_*
// variables; the temporary file is then removed.
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { deleteRecording, fetchMedia, forEachAtOnce } = require('./bare-client');

const PART_BYTES = 8 * 1024 * 1024;
const [where, target, sid] = process.argv.slice(2);

/** Fetches the media into `path`, each chunk written as it comes, then flushed to disk. */
async function fetchInto(path) {
  let fd;
  await fetchMedia(sid, () => {
    if (fd !== undefined) fs.ftruncateSync(fd, 0);
    fd ??= fs.openSync(path, 'w', 0o600);
    let at = 0;
    return { data: (chunk) => (at += fs.writeSync(fd, chunk, 0, chunk.length, at)), end: () => undefined };
  });
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

async function partMd5s(path) {
  const md5s = [];
  let md5 = createHash('md5');
  let inPart = 0;
  for await (const chunk of fs.createReadStream(path)) {
    for (let offset = 0; offset < chunk.length;) {
      const take = Math.min(PART_BYTES - inPart, chunk.length - offset);
      md5.update(chunk.subarray(offset, offset + take));
      offset += take;
      inPart += take;
      if (inPart === PART_BYTES) {
        md5s.push(md5.digest('base64'));
        md5 = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0 || md5s.length === 0) md5s.push(md5.digest('base64'));
  return md5s;
}

async function upload(path, url) {
  const sdk = require('@aws-sdk/client-s3');
  const [, bucket, prefix] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  const key = `${prefix.replace(/\/?$/, '/')}${sid}.wav`;
  const client = new sdk.S3Client({
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const size = fs.statSync(path).size;
  const md5s = await partMd5s(path);
  const { UploadId } = await client.send(
    new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'audio/x-wav' }),
  );
  try {
    const parts = [];
    for (let index = 0; index < md5s.length; index++) {
      const start = index * PART_BYTES;
      const length = Math.min(PART_BYTES, size - start);
      const { ETag } = await client.send(
        new sdk.UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: index + 1,
          Body: fs.createReadStream(path, { start, end: start + length - 1 }),
          ContentLength: length,
          ContentMD5: md5s[index],
        }),
      );
      parts.push({ ETag, PartNumber: index + 1 });
    }
    await client.send(
      new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }),
    );
  } catch (error) {
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    throw error;
  } finally {
    client.destroy();
  }
}

async function main() {
  if (where === 's3') {
    const spool = fs.mkdtempSync(join(tmpdir(), 'bare-archive-'));
    try {
      await fetchInto(join(spool, `${sid}.wav`));
      await upload(join(spool, `${sid}.wav`), target);
    } finally {
      fs.rmSync(spool, { recursive: true, force: true });
    }
  } else {
    fs.mkdirSync(target, { recursive: true });
    await fetchInto(join(target, `${sid}.wav`));
  }
  // One item at a time: this also closes the client's connections.
  await forEachAtOnce([sid], 1, deleteRecording);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
