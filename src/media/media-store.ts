import { createHash, randomBytes } from 'node:crypto';
import { promises as fsPromises } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BadInputError, CredentialsError, TwilioApiError } from '../errors';
import type { Recording } from '../recordings/recording';
import { discardBody, readBody, type HttpResponse } from '../twilio/http-transport';
import { RetriesExhaustedError, RetryableError } from '../twilio/retry-policy';
import { recordingPath, type TwilioApi } from '../twilio/twilio-api';
import { FolderSync } from './folder-sync';
import { LocalWriteError, SpooledFile } from './spooled-file';
import { JsonLinesFile, readJsonLines } from './json-lines-file';
import { Layout, type MediaFormat } from './layout';
import { contentTypeMatches, MediaInspector } from './media-check';
import { DiskFullError, isDiskFull, MediaSaveError } from './media-errors';
import type { MediaFileSystem } from './media-file-system';

/** Bodies up to this size wait in memory until their request is over; larger ones stream to disk. */
const SPOOL_MEMORY_BYTES = 512 * 1024;

export const MANIFEST_FILE = 'manifest.jsonl';

/** One saved recording as the manifest records it. */
export interface ManifestEntry {
  event: 'downloaded';
  sid: string;
  accountSid: string;
  callSid: string | null;
  conferenceSid: string | null;
  dateCreated: string;
  /** Seconds. */
  duration: number;
  channels: number | null;
  source: string | null;
  status: string;
  format: MediaFormat;
  /** Relative to the output folder, with forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
  downloadedAt: string;
}

export interface SavedMedia {
  sid: string;
  accountSid: string;
  /** Relative to the output folder, with forward slashes. */
  path: string;
  absolutePath: string;
  bytes: number;
  sha256: string;
  outcome: 'downloaded' | 'already-present';
}

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
}

interface KnownFile {
  path: string;
  bytes: number;
  sha256: string;
}

// `.<file name>.part-<pid>-<random>`: the pid tells a later run whether the writer is gone.
const TEMP_FILE = /^\..+\.part-(\d+)-[0-9a-f]+$/;

/**
 * Recordings' media in a folder: each file streamed to a temporary name, checked, flushed,
 * renamed into place and then listed in `manifest.jsonl`, so a file under its final name is
 * always complete and a re-run fetches only what is missing.
 */
export class MediaStore {
  readonly root: string;
  readonly format: MediaFormat;
  readonly layout: Layout;
  readonly manifestPath: string;
  private readonly api: TwilioApi;
  private readonly fs: MediaFileSystem;
  private readonly now: () => Date;
  private readonly recheck: 'sha256' | 'size';
  private readonly known = new Map<string, KnownFile>();
  private readonly saving = new Map<string, Promise<SavedMedia>>();
  private readonly madeFolders = new Set<string>();
  private readonly folderSync = new FolderSync((folder) => this.syncFolderOnce(folder));
  private manifest: JsonLinesFile | undefined;

  private constructor(options: MediaStoreOptions) {
    this.root = resolve(options.root);
    this.format = options.format;
    this.layout = typeof options.layout === 'string' ? Layout.parse(options.layout) : options.layout;
    this.manifestPath = join(this.root, MANIFEST_FILE);
    this.api = options.api;
    this.fs = options.fs ?? fsPromises;
    this.now = options.now ?? (() => new Date());
    this.recheck = options.recheck ?? 'sha256';
  }

  /**
   * Checks the layout and the folder (creating the folder when its parent exists), reads the
   * manifest and removes temporary files that writers no longer running left behind. Throws
   * a bad-input error before changing anything when the layout or the folder will not do.
   */
  static async open(options: MediaStoreOptions): Promise<MediaStore> {
    const store = new MediaStore(options);
    await store.prepareRoot(options.readOnly ?? false);
    await store.loadManifest();
    if (!options.readOnly) {
      await store.removeAbandonedTempFiles(store.root);
      store.manifest = await JsonLinesFile.open(store.manifestPath, store.fs);
    }
    return store;
  }

  /** Throws the bad-input error `open` would for the folder, without creating it or reading the manifest. */
  static async check(options: MediaStoreOptions): Promise<void> {
    await new MediaStore(options).prepareRoot(true);
  }

  /** Where `recording` is (or would be) saved, relative to the folder, with forward slashes. */
  plannedPath(recording: Recording): string {
    return this.layout.render(recording, this.format);
  }

