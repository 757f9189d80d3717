import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BadInputError } from '../errors';
import { printable } from '../text/printable';

/**
 * Replaces `path` with `text` atomically: a new file beside it (created exclusively, never
 * through a link), flushed, then renamed over it, so that a reader sees the old content or the
 * new, never half of it. A link or anything but a regular file in its place is refused.
 */
export async function replaceFile(path: string, text: string, what: string): Promise<void> {
  const folder = dirname(path);
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  const existing = await fs.lstat(path).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new BadInputError(
      `${printable(path)} is ${existing.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: name a regular file for the ${what}.`,
    );
  }
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    await fs.rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.unlink(temporary).catch(() => undefined);
    throw error;
  }
  const directory = await fs.open(folder, constants.O_RDONLY).catch(() => undefined);
  await directory?.sync().catch(() => undefined);
  await directory?.close();
}
