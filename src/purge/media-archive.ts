import { join, resolve } from 'node:path';
import type { KeyRing } from '../encryption/key-ring';
import type { Layout, MediaFormat } from '../media/layout';
import type { MediaDestination } from '../media/media-destination';
import { UNVERIFIABLE_REASON } from '../media/media-encryption';
import { MANIFEST_FILE, MediaStore } from '../media/media-store';
import type { TwilioApi } from '../twilio/twilio-api';
import type { PurgeArchive } from './purge';
import { deletionLogFile, type SettleableLog } from './reconciliation';

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
  deletionLog: SettleableLog;
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
    deletionLog: deletionLogFile(join(resolve(options.root), MANIFEST_FILE)),
    open: () =>
      MediaStore.open({
        ...options,
        refuseUnverifiedEncrypted: options.acceptUnverifiedEncrypted ? undefined : UNVERIFIABLE_REASON,
      }),
  });
}
