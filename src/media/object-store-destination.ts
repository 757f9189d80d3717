import { constants, promises as fsPromises } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifests, RunManifest } from '../destinations/manifest-objects';
import { recordingObjectMetadata } from '../destinations/object-metadata';
import { ObjectStore, type ObjectOptions } from '../destinations/object-store';
import { ObjectUploadError } from '../destinations/object-store-errors';
import type { S3ConnectionSettings } from '../destinations/s3-client';
import { formatS3Url, parseS3Url } from '../destinations/s3-url';
import type { KeyRing } from '../encryption/key-ring';
import { messageOf, RecordingsError, MediaSaveError } from '../errors';
import type { Recording } from '../recordings/recording';
import { ConcurrencyLimiter } from '../twilio/concurrency-limiter';
import type { TwilioApi } from '../twilio/twilio-api';
import { Layout } from './layout';
import { manifestEntry, ManifestIndex } from './manifest';
import type { MediaDestination, SavedMedia } from './media-destination';
import { SavesUnderWay } from './saves-under-way';
import { ENCRYPTED_SUFFIX, mediaTreatment } from './media-encryption';
import { asSaveError } from './media-errors';
import { receiveMedia, type SpoolFile } from './media-receiver';
import { isRunning } from './temp-files';
import type { MediaFormat } from '../twilio/media-format';
import type { DeletionLog } from '../journal/deletion-log';

/** Objects uploaded at once, whatever the number of recordings received from Twilio. */
export const DEFAULT_OBJECT_UPLOADS = 8;

/** The spool folders of runs in the system's temporary folder: `<prefix><pid>-<random>`. */
const SPOOL_FOLDER_PREFIX = 'twilio-recordings-spool-';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

const CONTENT_TYPES: Record<MediaFormat, string> = { wav: 'audio/x-wav', mp3: 'audio/mpeg' };

/** How to reach the store and how objects are written: `--s3-endpoint`, `--s3-storage-class`, `--s3-sse`, `--s3-kms-key-id`. */
export interface S3DestinationSettings extends ObjectOptions {
  connection?: S3ConnectionSettings;
}

export interface ObjectStoreDestinationOptions {
  /** `s3://bucket/prefix`. */
  url: string;
  format: MediaFormat;
  layout: string | Layout;
  api: Pick<TwilioApi, 'fetchMedia'>;
  s3?: S3DestinationSettings;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Inspect only (for a dry run): no manifest is written, no upload aborted, and `save` is refused. */
  readOnly?: boolean;
  keys?: KeyRing;
  refuseUnverifiedEncrypted?: string;
  /** Where received media waits for its upload; the system's temporary folder by default. */
  spoolRoot?: string;
  /** Objects uploaded at once. */
  objectUploads?: number;
  /** A store opened elsewhere (tests); by default one from `url`, `s3` and `env`. */
  store?: ObjectStore;
}

/**
 * Recordings' media in an S3 bucket under a prefix. Each recording is received from Twilio
 * into a bounded local spool (holding one of Twilio's slots only while it arrives), then
 * uploaded from there, a bounded number at a time, as an object the store verified; its
 * `downloaded` line goes into this run's manifest in the bucket before it counts as saved.
 */
export class ObjectStoreDestination implements MediaDestination {
  readonly root: string;
  readonly format: MediaFormat;
  readonly layout: Layout;
  manifestPath: string;
  private readonly saving = new SavesUnderWay<SavedMedia>();
  private readonly uploads: ConcurrencyLimiter;
  private readonly now: () => Date;
  private index: ManifestIndex | undefined;
  private manifest: RunManifest | undefined;
  private spoolFolder: string | undefined;

