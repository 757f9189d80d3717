import type { DeletionLog } from '../journal/deletion-log';
import {
  destinationAt,
  refuseMistypedS3Url,
  type DestinationKind,
  type SinkOptions,
} from '../destinations/choose-destination';
import type { MediaDestination } from './media-destination';
import { RecordingDestination, type RecordingMediaOptions } from './recording-destination';

export type { S3DestinationSettings } from '../destinations/choose-destination';

/** What any destination of recordings' media takes; `s3` only applies to an `s3://` one, `recheck` to a folder. */
export interface MediaDestinationOptions extends RecordingMediaOptions, SinkOptions {}

/** A destination of recordings' media chosen but not opened. */
export interface MediaDestinationPlace {
  readonly kind: DestinationKind;
  /** Throws the bad-input error opening would for the layout, the place and the options; changes and reaches nothing. */
  check(): Promise<void>;
  /** Reaches the place (a bucket is listed under its prefix); nothing for a folder. */
  reach(): Promise<void>;
  /** The manifest as a deletion log, readable before the destination is opened. */
  deletionLog(): DeletionLog;
  open(): Promise<MediaDestination>;
}

/**
 * The destination `where` names, as the one chooser decides (`s3://bucket/prefix` for an object
 * store, anything else for a local folder), with recordings' media saved on it.
 */
export function mediaDestinationAt(where: string, options: MediaDestinationOptions): MediaDestinationPlace {
  const place = destinationAt(where, options);
  return {
    kind: place.kind,
    check: async () => {
      RecordingDestination.checkLayout(options.layout);
      await place.check();
    },
    reach: () => place.reach(),
    deletionLog: () => place.deletionLog(),
    open: () => RecordingDestination.open((readIndex) => place.open(readIndex), options),
  };
}

/**
 * Opens the destination `where` names. Throws a one-line error, before any recording is
 * fetched, when it cannot be used. The object store's code (and the AWS SDK) is loaded only for
 * an `s3://` destination.
 */
export async function openMediaDestination(where: string, options: MediaDestinationOptions): Promise<MediaDestination> {
  refuseMistypedS3Url(where);
  return mediaDestinationAt(where, options).open();
}

/** Throws the bad-input error `openMediaDestination` would for `where` and the options, creating and writing nothing. */
export async function checkMediaDestination(where: string, options: MediaDestinationOptions): Promise<void> {
  refuseMistypedS3Url(where);
  await mediaDestinationAt(where, options).check();
}
