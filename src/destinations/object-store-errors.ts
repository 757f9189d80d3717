import { BadInputError, CredentialsError, OperationFailedError, type RecordingsError } from '../errors';
import { printable, printableClip } from '../text/printable';
import { isTransientNetworkError } from '../twilio/retry-policy';
import { formatS3Url, type S3Location } from './s3-url';

/** An object that could not be stored, with a short reason for the user; nothing counts as stored. */
export class ObjectUploadError extends OperationFailedError {
  constructor(
    readonly key: string,
    readonly reason: string,
    /** What the body's source threw, when the bytes stopped arriving rather than the store failing. */
    readonly sourceError?: unknown,
  ) {
    super(`Could not store ${printable(key)}: ${reason}`);
  }
}

/** What the AWS SDK puts on the errors it throws, as far as this plugin reads them. */
interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  Region?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** Answers that say the credentials themselves are wrong (or missing), not what they may do. */
const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'CredentialsProviderError',
]);

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** The S3 error code of an SDK error (HEAD answers have no body, so only their status tells). */
export function s3ErrorCode(error: unknown): string {
  const shape = (error ?? {}) as SdkErrorShape;
  return shape.Code ?? shape.name ?? shape.code ?? 'Error';
}

export function httpStatusOf(error: unknown): number | undefined {
  return ((error ?? {}) as SdkErrorShape).$metadata?.httpStatusCode;
}

/** Whether the error says the object (or upload) is not there. */
export function isNotFound(error: unknown): boolean {
  const code = s3ErrorCode(error);
  return code === 'NotFound' || code === 'NoSuchKey' || httpStatusOf(error) === 404;
}

/**
 * One line, with the exit status of the README's table, for what stops a run from using the
 * store at all: a bucket that is not there (2), in another region (2), access denied (2),
 * credentials missing or refused (4), a store that cannot be reached (1). Only error codes,
 * regions and the destination are quoted, never the SDK's request or credentials.
 */
export function storeAccessError(error: unknown, location: S3Location, endpoint: string | undefined): RecordingsError {
  const shape = (error ?? {}) as SdkErrorShape;
  const code = s3ErrorCode(error);
  const status = httpStatusOf(error);
  const where = printable(formatS3Url(location));
  const bucket = location.bucket;
  const store = endpoint ? `the object store at ${printable(endpoint)}` : 'AWS S3';
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(shape.message ?? '')) {
    return new CredentialsError(
      `No AWS credentials found for ${where}: set AWS_PROFILE (or run "aws sso login"), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
    );
  }
  if (CREDENTIAL_CODES.has(code)) {
    return new CredentialsError(
      `${capitalized(store)} refused the credentials (${printable(code)}): check AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they are for this store.`,
    );
  }
  const region = regionOf(shape);
  if (
    code === 'PermanentRedirect' ||
    code === 'AuthorizationHeaderMalformed' ||
    code === 'IllegalLocationConstraintException' ||
    status === 301
  ) {
    return new BadInputError(
      region
        ? `The bucket "${bucket}" is in region ${printableClip(region, 40)}: set AWS_REGION=${printableClip(region, 40)} (or the profile's region) and run again.`
        : `The bucket "${bucket}" is in another region: set AWS_REGION to the bucket's region and run again.`,
    );
  }
  if (code === 'NoSuchBucket' || (status === 404 && code === 'NotFound')) {
    return new BadInputError(
      `The bucket "${bucket}" does not exist at ${store}: check the name in ${where}, or create the bucket first.`,
    );
  }
  if (code === 'AccessDenied' || code === 'AllAccessDisabled' || code === 'Forbidden' || status === 403) {
    return new BadInputError(
      `Access denied to ${where} (${printable(code)}): the credentials need s3:ListBucket, s3:GetObject, s3:PutObject and the multipart permissions on it (see the minimal IAM policy in docs/s3.md).`,
    );
  }
  if (/Region is missing/i.test(shape.message ?? '')) {
    return new BadInputError(`No AWS region for ${where}: set AWS_REGION, or a region in the profile's config.`);
  }
  const connection = (error as NodeJS.ErrnoException | undefined)?.code;
  if ((connection && CONNECTION_CODES.has(connection)) || code === 'TimeoutError') {
    return new OperationFailedError(
      `Cannot reach ${store} (${printable(connection ?? code)}): check the network${endpoint ? ', and --s3-endpoint or AWS_ENDPOINT_URL_S3' : ''}, then run again.`,
    );
  }
  return new OperationFailedError(
    `${capitalized(store)} answered ${printableClip(code, 60)}${status ? ` (HTTP ${status})` : ''} for ${where}: try again later.`,
  );
}

/** Answers worth sending the same request again for: the store was busy, failed inside, or the connection broke. */
const TRANSIENT_CODES = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'TimeoutError']);

/** Whether a failed request may succeed when sent again (the SDK's own judgement is not used for streamed bodies). */
export function isTransientStoreError(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (TRANSIENT_CODES.has(s3ErrorCode(error))) return true;
  if (status !== undefined) return false;
  const connection = (error as NodeJS.ErrnoException | undefined)?.code;
  if (connection && (CONNECTION_CODES.has(connection) || connection === 'EPIPE')) return true;
  return isTransientNetworkError(error);
}

/** A short reason for a failed upload step, from the store's error code and status only. */
export function uploadFailureReason(error: unknown): string {
  const connection = (error as NodeJS.ErrnoException | undefined)?.code;
  if (connection && CONNECTION_CODES.has(connection)) return `the connection to the store failed (${connection})`;
  const code = s3ErrorCode(error);
  if (code === 'AbortError') return 'stopped';
  const status = httpStatusOf(error);
  return `the store answered ${printableClip(code, 60)}${status ? ` (HTTP ${status})` : ''}`;
}

function regionOf(shape: SdkErrorShape): string | undefined {
  const fromHeader = shape.$response?.headers?.['x-amz-bucket-region'];
  return fromHeader ?? shape.Region;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
