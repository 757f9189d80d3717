import { readManifests, RunManifest, type ManifestStore } from '../destinations/manifest-objects';
import { MANIFEST_FOLDER, ObjectStore, type ObjectStoreOptions } from '../destinations/object-store';
import { formatS3Url, parseS3Url } from '../destinations/s3-url';
import type { MediaDestination } from '../media/media-destination';
import { destinationArchive } from './destination-archive';
import type { PurgeArchive } from './purge';
import type { DeletionLog } from '../journal/deletion-log';

/**
 * The deletion log of an archive in a bucket: the lines of every run's manifest under the
 * prefix, read in the order the runs started, and a writer that is a run manifest of its own,
 * so that settling an interrupted run never rewrites an object another run wrote.
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

export interface ObjectStoreArchiveOptions {
  /** `s3://bucket/prefix`, as given. */
  url: string;
  /** How to reach the store: connection settings and object options, as the destination has them. */
  store: Omit<ObjectStoreOptions, 'location'>;
  /**
   * The destination that saves each recording in the bucket, opened once the purge is confirmed
   * on the store the check opened; closing the destination closes the store.
   */
  openDestination(store: ObjectStore): Promise<MediaDestination>;
}

/**
 * The archive of a purge in an object store (a malformed URL is refused at once, exit 2). Its
 * check opens the store (a missing bucket, another region or denied access is exit 2,
 * credentials exit 4) before anything is asked of Twilio, and writes nothing, so a dry run
 * leaves the bucket as it was. The deletion log is the bucket's run manifests, settled before
 * the plan; each recording is deleted only once the destination reports its object stored and
 * verified, and each intent is in a stored manifest object before its DELETE is sent.
 */
export function objectStoreArchive(options: ObjectStoreArchiveOptions): PurgeArchive {
  const location = parseS3Url(options.url);
  let opened: Promise<ObjectStore> | undefined;
  const store = (): Promise<ObjectStore> => (opened ??= ObjectStore.open({ ...options.store, location }));
  return destinationArchive({
    check: async () => void (await store()),
    deletionLog: bucketDeletionLog(`${formatS3Url(location)}${MANIFEST_FOLDER}/`, store),
    open: async () => options.openDestination(await store()),
  });
}
