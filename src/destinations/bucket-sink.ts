import type { DeletionLog } from '../journal/deletion-log';
import { constants, promises as fsPromises } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageOf } from '../errors';
import type { Recording } from '../recordings/recording';
import { ConcurrencyLimiter } from '../twilio/concurrency-limiter';
import {
  UnlistedCopyError,
  type CopyRequest,
  type MediaSink,
  type ReceivedBody,
  type StoredFile,
  type StoredIndex,
} from './destination';
import type { IndexReader, OpenedSink } from './folder-sink';
import { readManifests, RunManifest, type ManifestStore } from './manifest-objects';
import { recordingObjectMetadata } from './object-metadata';
import { MANIFEST_FOLDER, ObjectStore, type ObjectOptions, type ObjectStoreOptions } from './object-store';
import type { S3ConnectionSettings } from './s3-client';
import { formatS3Url, parseS3Url } from './s3-url';
import type { SpoolFile } from './spooled-file';
import { isRunning } from './temp-files';

/** Objects uploaded at once, whatever the number of recordings received from Twilio. */
export const DEFAULT_OBJECT_UPLOADS = 8;

/** The spool folders of runs in the system's temporary folder: `<prefix><pid>-<random>`. */
const SPOOL_FOLDER_PREFIX = 'twilio-recordings-spool-';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** How to reach the store and how objects are written: `--s3-endpoint`, `--s3-storage-class`, `--s3-sse`, `--s3-kms-key-id`. */
export interface S3DestinationSettings extends ObjectOptions {
  connection?: S3ConnectionSettings;
}

export interface BucketSinkOptions {
  /** `s3://bucket/prefix`. */
  url: string;
  s3?: S3DestinationSettings;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Inspect only (for a dry run): no manifest is written, no upload aborted. */
  readOnly?: boolean;
  /** Where received media waits for its upload; the system's temporary folder by default. */
  spoolRoot?: string;
  /** Objects uploaded at once. */
  objectUploads?: number;
  /** A store opened elsewhere (a purge's check, tests); by default one from `url`, `s3` and `env`. */
  store?: ObjectStore;
}

/** The store options of an `s3://` destination, from its URL and `--s3-*` settings. */
export function bucketStoreOptions(options: Pick<BucketSinkOptions, 'url' | 's3' | 'env'>): ObjectStoreOptions {
  const { connection, ...objectOptions } = options.s3 ?? {};
  return { location: parseS3Url(options.url), connection, env: options.env, ...objectOptions };
}

/**
 * The deletion log of a bucket: the lines of every run's manifest under the prefix, read in the
 * order the runs started, and a recorder that is a run manifest of its own, so that settling an
 * interrupted run never rewrites an object another run wrote.
 * @public (loaded lazily by choose-destination.ts, which knip cannot follow)
 */
export function bucketDeletionLog(path: string, store: () => Promise<ManifestStore>): DeletionLog {
  return {
    path,
    async *lines() {
      yield* readManifests(await store());
    },
    async openWriter() {
      const manifest = RunManifest.create(await store());
      return { path, append: (entry) => manifest.append(entry), close: () => manifest.flush() };
    },
  };
}

/**
 * Where a bucket's run manifests are, as printed: `s3://bucket/prefix/.manifests/`.
 * @public (loaded lazily by choose-destination.ts, which knip cannot follow)
 */
export function bucketManifestsPath(url: string): string {
  return `${formatS3Url(parseS3Url(url))}${MANIFEST_FOLDER}/`;
}

/**
 * Copies in an S3 bucket under a prefix. Each body is received into a bounded local spool
 * (holding one of Twilio's slots only while it arrives), then uploaded from there, a bounded
 * number at a time, as an object the store verified (see ObjectStore.put); a listed copy counts
 * as present when a HEAD shows it complete with its size and SHA-256. Each run writes its own
 * manifest objects under `.manifests/`.
 */
