import { constants, promises as fs } from 'node:fs';
import { BadInputError, messageOf } from '../errors';
import { describeBytes } from '../text/bytes';
import { printable } from '../text/printable';

/** The most a policy or holds file may hold: far beyond any real one, small enough to parse at once. */
export const MAX_INPUT_FILE_BYTES = 4 * 1024 * 1024;

// Opening a FIFO for reading waits for a writer, and a thread waiting there outlives even process.exit.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

/**
 * The text of a regular file of at most `maxBytes`, undefined when it does not exist and
 * `mustExist` is not given. The one reader of input files (policies, holds, plans, --replay logs): a link, a
 * FIFO, a device or a folder is refused without waiting on it, and no more than `maxBytes` + 1
 * bytes are read, whatever the file claims its size is.
 */
export async function readRegularFile(
  path: string,
  mustExist?: string,
  maxBytes: number = MAX_INPUT_FILE_BYTES,
): Promise<string | undefined> {
  let handle;
  try {
    handle = await fs.open(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && mustExist === undefined) return undefined;
    if (code === 'ENOENT') {
      throw new BadInputError(
        `The ${mustExist} ${printable(path)} does not exist: check the path, or create it first.`,
      );
    }
    if (code === 'ELOOP') {
      throw new BadInputError(`${printable(path)} is a symbolic link: name the file itself.`);
    }
    throw new BadInputError(`Cannot read ${printable(path)}: ${messageOf(error)}.`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new BadInputError(`${printable(path)} is not a regular file: name a file.`);
    const tooLarge = () =>
      new BadInputError(
        `${printable(path)} is larger than ${describeBytes(maxBytes)}, the most a ${mustExist ?? 'holds file'} may be: check that it is the right file.`,
      );
    if (stats.size > maxBytes) throw tooLarge();
    // The file can grow after the stat: read until its end, but never more than one byte past the bound.
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const room = maxBytes + 1 - length;
      const chunk = Buffer.alloc(Math.min(room, Math.max(stats.size + 1 - length, 64 * 1024)));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) throw tooLarge();
    }
    return Buffer.concat(chunks, length).toString('utf8');
  } finally {
    await handle.close();
  }
}