  private constructor(
    private readonly store: ObjectStore,
    private readonly options: ObjectStoreDestinationOptions,
  ) {
    this.root = formatS3Url(store.location);
    this.format = options.format;
    this.layout = typeof options.layout === 'string' ? Layout.parse(options.layout) : options.layout;
    this.manifestPath = `${this.root}.manifests/`;
    this.uploads = new ConcurrencyLimiter(options.objectUploads ?? DEFAULT_OBJECT_UPLOADS);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Checks the URL and options, then, before anything is fetched: that the bucket can be listed
   * under the prefix, and (unless read-only) that this run can store its manifest there. Then
   * aborts the multipart uploads a killed run left, and reads what earlier runs stored.
   */
  static async open(options: ObjectStoreDestinationOptions): Promise<ObjectStoreDestination> {
    const layout = typeof options.layout === 'string' ? Layout.parse(options.layout) : options.layout;
    const store = options.store ?? (await ObjectStore.open(storeOptions(options)));
    const destination = new ObjectStoreDestination(store, { ...options, layout });
    try {
      if (!options.readOnly) {
        destination.manifest = await RunManifest.start(store, destination.now());
        destination.manifestPath = `${destination.root}.manifests/${destination.manifest.runId}/`;
        await store.abortIncompleteUploads();
      }
      destination.index = await ManifestIndex.fromLines(readManifests(store), options.format);
      if (!options.readOnly) {
        const spoolRoot = options.spoolRoot ?? tmpdir();
        await removeAbandonedSpools(spoolRoot);
        destination.spoolFolder = await fsPromises.mkdtemp(join(spoolRoot, `${SPOOL_FOLDER_PREFIX}${process.pid}-`));
      }
    } catch (error) {
      store.close();
      throw error;
    }
    return destination;
  }

  /** Throws the bad-input error `open` would for the URL, the options and the layout, without reaching the store. */
  static check(options: Pick<ObjectStoreDestinationOptions, 'url' | 's3' | 'env' | 'layout'>): void {
    if (typeof options.layout === 'string') Layout.parse(options.layout);
    ObjectStore.checkOptions(storeOptions(options));
  }

  listsRecording(sid: string): boolean {
    return this.index?.has(sid) ?? false;
  }

  newestListedCreation(): Date | undefined {
    return this.index?.newestCreated;
  }

  plannedPath(recording: Recording): string {
    const path = this.layout.render(recording, this.format);
    // Ciphertext never stands under a name that says it is audio.
    const asServed = recording.encryption && !this.options.keys && this.options.refuseUnverifiedEncrypted === undefined;
    return asServed ? `${path}${ENCRYPTED_SUFFIX}` : path;
  }

  /** The stored copy when a manifest lists it at its planned path and a HEAD shows it complete, with that size and SHA-256. */
  async presentCopy(recording: Recording): Promise<SavedMedia | undefined> {
    const path = this.plannedPath(recording);
    const known = this.index?.get(recording.sid);
    if (!known || known.path !== path) return undefined;
    const stored = await this.store.has(path, { sha256: known.sha256, size: known.bytes });
    if (!stored) return undefined;
    return this.saved(recording, path, known, 'already-present');
  }

  save(recording: Recording, onBytes?: (bytes: number) => void): Promise<SavedMedia> {
    if (!this.manifest) return Promise.reject(new Error('This destination is read-only or closed.'));
    return this.saving.once(recording.sid, () => this.saveOnce(recording, onBytes));
  }

  appendToManifest(entry: object): Promise<void> {
    if (!this.manifest) return Promise.reject(new Error('This destination is read-only or closed.'));
    return this.manifest.append(entry);
  }

  manifestLog(): DeletionLog {
    return {
      path: this.manifestPath,
      lines: () => readManifests(this.store),
      openWriter: async () => ({
        path: this.manifestPath,
        append: (line) => this.appendToManifest(line),
        close: async () => undefined,
      }),
    };
  }

  async close(): Promise<void> {
    await this.saving.settled();
    await this.manifest?.flush();
    this.manifest = undefined;
    if (this.spoolFolder) await fsPromises.rm(this.spoolFolder, { recursive: true, force: true });
    this.spoolFolder = undefined;
    this.store.close();
  }

  private async saveOnce(recording: Recording, onBytes?: (bytes: number) => void): Promise<SavedMedia> {
    const path = this.plannedPath(recording);
    try {
      const present = await this.presentCopy(recording);
      if (present) return present;
      const treatment = await mediaTreatment(
        recording,
        this.format,
        this.options.keys,
        this.options.refuseUnverifiedEncrypted,
      );
      const received = await receiveMedia({
        api: this.options.api,
        recording,
        format: this.format,
        treatment,
        spoolFile: () => this.spoolFile(recording),
        onBytes,
      });
      const file = { path, bytes: received.bytes, sha256: received.sha256 };
      try {
        // A body that stayed in memory goes up from there (waiting for its upload there too: at most the
        // spool's 512 KB for each recording in flight); a larger one from the spool file it spilled to.
        const held = received.spool.heldBytes();
        if (!held) await received.spool.toFile();
        await received.spool.close();
        await this.uploads.run(() =>
          this.store.put(path, held ?? { path: received.spoolFile.path }, {
            sha256: file.sha256,
            size: file.bytes,
            metadata: recordingObjectMetadata(recording, file.sha256),
            contentType: path.endsWith(ENCRYPTED_SUFFIX) ? 'application/octet-stream' : CONTENT_TYPES[this.format],
          }),
        );
      } finally {
        await received.discard();
      }
      try {
        await this.manifest!.append(manifestEntry(recording, this.format, file, this.now(), received.encryption));
      } catch (error) {
        throw new MediaSaveError(
          recording.sid,
          `stored, but its manifest line could not be written (${messageOf(error)}); a re-run stores it again`,
          true,
        );
      }
      this.index!.add(recording.sid, file, recording.dateCreated);
      return this.saved(recording, path, file, 'downloaded');
    } catch (error) {
      if (error instanceof ObjectUploadError) throw new MediaSaveError(recording.sid, error.reason, true);
      if (error instanceof RecordingsError && !(error instanceof MediaSaveError)) {
        throw new MediaSaveError(recording.sid, error.message);
      }
      throw asSaveError(recording.sid, `the spool of ${path} in ${this.spoolFolder}`, error);
    }
  }

  private saved(
    recording: Recording,
    path: string,
    file: { bytes: number; sha256: string },
    outcome: SavedMedia['outcome'],
  ): SavedMedia {
    return {
      sid: recording.sid,
      accountSid: recording.accountSid,
      path,
      absolutePath: `${this.root}${path}`,
      bytes: file.bytes,
      sha256: file.sha256,
      outcome,
    };
  }

  /** A file (0600) in this run's own spool folder, created only when a body outgrows memory. */
  private spoolFile(recording: Recording): SpoolFile {
    const path = join(this.spoolFolder!, `${recording.sid}-${randomBytes(6).toString('hex')}`);
    let opened = false;
    return {
      path,
      open: () => {
        opened = true;
        return fsPromises.open(path, CREATE_FLAGS, 0o600);
      },
      // Most bodies stay in memory: unlinking a file never created costs an error each time.
      remove: async () => {
        if (opened) await fsPromises.unlink(path).catch(() => undefined);
      },
    };
  }
}

/**
 * Removes the spool folders of runs that were killed (their process is gone), which could not
 * remove their own: `<prefix><pid>-<random>`.
 */
async function removeAbandonedSpools(spoolRoot: string): Promise<void> {
  const entries = await fsPromises.readdir(spoolRoot, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith(SPOOL_FOLDER_PREFIX)) continue;
    const pid = /^(\d+)-[A-Za-z0-9]+$/.exec(entry.name.slice(SPOOL_FOLDER_PREFIX.length))?.[1];
    if (pid === undefined || isRunning(Number(pid))) continue;
    await fsPromises.rm(join(spoolRoot, entry.name), { recursive: true, force: true }).catch(() => undefined);
  }
}

function storeOptions(options: Pick<ObjectStoreDestinationOptions, 'url' | 's3' | 'env'>) {
  const { connection, ...objectOptions } = options.s3 ?? {};
  return { location: parseS3Url(options.url), connection, env: options.env, ...objectOptions };
}
