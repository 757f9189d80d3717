import type { DeletionLog } from '../journal/deletion-log';
import { BadInputError } from '../errors';
import { printableClip } from '../text/printable';
import type { StoredIndex } from './destination';
import { FolderSink, folderDeletionLog, type IndexReader, type OpenedSink } from './folder-sink';
import type { MediaFileSystem } from './file-system';
import type { ObjectStore } from './object-store';
import { isS3Url } from './s3-url';
import type { S3DestinationSettings } from './bucket-sink';

export type { IndexReader, OpenedSink } from './folder-sink';
export type { S3DestinationSettings } from './bucket-sink';

/** A folder, or a place in an object store (`s3://bucket/prefix`). */
export type DestinationKind = 'folder' | 'bucket';

/** What a destination of either kind may be given; each kind takes what applies to it. */
export interface SinkOptions {
  /** Inspect only (for a dry run): nothing is created, written or cleaned. */
  readOnly?: boolean;
  /** A folder's check of files its manifest lists: `sha256` (the default) or only their `size`. */
  recheck?: 'sha256' | 'size';
  fs?: MediaFileSystem;
  /** `--s3-endpoint`, `--s3-storage-class`, `--s3-sse`, `--s3-kms-key-id`. */
  s3?: S3DestinationSettings;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Objects uploaded at once to a bucket. */
  objectUploads?: number;
  /** Where media waits for its upload to a bucket; the system's temporary folder by default. */
  spoolRoot?: string;
}

/**
 * A destination chosen but not opened: what a command needs before it fetches or deletes
 * anything (a check, the manifest as a deletion log), and the opening itself.
 */
export interface DestinationPlace {
  readonly kind: DestinationKind;
  /** Throws the bad-input error opening would for the place and the options; creates, writes and reaches nothing. */
  check(): Promise<void>;
  /** Reaches the place: a bucket is listed under its prefix (refused in one line when it cannot be); nothing for a folder. */
  reach(): Promise<void>;
  /** The manifest as a deletion log, readable before the destination is opened. */
  deletionLog(): DeletionLog;
  /** Opens the sink, reading its manifest with `readIndex`. */
  open<Index extends StoredIndex>(readIndex: IndexReader<Index>): Promise<OpenedSink<Index>>;
}

/** Whether `where` names a place in an object store rather than a folder. */
export function destinationKind(where: string): DestinationKind {
  return isS3Url(where) ? 'bucket' : 'folder';
}

/**
 * The one choice between a folder and a bucket: `s3://bucket/prefix` is a bucket, anything else
 * a folder. The bucket's code (and the AWS SDK) is loaded only for a bucket, so that no command
 * pays for it at start-up.
 */
export function destinationAt(where: string, options: SinkOptions = {}): DestinationPlace {
  return destinationKind(where) === 'bucket' ? bucketAt(where, options) : folderAt(where, options);
}

/** `s3:/bucket` or `s3:bucket` meant a bucket, not a folder named `s3:`: say so rather than create one. */
export function refuseMistypedS3Url(where: string): void {
  if (/^s3:(?!\/\/)/i.test(where)) {
    throw new BadInputError(
      `Invalid destination "${printableClip(where, 200)}": an object store destination starts with s3:// (two slashes). Example: s3://my-bucket/recordings`,
    );
  }
}

function folderAt(root: string, options: SinkOptions): DestinationPlace {
  const folder = { root, fs: options.fs, recheck: options.recheck, readOnly: options.readOnly };
  return {
    kind: 'folder',
    check: () => FolderSink.check(folder),
    reach: async () => undefined,
    deletionLog: () => folderDeletionLog(root),
    open: (readIndex) => FolderSink.open(folder, readIndex),
  };
}

function bucketAt(url: string, options: SinkOptions): DestinationPlace {
  const bucket = { url, s3: options.s3, env: options.env };
  // One store for the check, the deletion log and the destination: it is listed once, and closed with the destination.
  let reached: Promise<ObjectStore> | undefined;
  const store = (): Promise<ObjectStore> => {
    reached ??= (async () => {
      const { ObjectStore } = await import('./object-store');
      return ObjectStore.open(loadBucketSink().bucketStoreOptions(bucket));
    })();
    return reached;
  };
  return {
    kind: 'bucket',
    check: async () => loadBucketSink().BucketSink.check(bucket),
    reach: async () => void (await store()),
    deletionLog: () => {
      const { bucketDeletionLog, bucketManifestsPath } = loadBucketSink();
      return bucketDeletionLog(bucketManifestsPath(url), store);
    },
    open: async (readIndex) => {
      const { BucketSink } = loadBucketSink();
      return BucketSink.open(
        {
          ...bucket,
          now: options.now,
          readOnly: options.readOnly,
          objectUploads: options.objectUploads,
          spoolRoot: options.spoolRoot,
          store: reached ? await reached : undefined,
        },
        readIndex,
      );
    },
  };
}

function loadBucketSink(): typeof import('./bucket-sink') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./bucket-sink') as typeof import('./bucket-sink');
}
