import { promises as fsPromises } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyRing } from '../encryption/key-ring';
import type { Recording } from '../recordings/recording';
import type { TwilioApi } from '../twilio/twilio-api';
import { sha256OfFile } from './file-hash';
import { JsonLinesFile, readJsonLines } from '../journal/json-lines-file';
import { Layout } from './layout';
import { manifestEntry, MANIFEST_FILE, type KnownFile } from './manifest';
import { ManifestCatalog } from './manifest-catalog';
import { ENCRYPTED_SUFFIX, mediaTreatment } from './media-encryption';
import { asSaveError } from './media-errors';
import type { MediaFileSystem } from './media-file-system';
import type { MediaDestination, SavedMedia } from './media-destination';
import { SavesUnderWay } from './saves-under-way';
import { MediaFolder } from './media-folder';
import { receiveMedia, type ReceivedMedia, type SpoolFile } from './media-receiver';
import { TempFiles } from './temp-files';
import type { MediaFormat } from '../twilio/media-format';
import type { DeletionLog } from '../journal/deletion-log';

export { MANIFEST_FILE, type ManifestEntry } from './manifest';
export type { SavedMedia } from './media-destination';

export interface MediaStoreOptions {
  /** The output folder; created (0700) when missing and its parent exists. */
  root: string;
  format: MediaFormat;
  /** A layout template such as `{date}/{sid}.{ext}`, or a parsed layout. */
  layout: string | Layout;
  api: TwilioApi;
  now?: () => Date;
  fs?: MediaFileSystem;
  /**
   * How a file the manifest lists is confirmed before it counts as present: `sha256` (the
   * default) hashes it again, `size` only compares its size.
   */
  recheck?: 'sha256' | 'size';
  /** Inspect only (for a dry run): nothing is created, cleaned or written, and `save` is refused. */
  readOnly?: boolean;
  /** Private keys that decrypt encrypted recordings; without them such media is saved as served, under `….enc`. */
  keys?: KeyRing;
  /** Refuse, with this reason, to save encrypted media that cannot be decrypted and verified (before a deletion). */
  refuseUnverifiedEncrypted?: string;
}

/**
 * Recordings' media in a folder: each file streamed to a temporary file, checked, flushed,
 * renamed into place and then listed in `manifest.jsonl`, so a file under its final name is
 * always complete and a re-run fetches only what is missing.
 */
export class MediaStore implements MediaDestination {
  readonly root: string;
  readonly format: MediaFormat;
  readonly layout: Layout;
  readonly manifestPath: string;
  private readonly api: TwilioApi;
  private readonly fs: MediaFileSystem;
  private readonly now: () => Date;
  private readonly recheck: 'sha256' | 'size';
  private readonly folder: MediaFolder;
  private readonly temp: TempFiles;
  private readonly saving = new SavesUnderWay<SavedMedia>();
  private readonly keys: KeyRing | undefined;
  private readonly refuseUnverifiedEncrypted: string | undefined;
  private index: ManifestCatalog | undefined;
  private manifest: JsonLinesFile | undefined;

  private constructor(options: MediaStoreOptions) {
    this.fs = options.fs ?? fsPromises;
    this.folder = new MediaFolder(options.root, this.fs);
    this.temp = new TempFiles(this.folder, this.fs);
    this.root = this.folder.root;
    this.format = options.format;
    this.layout = typeof options.layout === 'string' ? Layout.parse(options.layout) : options.layout;
    this.manifestPath = join(this.root, MANIFEST_FILE);
    this.api = options.api;
    this.now = options.now ?? (() => new Date());
    this.recheck = options.recheck ?? 'sha256';
    this.keys = options.keys;
    this.refuseUnverifiedEncrypted = options.refuseUnverifiedEncrypted;
  }

  /**
   * Checks the layout and the folder (creating the folder when its parent exists), reads the
   * manifest and removes temporary files that writers no longer running left behind. Throws
   * a bad-input error before changing anything when the layout or the folder will not do.
   */
  static async open(options: MediaStoreOptions): Promise<MediaStore> {
    const store = new MediaStore(options);
    const exists = await store.folder.check();
    if (options.readOnly) {
      store.index = await ManifestCatalog.open(store.root, store.manifestPath, store.format, store.fs, true);
      return store;
    }
    if (!exists) await store.folder.create();
    store.index = await ManifestCatalog.open(store.root, store.manifestPath, store.format, store.fs);
    if (store.index.due) await store.index.takeCheckpoint();
    await store.temp.removeAbandoned((path) => store.index!.listsTempPath(path));
    store.manifest = await JsonLinesFile.open(store.manifestPath, store.fs);
    return store;
  }

  /** Throws the bad-input error `open` would for the folder and the layout, without creating or reading anything. */
  static async check(options: MediaStoreOptions): Promise<void> {
    await new MediaStore(options).folder.check();
  }

  listsRecording(sid: string, createdAt?: Date): boolean {
    return this.index?.get(sid, createdAt) !== undefined;
  }

  holdsListings(createdAt: Date): boolean {
    return this.index?.holds(createdAt) ?? true;
  }

  async loadListings(createdAt: Date): Promise<void> {
    await this.index?.load(createdAt);
  }

  async saveListings(): Promise<void> {
    if (this.manifest) await this.index?.takeCheckpoint();
  }

  newestListedCreation(): Date | undefined {
    return this.index?.newestCreated;
  }

