import { join, resolve } from 'node:path';
import { isS3Url } from '../destinations/s3-url';
import type { KeyRing } from '../encryption/key-ring';
import type { Layout } from '../media/layout';
import type { MediaDestination } from '../media/media-destination';
import { UNVERIFIABLE_REASON } from '../media/media-encryption';
import { MANIFEST_FILE, MediaStore } from '../media/media-store';
import type { S3DestinationSettings } from '../media/open-destination';
import type { TwilioApi } from '../twilio/twilio-api';
import type { PurgeArchive } from './purge';
import { objectStoreArchive } from './object-store-archive';
import type { MediaFormat } from '../twilio/media-format';
import { fileDeletionLog, type DeletionLog } from '../journal/deletion-log';

export interface MediaArchiveOptions {
  /** The archive folder, shared with `recordings:download`. */
  root: string;
  format: MediaFormat;
  layout: Layout;
  api: TwilioApi;
  /** Decrypt encrypted recordings, so that their copies are verified before they are deleted. */
  keys?: KeyRing;
  /** Archive encrypted recordings as served, unverified, when there is no key. */
  acceptUnverifiedEncrypted?: boolean;
}

/** How a purge reaches an archive destination, whichever kind it is. */
export interface DestinationOpener {
  /** Throws a one-line error when the destination cannot be used; changes nothing. */
  check(): Promise<void>;
  /** The destination's manifest as a deletion log, readable before the destination is opened. */
  deletionLog: DeletionLog;
  /** Opens the destination for saving, once the purge is confirmed. */
  open(): Promise<MediaDestination>;
}

/**
 * The archive step of a purge on any media destination: each recording saved (and verified as
 * the destination verifies it) before it may be deleted, and each deletion appended to the same
 * manifest as the copies.
 */
export function destinationArchive(opener: DestinationOpener): PurgeArchive {
  return {
    check: () => opener.check(),
    deletionLog: opener.deletionLog,
    async open() {
      const destination = await opener.open();
      return {
        save: (recording, onBytes) => destination.save(recording, onBytes),
        deletionLog: { path: destination.manifestPath, append: (entry) => destination.appendToManifest(entry) },
        close: () => destination.close(),
      };
    },
  };
}

/**
 * The archive of a purge in a folder: a MediaStore, each recording saved (verified, flushed and
 * renamed into place) before it may be deleted.
 */
export function mediaStoreArchive(options: MediaArchiveOptions): PurgeArchive {
  return destinationArchive({
    check: () => MediaStore.check(options),
    deletionLog: fileDeletionLog(join(resolve(options.root), MANIFEST_FILE)),
    open: () =>
      MediaStore.open({
        ...options,
        refuseUnverifiedEncrypted: options.acceptUnverifiedEncrypted ? undefined : UNVERIFIABLE_REASON,
      }),
  });
}

export interface ArchiveOptions extends Omit<MediaArchiveOptions, 'root'> {
  /** `--s3-*`: how to reach the store and write objects, for an `s3://` archive. */
  s3?: S3DestinationSettings;
  env?: NodeJS.ProcessEnv;
  /** Requests to Twilio in flight at once: an `s3://` archive uploads as many objects at once. */
  concurrency?: number;
}

/** Recordings in flight per Twilio slot with an `s3://` archive: each waits on several round trips to the store. */
const BUCKET_RECORDINGS_PER_SLOT = 4;

/**
 * The archive `where` names: `s3://bucket/prefix` for an object store, anything else for a
 * folder. The object store's destination (and the AWS SDK) is loaded only for an `s3://` one.
 */
export function archiveAt(where: string, options: ArchiveOptions): PurgeArchive {
  const { s3, env, concurrency, ...media } = options;
  if (!isS3Url(where)) return mediaStoreArchive({ ...media, root: where });
  const destinationOptions = {
    url: where,
    ...media,
    refuseUnverifiedEncrypted: media.acceptUnverifiedEncrypted ? undefined : UNVERIFIABLE_REASON,
    s3,
    env,
    // Received media waits for its upload; as many uploads as Twilio requests keep the two in step.
    objectUploads: concurrency,
  };
  const { connection, ...objectOptions } = s3 ?? {};
  const archive = objectStoreArchive({
    url: where,
    store: { ...objectOptions, connection, env },
    openDestination: async (store) => {
      const { ObjectStoreDestination } = await import('../media/object-store-destination');
      return ObjectStoreDestination.open({ ...destinationOptions, store });
    },
  });
  return {
    ...archive,
    recordingsPerSlot: BUCKET_RECORDINGS_PER_SLOT,
    async check() {
      const { ObjectStoreDestination } = await import('../media/object-store-destination');
      ObjectStoreDestination.check(destinationOptions);
      await archive.check();
    },
  };
}