  /** The saved copy of `recording` when the manifest lists it at its planned path and the file agrees. */
  async presentCopy(recording: Recording): Promise<SavedMedia | undefined> {
    const path = this.plannedPath(recording);
    const known = this.known.get(recording.sid);
    if (!known || known.path !== path) return undefined;
    const absolutePath = this.absolutePathOf(path);
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
    // The same recording asked for twice at once (a repeated callback) is fetched once.
    let saving = this.saving.get(recording.sid);
    if (!saving) {
      saving = this.saveOnce(recording, onBytes).finally(() => this.saving.delete(recording.sid));
      this.saving.set(recording.sid, saving);
    }
    return saving;
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

  async close(): Promise<void> {
    await Promise.allSettled([...this.saving.values()]);
    await this.manifest?.close();
    this.manifest = undefined;
  }

  private async saveOnce(recording: Recording, onBytes?: (bytes: number) => void): Promise<SavedMedia> {
    const present = await this.presentCopy(recording);
    if (present) return present;
    const path = this.plannedPath(recording);
    const absolutePath = this.absolutePathOf(path);
    try {
      await this.makeFolder(dirname(absolutePath));
      const received = await this.api.retryPolicy.run(
        () => this.receive(recording, absolutePath, onBytes),
        this.api.limiter,
        `download of ${recording.sid}`,
      );
      const file = await this.commit(received, absolutePath);
      const entry = manifestEntry(recording, this.format, path, file, this.now());
      await this.manifest!.append(entry);
      this.known.set(recording.sid, { path, ...file });
      return {
        sid: recording.sid,
        accountSid: recording.accountSid,
        path,
        absolutePath,
        ...file,
        outcome: 'downloaded',
      };
    } catch (error) {
      throw asSaveError(recording.sid, path, error);
    }
  }

  /**
   * One try: fetch and stream to a temporary file while checking. The file is left open and
   * unflushed, so that the slot of Twilio's concurrency is held only while the request is.
   */
  private async receive(
    recording: Recording,
    absolutePath: string,
    onBytes?: (bytes: number) => void,
  ): Promise<ReceivedFile> {
    const mediaPath = `${recordingPath(recording.accountSid, recording.sid)}.${this.format}`;
    const response = await this.api.getFollowingRedirects(mediaPath);
    await this.checkAnswer(recording, response);

    const tempPath = join(
      dirname(absolutePath),
      `.${basename(absolutePath)}.part-${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    const spool = new SpooledFile(() => this.fs.open(tempPath, 'wx', 0o600), SPOOL_MEMORY_BYTES);
    try {
      const inspector = new MediaInspector(this.format, onBytes);
      try {
        await pipeline(response.body, inspector, spool);
      } catch (error) {
        if (error instanceof LocalWriteError) throw error.cause;
        throw new RetryableError(`the connection broke after ${inspector.bytes} bytes (${(error as Error).message})`);
      }
      const announced = response.headers['content-length'];
      if (announced !== undefined && Number(announced) !== inspector.bytes) {
        throw new RetryableError(`Twilio announced ${announced} bytes but ${inspector.bytes} arrived`);
      }
      const problem = inspector.problem();
      if (problem) throw new RetryableError(problem);
      return { tempPath, spool, bytes: inspector.bytes, sha256: inspector.sha256() };
    } catch (error) {
      await this.discard(tempPath, spool);
      throw error;
    }
  }

  /** Flushes a received file to disk and renames it into place. */
  private async commit(received: ReceivedFile, absolutePath: string): Promise<{ bytes: number; sha256: string }> {
    try {
      await (await received.spool.toFile()).sync();
    } catch (error) {
      await this.discard(received.tempPath, received.spool);
      throw error;
    }
    await received.spool.close();
    try {
      await this.fs.rename(received.tempPath, absolutePath);
    } catch (error) {
      await this.fs.unlink(received.tempPath).catch(() => undefined);
      throw error;
    }
    await this.folderSync.sync(dirname(absolutePath));
    return { bytes: received.bytes, sha256: received.sha256 };
  }

  private async discard(tempPath: string, spool: SpooledFile): Promise<void> {
    await spool.close().catch(() => undefined);
    await this.fs.unlink(tempPath).catch(() => undefined);
  }

  /** Throws unless the answer is a 200 with audio of the expected format; the body is left unread when it is. */
  private async checkAnswer(recording: Recording, response: HttpResponse): Promise<void> {
    const contentType = response.headers['content-type'];
    if (response.status === 200 && contentTypeMatches(contentType, this.format)) return;
    if (response.status === 404) {
      discardBody(response.body);
      throw new MediaSaveError(recording.sid, 'Twilio has no media for it (404)');
    }
    const body = await readBody(response.body, 64 * 1024).catch(() => Buffer.alloc(0));
    if (response.status < 200 || response.status >= 300) {
      throw this.api.errorFor(response, body, `GET media of ${recording.sid}`);
    }
    if (response.status !== 200) throw new RetryableError(`Twilio answered ${response.status} instead of 200`);
    throw new RetryableError(
      `Twilio answered ${contentType ?? 'without a content type'} instead of ${this.format} audio`,
    );
  }

  private async prepareRoot(readOnly: boolean): Promise<void> {
    const problem = (what: string) => new BadInputError(`Cannot use the folder "${this.root}": ${what}.`);
    const stats = await this.fs.stat(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw problem(`${error.code ?? error.message}; choose another folder`);
    });
    if (stats && !stats.isDirectory()) throw problem('it is a file, not a folder; choose another folder');
    const writable = stats ? this.root : dirname(this.root);
    if (!stats) {
      const parent = await this.fs.stat(writable).catch(() => undefined);
      if (!parent?.isDirectory())
        throw problem(
          `its parent folder ${writable} does not exist (or is not a folder); create it first or choose another folder`,
        );
    }
    await this.fs.access(writable, fsPromises.constants.W_OK | fsPromises.constants.X_OK).catch(() => {
      throw problem(`${writable} is not writable; fix its permissions or choose another folder`);
    });
    if (stats || readOnly) return;
    await this.fs.mkdir(this.root, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST')
        throw problem(`it cannot be created (${error.code ?? error.message}); choose another folder`);
    });
  }

  private async loadManifest(): Promise<void> {
    for await (const line of readJsonLines(this.manifestPath, this.fs)) {
      const entry = line as Partial<ManifestEntry> | null;
      if (
        entry?.event === 'downloaded' &&
        entry.format === this.format &&
        typeof entry.sid === 'string' &&
        typeof entry.path === 'string' &&
        typeof entry.bytes === 'number' &&
        typeof entry.sha256 === 'string'
      ) {
        this.known.set(entry.sid, { path: entry.path, bytes: entry.bytes, sha256: entry.sha256 });
      }
    }
  }

  /** Removes `.*.part-<pid>-*` files whose writing process has ended (a crash or a kill). */
  private async removeAbandonedTempFiles(folder: string): Promise<void> {
    const entries = await this.fs.readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        await this.removeAbandonedTempFiles(path);
      } else if (entry.isFile()) {
        const pid = TEMP_FILE.exec(entry.name)?.[1];
        if (pid !== undefined && !isRunning(Number(pid))) await this.fs.unlink(path).catch(() => undefined);
      }
    }
  }

  private async fileMatches(absolutePath: string, known: KnownFile): Promise<boolean> {
    const stats = await this.fs.stat(absolutePath).catch(() => undefined);
    if (!stats?.isFile() || stats.size !== known.bytes) return false;
    if (this.recheck === 'size') return true;
    return (await this.sha256Of(absolutePath)) === known.sha256;
  }

  private async sha256Of(absolutePath: string): Promise<string | undefined> {
    const file = await this.fs.open(absolutePath, 'r').catch(() => undefined);
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

  private absolutePathOf(path: string): string {
    const absolutePath = resolve(this.root, ...path.split('/'));
    // The layout already guarantees this; a second check costs nothing.
    if (!absolutePath.startsWith(this.root + sep)) throw new Error(`Refusing to write outside ${this.root}: ${path}`);
    return absolutePath;
  }

  private async makeFolder(folder: string): Promise<void> {
    if (this.madeFolders.has(folder)) return;
    await this.fs.mkdir(folder, { recursive: true, mode: 0o700 });
    this.madeFolders.add(folder);
  }

  private async syncFolderOnce(folder: string): Promise<void> {
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

function manifestEntry(
  recording: Recording,
  format: MediaFormat,
  path: string,
  file: { bytes: number; sha256: string },
  downloadedAt: Date,
): ManifestEntry {
  return {
    event: 'downloaded',
    sid: recording.sid,
    accountSid: recording.accountSid,
    callSid: recording.callSid,
    conferenceSid: recording.conferenceSid,
    dateCreated: recording.dateCreated.toISOString(),
    duration: recording.duration,
    channels: recording.channels,
    source: recording.source,
    status: recording.status,
    format,
    path,
    bytes: file.bytes,
    sha256: file.sha256,
    downloadedAt: downloadedAt.toISOString(),
  };
}

/** Turns whatever stopped a save into a MediaSaveError with a short reason. */
function asSaveError(sid: string, path: string, error: unknown): MediaSaveError {
  if (error instanceof MediaSaveError) return error;
  if (isDiskFull(error)) {
    return new DiskFullError(sid, `the disk is full (${(error as NodeJS.ErrnoException).code}) writing ${path}`);
  }
  if (error instanceof RetriesExhaustedError)
    return new MediaSaveError(sid, `${error.lastError.message} (after ${error.attempts} tries)`);
  if (error instanceof CredentialsError || error instanceof TwilioApiError)
    return new MediaSaveError(sid, error.message);
  const code = (error as NodeJS.ErrnoException).code;
  return new MediaSaveError(sid, code ? `cannot write ${path} (${code})` : (error as Error).message);
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A body received and checked, not yet on disk under its final name. */
interface ReceivedFile {
  tempPath: string;
  spool: SpooledFile;
  bytes: number;
  sha256: string;
}
