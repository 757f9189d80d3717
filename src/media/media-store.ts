import { promises as fsPromises } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import { GcmDecipherStream, TagMismatchError } from '../encryption/gcm-decipher';
import type { KeyRing } from '../encryption/key-ring';
import { CredentialsError, TwilioApiError } from '../errors';
import type { Recording } from '../recordings/recording';
import { RetriesExhaustedError, RetryableError } from '../twilio/retry-policy';
import { recordingPath, type TwilioApi } from '../twilio/twilio-api';
import { sha256OfFile } from './file-hash';
import type { SettleableLog } from '../purge/reconciliation';
import { JsonLinesFile, readJsonLines } from './json-lines-file';
import { Layout, type MediaFormat } from './layout';
import { manifestEntry, ManifestIndex, MANIFEST_FILE, type KnownFile } from './manifest';
import { HashingCounter } from './hashing-counter';
import { checkMediaAnswer } from './media-answer';
import { MediaInspector } from './media-check';
import { ENCRYPTED_SUFFIX, mediaTreatment, type ManifestEncryption, type MediaTreatment } from './media-encryption';
import { DiskFullError, isDiskFull, MediaSaveError } from './media-errors';
import type { MediaFileSystem } from './media-file-system';
import type { MediaDestination, SavedMedia } from './media-destination';
import { MediaFolder } from './media-folder';
import { LocalWriteError, SpooledFile } from './spooled-file';
import { TempFiles } from './temp-files';

export { MANIFEST_FILE, type ManifestEntry } from './manifest';
export type { SavedMedia } from './media-destination';

/** Bodies up to this size wait in memory until their request is over; larger ones stream to disk. */
const SPOOL_MEMORY_BYTES = 512 * 1024;

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
  private readonly saving = new Map<string, Promise<SavedMedia>>();
  private readonly keys: KeyRing | undefined;
  private readonly refuseUnverifiedEncrypted: string | undefined;
  private index: ManifestIndex | undefined;
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
    store.index = await ManifestIndex.load(store.manifestPath, store.format, store.fs);
    if (options.readOnly) return store;
    if (!exists) await store.folder.create();
    await store.temp.removeAbandoned((path) => store.index!.lists(path));
    store.manifest = await JsonLinesFile.open(store.manifestPath, store.fs);
    return store;
  }

  /** Throws the bad-input error `open` would for the folder and the layout, without creating or reading anything. */
  static async check(options: MediaStoreOptions): Promise<void> {
    await new MediaStore(options).folder.check();
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
    const known = this.index?.get(recording.sid);
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

  manifestLog(): SettleableLog {
    return {
      path: this.manifestPath,
      lines: () => readJsonLines(this.manifestPath, this.fs),
      openRecorder: async () => ({
        path: this.manifestPath,
        append: (line) => this.appendToManifest(line),
        close: async () => undefined,
      }),
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.saving.values()]);
    if (!this.manifest) return;
    await this.manifest.close();
    this.manifest = undefined;
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
      const received = await this.api.retryPolicy.run(
        () => this.receive(recording, absolutePath, treatment, onBytes),
        this.api.limiter,
        `download of ${recording.sid}`,
      );
      const file = { path, ...(await this.commit(received, absolutePath)) };
      await this.manifest!.append(manifestEntry(recording, this.format, file, this.now(), received.encryption));
      this.index!.add(recording.sid, file);
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

  /**
   * One try: fetch and stream to a temporary file while checking. The file is left open and
   * unflushed, so that the slot of Twilio's concurrency is held only while the request is.
   */
  private async receive(
    recording: Recording,
    absolutePath: string,
    treatment: MediaTreatment,
    onBytes?: (bytes: number) => void,
  ): Promise<ReceivedFile> {
    const mediaPath = `${recordingPath(recording.accountSid, recording.sid)}.${this.format}`;
    const response = await this.api.getFollowingRedirects(mediaPath);
    await checkMediaAnswer(this.api, recording, this.format, response);

    const tempPath = this.temp.pathFor(absolutePath);
    const spool = new SpooledFile(() => this.temp.create(tempPath), SPOOL_MEMORY_BYTES);
    try {
      // fetch -> [as served: hash] -> [decrypt, tag checked at the end] -> check and hash -> temporary file
      const served =
        treatment.kind === 'plain'
          ? undefined
          : new HashingCounter(treatment.kind === 'as-served' ? onBytes : undefined);
      const inspector = treatment.kind === 'as-served' ? undefined : new MediaInspector(this.format, onBytes);
      const stages: Transform[] = [
        ...(served ? [served] : []),
        ...(treatment.kind === 'decrypt' ? [new GcmDecipherStream(treatment.contentKey, treatment.iv)] : []),
        ...(inspector ? [inspector] : []),
      ];
      const arrived = () => (served ?? inspector)!.bytes;
      const announced = response.headers['content-length'];
      try {
        await pipeline([response.body, ...stages, spool]);
      } catch (error) {
        if (error instanceof LocalWriteError) throw error.cause;
        if (error instanceof TagMismatchError && (announced === undefined || Number(announced) === arrived())) {
          throw new MediaSaveError(recording.sid, `cannot decrypt: ${error.message}; nothing was saved`);
        }
        throw new RetryableError(`the connection broke after ${arrived()} bytes (${(error as Error).message})`);
      }
      if (announced !== undefined && Number(announced) !== arrived()) {
        throw new RetryableError(`Twilio announced ${announced} bytes but ${arrived()} arrived`);
      }
      const problem = inspector
        ? inspector.problem()
        : served!.bytes < 16
          ? 'too short to be encrypted media'
          : undefined;
      if (problem) {
        if (treatment.kind === 'decrypt') throw new MediaSaveError(recording.sid, `decrypted, but ${problem}`);
        throw new RetryableError(problem);
      }
      const encryption: ManifestEncryption | undefined =
        treatment.kind === 'plain'
          ? undefined
          : {
              keySid: treatment.keySid,
              decrypted: treatment.kind === 'decrypt',
              ciphertextBytes: served!.bytes,
              ciphertextSha256: served!.sha256(),
              details: treatment.details,
            };
      const file = inspector ?? served!;
      return {
        tempPath,
        spool,
        bytes: file.bytes,
        sha256: file === inspector ? inspector.sha256() : encryption!.ciphertextSha256,
        encryption,
      };
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
    await this.folder.sync(dirname(absolutePath));
    return { bytes: received.bytes, sha256: received.sha256 };
  }

  private async discard(tempPath: string, spool: SpooledFile): Promise<void> {
    await spool.close().catch(() => undefined);
    await this.fs.unlink(tempPath).catch(() => undefined);
  }

  private async fileMatches(absolutePath: string, known: KnownFile): Promise<boolean> {
    // lstat: a symbolic link under a recording's name is not its copy, whatever it points to.
    const stats = await this.fs.lstat(absolutePath).catch(() => undefined);
    if (!stats?.isFile() || stats.size !== known.bytes) return false;
    if (this.recheck === 'size') return true;
    return (await sha256OfFile(this.fs, absolutePath)) === known.sha256;
  }
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

/** A body received and checked, not yet on disk under its final name. */
interface ReceivedFile {
  tempPath: string;
  spool: SpooledFile;
  bytes: number;
  sha256: string;
  encryption?: ManifestEncryption;
}
