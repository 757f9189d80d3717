import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** Bytes read from the file at a time: memory holds this much, whatever the file's size. */
const READ_BYTES = 256 * 1024;

/** A file cut into upload parts, with what the store checks of each and what the caller expects of the whole. */
export interface FileParts {
  size: number;
  sha256: string;
  /** One per part, in order: the MD5 the store checks the part's bytes against. */
  md5s: Buffer[];
  partBytes: number;
}

/**
 * Reads a file once, in small chunks, for its size, SHA-256 and the MD5 of each `partBytes`
 * part: every part can then be streamed from the file with its Content-MD5 known up front.
 */
export async function fileParts(path: string, partBytes: number): Promise<FileParts> {
  const sha256 = createHash('sha256');
  const md5s: Buffer[] = [];
  let md5 = createHash('md5');
  let inPart = 0;
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    size += chunk.length;
    for (let offset = 0; offset < chunk.length;) {
      const take = Math.min(partBytes - inPart, chunk.length - offset);
      md5.update(chunk.subarray(offset, offset + take));
      offset += take;
      inPart += take;
      if (inPart === partBytes) {
        md5s.push(md5.digest());
        md5 = createHash('md5');
        inPart = 0;
      }
    }
  }
  if (inPart > 0 || size === 0) md5s.push(md5.digest());
  return { size, sha256: sha256.digest('hex'), md5s, partBytes };
}

/** The bytes of part `index` (from 0) of the file, as a stream read in small chunks. */
export function partStream(path: string, parts: FileParts, index: number): { body: Readable; length: number } {
  const start = index * parts.partBytes;
  const length = Math.min(parts.partBytes, parts.size - start);
  // An empty range: createReadStream's `end` is inclusive, so an empty file is read with no `end`.
  const body =
    length === 0
      ? createReadStream(path, { start: 0, highWaterMark: READ_BYTES })
      : createReadStream(path, { start, end: start + length - 1, highWaterMark: READ_BYTES });
  return { body, length };
}
