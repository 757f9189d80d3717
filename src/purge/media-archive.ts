import type { KeyRing } from '../encryption/key-ring';
import type { Layout } from '../media/layout';
import type { MediaFormat } from '../twilio/media-format';
import { UNVERIFIABLE_REASON } from '../media/media-encryption';
import { mediaDestinationAt, type S3DestinationSettings } from '../media/open-destination';
import type { TwilioApi } from '../twilio/twilio-api';
import type { PurgeArchive } from './purge-archive';

export interface ArchiveOptions {
  format: MediaFormat;
  layout: Layout;
  api: TwilioApi;
  /** Decrypt encrypted recordings, so that their copies are verified before they are deleted. */
  keys?: KeyRing;
  /** Archive encrypted recordings as served, unverified, when there is no key. */
  acceptUnverifiedEncrypted?: boolean;
  /** `--s3-*`: how to reach the store and write objects, for an `s3://` archive. */
  s3?: S3DestinationSettings;
  env?: NodeJS.ProcessEnv;
  /** Requests to Twilio in flight at once: an `s3://` archive uploads as many objects at once. */
  concurrency?: number;
}

/** Recordings in flight per Twilio slot with an `s3://` archive: each waits on several round trips to the store. */
const BUCKET_RECORDINGS_PER_SLOT = 4;

/**
 * The archive step of a purge at `where` (a folder, or `s3://bucket/prefix`): each recording
 * saved, and verified as the destination verifies it, before it may be deleted, and each
 * deletion appended to the same manifest as the copies. Its check refuses a destination that
 * will not do (a malformed `s3://` URL at once) and, for a bucket, reaches it, writing nothing;
 * the deletion log is the destination's manifest, settled before the plan.
 */
export function archiveAt(where: string, options: ArchiveOptions): PurgeArchive {
  const { concurrency, acceptUnverifiedEncrypted, ...media } = options;
  const place = mediaDestinationAt(where, {
    ...media,
    refuseUnverifiedEncrypted: acceptUnverifiedEncrypted ? undefined : UNVERIFIABLE_REASON,
    // Received media waits for its upload; as many uploads as Twilio requests keep the two in step.
    objectUploads: concurrency,
  });
  return {
    async check() {
      await place.check();
      await place.reach();
    },
    deletionLog: place.deletionLog(),
    ...(place.kind === 'bucket' ? { recordingsPerSlot: BUCKET_RECORDINGS_PER_SLOT } : {}),
    async open() {
      const destination = await place.open();
      return {
        save: (recording, onBytes) => destination.save(recording, onBytes),
        deletionLog: { path: destination.manifestPath, append: (entry) => destination.appendToManifest(entry) },
        close: () => destination.close(),
      };
    },
  };
}
