import { promises as fsPromises } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { BadInputError } from '../errors';
import { FolderSync } from './folder-sync';
import { TEMP_FOLDER } from './layout';
import { MANIFEST_FILE } from './manifest';
import type { MediaFileSystem } from './media-file-system';
import { printablePath } from '../text/printable-path';

/**
 * The output folder of saved media. The folder itself may be a symbolic link the user chose,
 * but nothing below it may be one: a linked subfolder would carry files outside the folder,
 * so one is refused before anything is done, and every folder created is checked again.
 */
export class MediaFolder {
  readonly root: string;
  private readonly madeFolders = new Set<string>();
  private readonly folderSync = new FolderSync((folder) => this.syncOnce(folder));

  constructor(
    root: string,
    private readonly fs: MediaFileSystem = fsPromises,
  ) {
    if (root.trim() === '') throw new BadInputError('The folder path is empty: give the folder to save into.');
    this.root = resolve(root);
  }

  /**
   * Throws a bad-input error, changing nothing, unless the folder can be used: it is a
   * writable folder (or can be created in one), with no symbolic link inside, and its
   * manifest and temporary folder are what their names say. Returns whether it exists.
   */
  async check(): Promise<boolean> {
    const stats = await this.fs.stat(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw this.problem(`${error.code ?? error.message}; choose another folder`);
    });
    if (stats && !stats.isDirectory()) throw this.problem('it is a file, not a folder; choose another folder');
    const writable = stats ? this.root : dirname(this.root);
    if (!stats) {
      const parent = await this.fs.stat(writable).catch(() => undefined);
      if (!parent?.isDirectory())
        throw this.problem(
          `its parent folder ${writable} does not exist (or is not a folder); create it first or choose another folder`,
        );
    }
    await this.fs.access(writable, fsPromises.constants.W_OK | fsPromises.constants.X_OK).catch(() => {
      throw this.problem(`${writable} is not writable; fix its permissions or choose another folder`);
    });
    if (!stats) return false;
    await this.refuseLinks(this.root);
    await this.expect(MANIFEST_FILE, 'file');
    await this.expect(TEMP_FOLDER, 'folder');
    return true;
  }

  /** Creates the folder (0700) unless it exists; `check` comes first. */
  async create(): Promise<void> {
    await this.fs.mkdir(this.root, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST')
        throw this.problem(`it cannot be created (${error.code ?? error.message}); choose another folder`);
    });
  }

  /** The absolute path of a path relative to the folder, with forward slashes. */
  absolutePathOf(path: string): string {
    const absolutePath = resolve(this.root, ...path.split('/'));
    // The layout already guarantees this; a second check costs nothing.
    if (!absolutePath.startsWith(this.root + sep)) throw new Error(`Refusing to write outside ${this.root}: ${path}`);
    return absolutePath;
  }

  /**
   * Creates `folder` (0700, with the missing ones above it) below the root, and checks that
   * none of them is a symbolic link or a file, however it got there since `check`.
   */
  async ensureFolder(folder: string): Promise<void> {
    if (this.madeFolders.has(folder)) return;
    let current = this.root;
    // The root itself may be a link the user chose: only the folders below it are checked.
    for (const name of relative(this.root, folder).split(sep).filter(Boolean)) {
      current = join(current, name);
      if (this.madeFolders.has(current)) continue;
      await this.fs.mkdir(current, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      const stats = await this.fs.lstat(current);
      if (stats.isSymbolicLink() || !stats.isDirectory()) {
        const what = stats.isSymbolicLink() ? 'a symbolic link' : 'not a folder';
        throw new Error(
          `${printablePath(relative(this.root, current))} in the folder is ${what}; nothing is written there`,
        );
      }
      this.madeFolders.add(current);
    }
  }

  /** Forgets that `folder` was made, so that the next `ensureFolder` makes it again (another run removed it). */
  forget(folder: string): void {
    this.madeFolders.delete(folder);
  }

  /** Resolves once every rename made in `folder` before this call is on disk. */
  sync(folder: string): Promise<void> {
    return this.folderSync.sync(folder);
  }

  private problem(what: string): BadInputError {
    return new BadInputError(`Cannot use the folder "${printablePath(this.root)}": ${what}.`);
  }

  /** Throws when anything below `folder` is a symbolic link. */
  private async refuseLinks(folder: string): Promise<void> {
    const entries = await this.fs.readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      throw this.problem(
        `${printablePath(relative(this.root, folder)) || '.'} cannot be read (${error.code}); fix its permissions`,
      );
    });
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isSymbolicLink()) {
        throw this.problem(
          `${printablePath(relative(this.root, path))} inside it is a symbolic link, and nothing saved may leave the folder; remove the link or choose another folder`,
        );
      }
      if (entry.isDirectory()) await this.refuseLinks(path);
    }
  }

  private async expect(name: string, kind: 'file' | 'folder'): Promise<void> {
    const stats = await this.fs.lstat(join(this.root, name)).catch(() => undefined);
    if (!stats || (kind === 'file' ? stats.isFile() : stats.isDirectory())) return;
    throw this.problem(`its ${name} is not a ${kind}; move it away or choose another folder`);
  }

  private async syncOnce(folder: string): Promise<void> {
    const handle = await this.fs.open(folder, 'r');
    try {
      await handle.sync();
    } catch (error) {
      // Some file systems cannot fsync a directory; the rename is still as durable as they allow.
      if (!['EINVAL', 'EISDIR', 'EBADF', 'EPERM', 'ENOTSUP'].includes((error as NodeJS.ErrnoException).code ?? ''))
        throw error;
    } finally {
      await handle.close();
    }
  }
}
