import { isS3Url } from '../destinations/s3-url';
import type { KeyRing } from '../encryption/key-ring';
import { BadInputError } from '../errors';
import { printableClip } from '../text/printable';
import type { TwilioApi } from '../twilio/twilio-api';
import type { Layout } from './layout';
import type { MediaDestination } from './media-destination';
import { MediaStore } from './media-store';
import type { S3DestinationSettings } from './object-store-destination';
import type { MediaFormat } from '../twilio/media-format';

export type { S3DestinationSettings } from './object-store-destination';

/** What any destination takes; `s3` only applies to an `s3://` one. */
export interface MediaDestinationOptions {
  format: MediaFormat;
  /** A layout template such as `{date}/{sid}.{ext}`, or a parsed layout. */
  layout: string | Layout;
  api: TwilioApi;
  /** Inspect only (for a dry run): nothing is created, written or cleaned, and `save` is refused. */
  readOnly?: boolean;
  /** A folder's check of files its manifest lists: `sha256` (the default) or only their `size`. */
  recheck?: 'sha256' | 'size';
  keys?: KeyRing;
  refuseUnverifiedEncrypted?: string;
  /** `--s3-endpoint`, `--s3-storage-class`, `--s3-sse`, `--s3-kms-key-id`. */
  s3?: S3DestinationSettings;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/**
 * Opens the destination `where` names: `s3://bucket/prefix` for an object store, anything else
 * for a local folder. Throws a one-line error, before any recording is fetched, when it cannot
 * be used. The object store's code (and the AWS SDK) is loaded only for an `s3://` destination.
 */
export async function openMediaDestination(where: string, options: MediaDestinationOptions): Promise<MediaDestination> {
  refuseMistypedS3Url(where);
  if (isS3Url(where)) {
    const { ObjectStoreDestination } = loadObjectStoreDestination();
    return ObjectStoreDestination.open({ url: where, ...options });
  }
  return MediaStore.open({ root: where, ...options });
}

/** Throws the bad-input error `openMediaDestination` would for `where` and the options, creating and writing nothing. */
export async function checkMediaDestination(where: string, options: MediaDestinationOptions): Promise<void> {
  refuseMistypedS3Url(where);
  if (isS3Url(where)) {
    loadObjectStoreDestination().ObjectStoreDestination.check({ url: where, ...options });
    return;
  }
  await MediaStore.check({ root: where, ...options });
}

/** `s3:/bucket` or `s3:bucket` meant a bucket, not a folder named `s3:`: say so rather than create one. */
function refuseMistypedS3Url(where: string): void {
  if (/^s3:(?!\/\/)/i.test(where)) {
    throw new BadInputError(
      `Invalid destination "${printableClip(where, 200)}": an object store destination starts with s3:// (two slashes). Example: s3://my-bucket/recordings`,
    );
  }
}

function loadObjectStoreDestination(): typeof import('./object-store-destination') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./object-store-destination') as typeof import('./object-store-destination');
}
