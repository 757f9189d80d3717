import type { DeletionLog } from '../journal/deletion-log';
import type { MediaDestination } from '../media/media-destination';
import type { PurgeArchive } from './purge';

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
