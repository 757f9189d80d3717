import type { promises as fsPromises } from 'node:fs';

/**
 * The file-system calls media saving makes; `fs.promises` by default. Tests pass a variant
 * to inject failures such as a full disk.
 */
export type MediaFileSystem = Pick<
  typeof fsPromises,
  'open' | 'rename' | 'unlink' | 'mkdir' | 'rmdir' | 'stat' | 'lstat' | 'readdir' | 'access'
>;
