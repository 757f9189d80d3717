import { join, resolve } from 'node:path';
import { isS3Url } from '../destinations/s3-url';
import type { KeyRing } from '../encryption/key-ring';
import type { Layout } from '../media/layout';
import { UNVERIFIABLE_REASON } from '../media/media-encryption';
import { MANIFEST_FILE, MediaStore } from '../media/media-store';
import type { S3DestinationSettings } from '../media/open-destination';
import type { TwilioApi } from '../twilio/twilio-api';
import type { PurgeArchive } from './purge';
import { objectStoreArchive } from './object-store-archive';
import { destinationArchive } from './destination-archive';
import type { MediaFormat } from '../twilio/media-format';
import { fileDeletionLog } from '../journal/deletion-log';

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