export class BucketSink implements MediaSink {
  readonly root: string;
  manifestPath: string;
  readonly decryptedInPlace = false;
  private readonly uploads: ConcurrencyLimiter;
  private spoolFolder: string | undefined;
  private closed = false;

  private constructor(
    private readonly store: ObjectStore,
    options: BucketSinkOptions,
  ) {
    this.root = formatS3Url(store.location);
    this.manifestPath = `${this.root}${MANIFEST_FOLDER}/`;
    this.uploads = new ConcurrencyLimiter(options.objectUploads ?? DEFAULT_OBJECT_UPLOADS);
  }

  /**
   * Checks the URL and options, then, before anything is fetched: that the bucket can be listed
   * under the prefix, and (unless read-only) that this run can store its manifest there. Then
   * aborts the multipart uploads a killed run left, and reads what earlier runs stored.
   */
  static async open<Index extends StoredIndex>(
    options: BucketSinkOptions,
    readIndex: IndexReader<Index>,
  ): Promise<OpenedSink<Index>> {
    const store = options.store ?? (await ObjectStore.open(bucketStoreOptions(options)));
    const sink = new BucketSink(store, options);
    try {
      let manifest: RunManifest | undefined;
      if (!options.readOnly) {
        manifest = await RunManifest.start(store, (options.now ?? (() => new Date()))());
        sink.manifestPath = `${sink.root}${MANIFEST_FOLDER}/${manifest.runId}/`;
        await store.abortIncompleteUploads();
      }
      const index = await readIndex(readManifests(store));
      if (!manifest) return { sink, index };
      const spoolRoot = options.spoolRoot ?? tmpdir();
      await removeAbandonedSpools(spoolRoot);
      sink.spoolFolder = await fsPromises.mkdtemp(join(spoolRoot, `${SPOOL_FOLDER_PREFIX}${process.pid}-`));
      const run = manifest;
      return { sink, index, manifest: { append: (entry) => run.append(entry), close: () => run.flush() } };
    } catch (error) {
      store.close();
      throw error;
    }
  }

  /** Throws the bad-input error `open` would for the URL and the options, without reaching the store. */
  static check(options: Pick<BucketSinkOptions, 'url' | 's3' | 'env'>): void {
    ObjectStore.checkOptions(bucketStoreOptions(options));
  }

  locationOf(path: string): string {
    return `${this.root}${path}`;
  }

  placeOf(path: string): string {
    return `the spool of ${path} in ${this.spoolFolder}`;
  }

  async holds(file: StoredFile): Promise<boolean> {
    return (await this.store.has(file.path, { sha256: file.sha256, size: file.bytes })) !== undefined;
  }

  async prepare(): Promise<void> {}

  /** A file (0600) in this run's own spool folder, created only when a body outgrows memory. */
  spoolFile(recording: Recording): SpoolFile {
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

  /** Uploads the body as an object the store verified, then lets go of its spool. */
  async commit(body: ReceivedBody, path: string, request: CopyRequest<ReceivedBody>): Promise<void> {
    try {
      // A body that stayed in memory goes up from there (waiting for its upload there too: at most the
      // spool's 512 KB for each recording in flight); a larger one from the spool file it spilled to.
      const held = body.spool.heldBytes();
      if (!held) await body.spool.toFile();
      await body.spool.close();
      await this.uploads.run(() =>
        this.store.put(path, held ?? { path: body.spoolFile.path }, {
          sha256: body.sha256,
          size: body.bytes,
          metadata: recordingObjectMetadata(request.recording, body.sha256),
          contentType: request.contentType,
        }),
      );
    } finally {
      await body.discard();
    }
  }

  unlisted(error: unknown): Error {
    return new UnlistedCopyError(
      `stored, but its manifest line could not be written (${messageOf(error)}); a re-run stores it again`,
    );
  }

  manifestLines(): AsyncIterable<unknown> {
    return readManifests(this.store);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.spoolFolder) await fsPromises.rm(this.spoolFolder, { recursive: true, force: true });
    this.spoolFolder = undefined;
    this.store.close();
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
