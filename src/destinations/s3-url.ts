import { BadInputError } from '../errors';
import { printableClip } from '../text/printable';

/** A bucket and a key prefix, from `s3://bucket/prefix`. */
export interface S3Location {
  bucket: string;
  /** Empty, or ending in `/`: object names are appended to it. */
  prefix: string;
}

const SCHEME = 's3://';

/** The folder under the prefix that holds the runs' manifest objects; no object name may fall in it. */
export const MANIFEST_FOLDER = '.manifests';

/** S3's longest key, in UTF-8 bytes; the prefix leaves room for the layout's names under it. */
const MAX_PREFIX_BYTES = 768;

/** Bucket names as S3 takes them everywhere (lowercase, 3 to 63 characters, no leading or trailing dot or hyphen). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Whether a destination names an object store rather than a folder. */
export function isS3Url(destination: string): boolean {
  return destination.slice(0, SCHEME.length).toLowerCase() === SCHEME;
}

/**
 * The bucket and prefix of `s3://bucket/prefix`, or a bad-input error saying in one line what
 * is wrong. The prefix is treated as a folder: `s3://b/archive` and `s3://b/archive/` are the
 * same place, and no segment may be empty, `.` or `..`, since S3 consoles and sync tools would
 * show such keys as other folders.
 */
export function parseS3Url(destination: string): S3Location {
  const problem = (what: string) =>
    new BadInputError(
      `Invalid destination "${printableClip(withoutUserinfo(destination), 200)}": ${what}. Example: s3://my-bucket/recordings`,
    );
  if (!isS3Url(destination)) throw problem('an object store destination starts with s3://');
  const rest = destination.slice(SCHEME.length);
  if (userinfoOf(destination) !== undefined) {
    throw problem(
      'it has a user name or password before an @, which an s3:// destination cannot have: the AWS SDK takes credentials from its environment',
    );
  }
  if ([...rest].some((char) => char < ' ' || char === '\u007f')) throw problem('it contains control characters');
  if (/[?#]/.test(rest)) throw problem('it has a query or fragment (? or #), which an s3:// destination cannot have');
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') throw problem('it names no bucket');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw problem(
      `"${bucket}" is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)`,
    );
  }
  const segments = path === '' ? [] : path.replace(/\/$/, '').split('/');
  for (const segment of segments) {
    if (segment === '') throw problem('its prefix has an empty folder name (a leading or doubled /)');
    if (segment === '.' || segment === '..') throw problem(`its prefix has a "${segment}" folder`);
    if (segment.includes('\\')) throw problem('use / to separate folders in the prefix, not \\');
    if (segment === MANIFEST_FOLDER) {
      throw problem(
        `its prefix has a "${MANIFEST_FOLDER}" folder, where the runs' manifests are kept: name it otherwise`,
      );
    }
  }
  const prefix = segments.length === 0 ? '' : `${segments.join('/')}/`;
  if (Buffer.byteLength(prefix) > MAX_PREFIX_BYTES)
    throw problem(`its prefix is longer than ${MAX_PREFIX_BYTES} bytes`);
  return { bucket, prefix };
}

/** The `user:password@` of a URL's authority, if it has one. */
function userinfoOf(url: string): string | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return undefined;
  const authority = url.slice(scheme[0].length).split(/[/?#]/, 1)[0];
  const at = authority.lastIndexOf('@');
  return at === -1 ? undefined : authority.slice(0, at);
}

/** A URL as it may be printed: any `user:password@` is replaced by `…@`, so no secret reaches a terminal or log. */
export function withoutUserinfo(url: string): string {
  const userinfo = userinfoOf(url);
  if (userinfo === undefined) return url;
  const start = url.indexOf('://') + 3;
  return `${url.slice(0, start)}…@${url.slice(start + userinfo.length + 1)}`;
}

/** `s3://bucket/prefix/` for messages; the bucket and prefix were checked when parsed. */
export function formatS3Url(location: S3Location): string {
  return `${SCHEME}${location.bucket}/${location.prefix}`;
}
