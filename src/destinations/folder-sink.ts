import type { DeletionLog } from '../journal/deletion-log';
import { promises as fsPromises } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Recording } from '../recordings/recording';
import { JsonLinesFile, readJsonLines } from '../journal/json-lines-file';
import type { MediaSink, ReceivedBody, StoredFile, StoredIndex } from './destination';
import { sha256OfFile } from './file-hash';
import type { MediaFileSystem } from './file-system';
import { MANIFEST_FILE, MediaFolder } from './media-folder';
import type { SpoolFile } from './spooled-file';
import { TempFiles } from './temp-files';

export interface FolderSinkOptions {
  /** The output folder; created (0700) when missing and its parent exists. */
  root: string;
  fs?: MediaFileSystem;
  /**
   * How a file the manifest lists is confirmed before it counts as present: `sha256` (the
   * default) hashes it again, `size` only compares its size.
   */
  recheck?: 'sha256' | 'size';
  /** Inspect only (for a dry run): nothing is created, cleaned or written. */
  readOnly?: boolean;
}

/** A sink opened, with the index its manifest gave and, unless read-only, the manifest to append to. */
export interface OpenedSink<Index extends StoredIndex = StoredIndex> {
  sink: MediaSink;
  index: Index;
  manifest?: { append(entry: object): Promise<void>; close(): Promise<void> };
}

/** Where a folder's manifest is, for an index that reads it (or what it keeps beside it) itself. */
export interface ManifestFolder {
  root: string;
  manifestPath: string;
  fs: MediaFileSystem;
  /** Nothing may be written beside the manifest (a dry run). */
  readOnly: boolean;
}

/**
 * Reads what a manifest's lines say is stored; a folder's sink also says where its manifest is,
 * and `lines` are then read only if iterated.
 */
export type IndexReader<Index extends StoredIndex = StoredIndex> = (
  lines: AsyncIterable<unknown>,
  folder?: ManifestFolder,
) => Promise<Index>;

/** The manifest of the folder `root`, as a deletion log readable before the folder is opened. */
export function folderDeletionLog(root: string): DeletionLog {
  const path = join(resolve(root), MANIFEST_FILE);
  return { path, lines: () => readJsonLines(path), openWriter: () => JsonLinesFile.open(path) };
}

/**
 * How a file is committed to a folder (a download's copy, or a decrypted one): the spooled bytes
 * flushed to disk, the spool file renamed to `absolutePath` and its folder flushed, so that a file
 * under its final name is always complete. On failure the spool file is removed.
 */
export async function commitToFolder(
  folder: MediaFolder,
  fs: MediaFileSystem,
  body: Pick<ReceivedBody, 'spool' | 'spoolFile' | 'discard'>,
  absolutePath: string,
): Promise<void> {
  try {
    await (await body.spool.toFile()).sync();
  } catch (error) {
    await body.discard();
    throw error;
  }
  await body.spool.close();
  try {
    await fs.rename(body.spoolFile.path, absolutePath);
  } catch (error) {
    await body.spoolFile.remove();
    throw error;
  }
  await folder.sync(dirname(absolutePath));
}

/**
 * Copies in a local folder: each body spooled to a temporary file in the folder's own temporary
 * folder, flushed, renamed into place and the folder flushed, so a file under its final name is
 * always complete; a listed copy counts as present when its size (and, by default, its SHA-256
 * hashed again) agree. The manifest is `manifest.jsonl` beside the copies.
 */
export class FolderSink implements MediaSink {
  readonly root: string;
  readonly manifestPath: string;
  readonly decryptedInPlace = true;
  private readonly fs: MediaFileSystem;
  private readonly folder: MediaFolder;
  private readonly temp: TempFiles;
  private readonly recheck: 'sha256' | 'size';
  private writable = false;

  private constructor(options: FolderSinkOptions) {
    this.fs = options.fs ?? fsPromises;
    this.folder = new MediaFolder(options.root, this.fs);
    this.temp = new TempFiles(this.folder, this.fs);
    this.root = this.folder.root;
    this.manifestPath = join(this.root, MANIFEST_FILE);
    this.recheck = options.recheck ?? 'sha256';
  }

  /**
   * Checks the folder (creating it when its parent exists), reads the manifest and removes
   * temporary files that writers no longer running left behind. Throws a bad-input error before
   * changing anything when the folder will not do.
   */
  static async open<Index extends StoredIndex>(
    options: FolderSinkOptions,
    readIndex: IndexReader<Index>,
  ): Promise<OpenedSink<Index>> {
    const sink = new FolderSink(options);
    const exists = await sink.folder.check();
    const readOnly = options.readOnly ?? false;
    const where = { root: sink.root, manifestPath: sink.manifestPath, fs: sink.fs, readOnly };
    const index = await readIndex(readJsonLines(sink.manifestPath, sink.fs), where);
    if (options.readOnly) return { sink, index };
    if (!exists) await sink.folder.create();
    await sink.temp.removeAbandoned((path) => index.lists(path));
    const manifest = await JsonLinesFile.open(sink.manifestPath, sink.fs);
    sink.writable = true;
    return { sink, index, manifest };
  }

  /** Throws the bad-input error `open` would for the folder, without creating or reading anything. */
  static async check(options: FolderSinkOptions): Promise<void> {
    await new FolderSink(options).folder.check();
  }

  locationOf(path: string): string {
    return this.folder.absolutePathOf(path);
  }

  placeOf(path: string): string {
    return path;
  }

  async holds(file: StoredFile): Promise<boolean> {
    const absolutePath = this.folder.absolutePathOf(file.path);
    // lstat: a symbolic link under a recording's name is not its copy, whatever it points to.
    const stats = await this.fs.lstat(absolutePath).catch(() => undefined);
    if (!stats?.isFile() || stats.size !== file.bytes) return false;
    if (this.recheck === 'size') return true;
    return (await sha256OfFile(this.fs, absolutePath)) === file.sha256;
  }

  async prepare(path: string): Promise<void> {
    await this.folder.ensureFolder(dirname(this.folder.absolutePathOf(path)));
  }

  /** A temporary file in the folder's own temporary folder, from which the copy is renamed into place. */
  spoolFile(_recording: Recording, path: string): SpoolFile {
    const tempPath = this.temp.pathFor(this.folder.absolutePathOf(path));
    return {
      path: tempPath,
      open: () => this.temp.create(tempPath),
      remove: () => this.fs.unlink(tempPath).catch(() => undefined),
    };
  }

  async commit(body: ReceivedBody, path: string): Promise<void> {
    await commitToFolder(this.folder, this.fs, body, this.folder.absolutePathOf(path));
  }

  manifestLines(): AsyncIterable<unknown> {
    return readJsonLines(this.manifestPath, this.fs);
  }

  async close(): Promise<void> {
    if (!this.writable) return;
    this.writable = false;
    await this.temp.removeFolderIfEmpty();
  }
}