  /** Where `recording` is (or would be) saved, relative to the folder, with forward slashes. */
  plannedPath(recording: Recording): string {
    const path = this.layout.render(recording, this.format);
    // Ciphertext never stands under a name that says it is audio.
    const asServed = recording.encryption && !this.keys && this.refuseUnverifiedEncrypted === undefined;
    return asServed ? `${path}${ENCRYPTED_SUFFIX}` : path;
  }

  /** The saved copy of `recording` when the manifest lists it at its planned path and the file agrees. */
  async presentCopy(recording: Recording): Promise<SavedMedia | undefined> {
    const planned = this.plannedPath(recording);
    const known = await this.index?.lookUp(recording.sid, recording.dateCreated);
    // Saved as served and decrypted since (recordings:decrypt): the verified plaintext is the copy.
    const decrypted = planned.endsWith(ENCRYPTED_SUFFIX) && known?.path === planned.slice(0, -ENCRYPTED_SUFFIX.length);
    if (!known || (known.path !== planned && !decrypted)) return undefined;
    const path = known.path;
    const absolutePath = this.folder.absolutePathOf(path);
    if (!(await this.fileMatches(absolutePath, known))) return undefined;
    const { bytes, sha256 } = known;
    return {
      sid: recording.sid,
      accountSid: recording.accountSid,
      path,
      absolutePath,
      bytes,
      sha256,
      outcome: 'already-present',
    };
  }

  /**
   * Saves the recording's media unless a complete copy is already there. Throws a
   * MediaSaveError with a short reason when it cannot (a DiskFullError when the disk is full).
   */
  save(recording: Recording, onBytes?: (bytes: number) => void): Promise<SavedMedia> {
    if (!this.manifest) return Promise.reject(new Error('This media store is read-only or closed.'));
    return this.saving.once(recording.sid, () => this.saveOnce(recording, onBytes));
  }

  /**
   * Appends a line of another kind (such as a deletion, `{ event: 'deleted', ... }`) to the
   * manifest, flushed to disk before the promise resolves. Lines without `event: 'downloaded'`
   * are kept but do not count as saved media.
   */
  appendToManifest(entry: object): Promise<void> {
    if (!this.manifest) return Promise.reject(new Error('This media store is read-only or closed.'));
    return this.manifest.append(entry);
  }

  manifestLog(): DeletionLog {
    return {
      path: this.manifestPath,
      lines: () => this.index?.linesForReconciliation() ?? readJsonLines(this.manifestPath, this.fs),
      openWriter: async () => ({
        path: this.manifestPath,
        append: (line) => this.appendToManifest(line),
        close: async () => undefined,
      }),
    };
  }

  async close(): Promise<void> {
    await this.saving.settled();
    if (!this.manifest) return;
    await this.manifest.close();
    this.manifest = undefined;
    await this.index?.close();
    await this.temp.removeFolderIfEmpty();
  }

  private async saveOnce(recording: Recording, onBytes?: (bytes: number) => void): Promise<SavedMedia> {
    const present = await this.presentCopy(recording);
    if (present) return present;
    const path = this.plannedPath(recording);
    const absolutePath = this.folder.absolutePathOf(path);
    try {
      const treatment = await mediaTreatment(recording, this.format, this.keys, this.refuseUnverifiedEncrypted);
      await this.folder.ensureFolder(dirname(absolutePath));
      const received = await receiveMedia({
        api: this.api,
        recording,
        format: this.format,
        treatment,
        spoolFile: () => this.spoolFileFor(absolutePath),
        onBytes,
      });
      const file = { path, ...(await this.commit(received, absolutePath)) };
      await this.manifest!.append(manifestEntry(recording, this.format, file, this.now(), received.encryption));
      this.index!.add(recording.sid, file, recording.dateCreated);
      return {
        sid: recording.sid,
        accountSid: recording.accountSid,
        path,
        absolutePath,
        bytes: file.bytes,
        sha256: file.sha256,
        outcome: 'downloaded',
      };
    } catch (error) {
      throw asSaveError(recording.sid, path, error);
    }
  }

  /** A temporary file in the folder's own temporary folder, from which the copy is renamed into place. */
  private spoolFileFor(absolutePath: string): SpoolFile {
    const path = this.temp.pathFor(absolutePath);
    return {
      path,
      open: () => this.temp.create(path),
      remove: () => this.fs.unlink(path).catch(() => undefined),
    };
  }

  /** Flushes a received file to disk and renames it into place. */
  private async commit(received: ReceivedMedia, absolutePath: string): Promise<{ bytes: number; sha256: string }> {
    try {
      await (await received.spool.toFile()).sync();
    } catch (error) {
      await received.discard();
      throw error;
    }
    await received.spool.close();
    try {
      await this.fs.rename(received.spoolFile.path, absolutePath);
    } catch (error) {
      await received.spoolFile.remove();
      throw error;
    }
    await this.folder.sync(dirname(absolutePath));
    return { bytes: received.bytes, sha256: received.sha256 };
  }

  private async fileMatches(absolutePath: string, known: KnownFile): Promise<boolean> {
    // lstat: a symbolic link under a recording's name is not its copy, whatever it points to.
    const stats = await this.fs.lstat(absolutePath).catch(() => undefined);
    if (!stats?.isFile() || stats.size !== known.bytes) return false;
    if (this.recheck === 'size') return true;
    return (await sha256OfFile(this.fs, absolutePath)) === known.sha256;
  }
}
