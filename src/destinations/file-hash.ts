import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import type { MediaFileSystem } from './file-system';

/** The SHA-256 of a regular file's bytes, in hex; undefined when it cannot be read or is a symbolic link. */
export async function sha256OfFile(fs: MediaFileSystem, path: string): Promise<string | undefined> {
  const file = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!file) return undefined;
  try {
    const hash = createHash('sha256');
    for await (const chunk of file.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}
