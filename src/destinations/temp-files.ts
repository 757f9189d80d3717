import { randomBytes } from 'node:crypto';
import { constants, promises as fsPromises } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { MediaFileSystem } from './file-system';
import { TEMP_FOLDER, type MediaFolder } from './media-folder';

// `<file name>.part-<pid>-<random>`: the pid tells a later run whether the writer is gone.
const TEMP_FILE = /^.+\.part-(\d+)-[0-9a-f]+$/;

// O_EXCL with O_CREAT never follows a link; O_NOFOLLOW says so for any reader of this line.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Files being downloaded, kept in one folder of the output folder that no layout can reach
 * (see `TEMP_FOLDER`), so that cleaning up after a crashed run can never remove a saved file.
 */
export class TempFiles {
  readonly folder: string;

  constructor(
    private readonly media: MediaFolder,
    private readonly fs: MediaFileSystem = fsPromises,
  ) {
    this.folder = join(media.root, TEMP_FOLDER);
  }

  /** A new temporary path for a file that will be renamed to `finalPath`. */
  pathFor(finalPath: string): string {
    return join(this.folder, `${basename(finalPath)}.part-${process.pid}-${randomBytes(6).toString('hex')}`);
  }

  /** Creates the temporary file (0600), and its folder when missing. */
  async create(tempPath: string): Promise<FileHandle> {
    await this.media.ensureFolder(this.folder);
    try {
      return await this.fs.open(tempPath, CREATE_FLAGS, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Another run sharing the folder removed it when it finished.
      this.media.forget(this.folder);
      await this.media.ensureFolder(this.folder);
      return this.fs.open(tempPath, CREATE_FLAGS, 0o600);
    }
  }

  /**
   * Removes the temporary files whose writing process has ended (a crash or a kill), never
   * one that `isKept` says a manifest lists.
   */
  async removeAbandoned(isKept: (path: string) => boolean): Promise<void> {
    const entries = await this.fs.readdir(this.folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const pid = TEMP_FILE.exec(entry.name)?.[1];
      if (!entry.isFile() || pid === undefined || isRunning(Number(pid))) continue;
      if (isKept(`${TEMP_FOLDER}/${entry.name}`)) continue;
      await this.fs.unlink(join(this.folder, entry.name)).catch(() => undefined);
    }
  }

  /** Removes the temporary folder when nothing is left in it. */
  async removeFolderIfEmpty(): Promise<void> {
    await this.fs.rmdir(this.folder).catch(() => undefined);
    this.media.forget(this.folder);
  }
}

/** Whether a process with this pid is running (or runs as another user): its temporary files are not to be touched. */
export function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
