import { join, resolve } from 'node:path';
import type { KeyRing } from '../encryption/key-ring';
import type { Layout, MediaFormat } from '../media/layout';
import { UNVERIFIABLE_REASON } from '../media/media-encryption';
import { MANIFEST_FILE, MediaStore } from '../media/media-store';
import type { TwilioApi } from '../twilio/twilio-api';
import type { PurgeArchive } from './purge';
import { deletionLogFile } from './reconciliation';

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
 * The archive step of a purge on a MediaStore: each recording saved (verified, flushed and
 * renamed into place) before it may be deleted, and each deletion appended to the same
 * manifest as the downloads.
 */
export function mediaStoreArchive(options: MediaArchiveOptions): PurgeArchive {
  return {
    check: () => MediaStore.check(options),
    deletionLog: deletionLogFile(join(resolve(options.root), MANIFEST_FILE)),
    async open() {
      const store = await MediaStore.open({
        ...options,
        refuseUnverifiedEncrypted: options.acceptUnverifiedEncrypted ? undefined : UNVERIFIABLE_REASON,
      });
      return {
        save: (recording, onBytes) => store.save(recording, onBytes),
        deletionLog: { path: store.manifestPath, append: (entry) => store.appendToManifest(entry) },
        close: () => store.close(),
      };
    },
  };
}
