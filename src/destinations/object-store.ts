import type { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BadInputError, messageOf } from '../errors';
import { printable } from '../text/printable';
import { partsOf, type ObjectParts, type ObjectSource } from './object-parts';
import { S3_SSE_MODES, S3_STORAGE_CLASSES, type S3ServerSideEncryption, type S3StorageClass } from './object-options';
import { metadataFits, SHA256_METADATA_KEY } from './object-metadata';
import {
  isNotFound,
  isTransientStoreError,
  ObjectUploadError,
  s3ErrorCode,
  storeAccessError,
  uploadFailureReason,
} from './object-store-errors';
import { createS3Client, loadS3Sdk, resolveEndpoint, type S3ConnectionSettings } from './s3-client';
import { MANIFEST_FOLDER, type S3Location } from './s3-url';

export { ObjectUploadError } from './object-store-errors';
export type { ObjectSource } from './object-parts';

/** S3's smallest part (but the last) and largest part, and its most parts per upload. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
const MAX_PARTS = 10_000;

export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
export const DEFAULT_UPLOAD_CONCURRENCY = 4;

/** The first wait before a part is sent again; each later one doubles. */
const RETRY_BASE_MS = 200;
const DEFAULT_MAX_ATTEMPTS = 4;

export { MANIFEST_FOLDER } from './s3-url';

export type { S3ServerSideEncryption, S3StorageClass } from './object-options';

/** How objects are written: the options `--s3-storage-class`, `--s3-sse` and `--s3-kms-key-id` give. */
export interface ObjectOptions {
  storageClass?: S3StorageClass;
  sse?: S3ServerSideEncryption;
  /** Only with `sse: 'aws:kms'`; without it the bucket's (or AWS's) default KMS key. */
  kmsKeyId?: string;
  /** Bodies larger than this go up in parts of this size (5 MiB at least). */
  partBytes?: number;
  /** Parts of one object sent at once; memory holds at most this many parts and the one being read. */
  uploadConcurrency?: number;
}

export interface ObjectStoreOptions extends ObjectOptions {
  location: S3Location;
  connection?: S3ConnectionSettings;
  /** A client made elsewhere (tests); by default one from `connection` and the environment. */
  client?: S3Client;
  env?: NodeJS.ProcessEnv;
}

/** What the caller knows of the bytes it hands over: checked before the store is told the object is complete. */
export interface ExpectedObject {
  /** Hex SHA-256 of the bytes, as the media checks computed it. */
  sha256: string;
  size: number;
  /** User metadata (see `recordingObjectMetadata`); the SHA-256 is added to it. */
  metadata?: Record<string, string>;
  contentType?: string;
}

/** An object the store holds complete, with the bytes and SHA-256 it was verified against. */
export interface StoredObject {
  /** The name under the prefix, as given to `put`. */
  name: string;
  /** The full key in the bucket. */
  key: string;
  bytes: number;
  sha256: string;
  outcome: 'uploaded' | 'already-present';
}

/** Multipart uploads cleaned up by `abortIncompleteUploads`. */
export interface UploadCleanUp {
  aborted: number;
  /** The store does not list multipart uploads (some compatible stores), so none could be found. */
  unsupported: boolean;
}

/**
 * Recordings' media in an S3 bucket under a prefix. An object is reported stored only once
 * the store has taken every byte against its Content-MD5 (so the store verified it), the
 * bytes matched the size and SHA-256 the caller expected, and the object is known complete:
 * a single PUT answered with the ETag of the bytes sent, or else a HEAD showing that size and
 * SHA-256. A failed upload is aborted, never left half done.
 */
export class ObjectStore {
  readonly location: S3Location;
  readonly endpoint: string | undefined;
  private readonly client: S3Client;
  private readonly sdk: typeof import('@aws-sdk/client-s3');
  private readonly partBytes: number;
  private readonly uploadConcurrency: number;
  private readonly maxAttempts: number;
  private readonly objectOptions: ObjectOptions;
  private readonly openedAt = new Date();

  private constructor(options: ObjectStoreOptions) {
    this.objectOptions = checkedObjectOptions(options);
    this.location = options.location;
    this.endpoint = resolveEndpoint(options.connection ?? {}, options.env);
    this.client = options.client ?? createS3Client(options.connection ?? {}, options.env);
    this.sdk = loadS3Sdk();
    this.partBytes = this.objectOptions.partBytes ?? DEFAULT_PART_BYTES;
    this.uploadConcurrency = this.objectOptions.uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
    this.maxAttempts = options.connection?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /**
   * Checks the options, then that the bucket is there and can be listed under the prefix,
   * before anything is fetched or deleted: a missing bucket, another region or denied access
   * is a one-line bad-input error (exit 2), credentials missing or refused exit 4.
   */
  static async open(options: ObjectStoreOptions): Promise<ObjectStore> {
    const store = new ObjectStore(options);
    await store.checkAccess(() =>
      store.client.send(
        new store.sdk.ListObjectsV2Command({
          Bucket: store.location.bucket,
          Prefix: store.location.prefix,
          MaxKeys: 1,
        }),
      ),
    );
    return store;
  }

  /** Throws the bad-input error `open` would for the object options and the endpoint, without loading the SDK or reaching the store. */
  static checkOptions(options: ObjectStoreOptions): void {
    checkedObjectOptions(options);
    resolveEndpoint(options.connection ?? {}, options.env);
  }

  /** The full key of a name under the prefix. */
  keyOf(name: string): string {
    return this.location.prefix + checkedName(name);
  }

  /**
   * Stores the bytes of `source` under `name`, in constant memory whatever their size: they are
   * read once for their SHA-256 and each part's MD5, which must match what the caller expects,
   * then sent up to the part size in one PUT, larger ones in parts, `uploadConcurrency` at a
   * time, each with its Content-MD5. A request that fails transiently is sent again from the
   * source, up to the connection's tries; anything else (after aborting a multipart upload)
   * throws an ObjectUploadError.
   */
  async put(name: string, source: ObjectSource, expected: ExpectedObject, signal?: AbortSignal): Promise<StoredObject> {
    const key = this.keyOf(name);
    const metadata = { ...expected.metadata, [SHA256_METADATA_KEY]: expected.sha256 };
    if (!metadataFits(metadata)) throw new ObjectUploadError(key, 'its metadata is larger than the 2 KB S3 keeps');
    const partBytes = Math.max(this.partBytes, Math.ceil(expected.size / MAX_PARTS));
    try {
      let parts: ObjectParts;
      try {
        parts = await partsOf(source, partBytes);
      } catch (error) {
        throw new SourceError(error);
      }
      checkBytes(key, parts.size, parts.sha256, expected);
      if (parts.md5s.length === 1) {
        await this.putWhole(key, parts, expected, metadata, signal);
      } else {
        await this.confirm(key, expected, await this.putInParts(key, parts, expected, metadata, signal));
      }
    } catch (error) {
      if (error instanceof ObjectUploadError) throw error;
      if (error instanceof SourceError) {
        throw new ObjectUploadError(
          key,
          `the file to store could not be read (${printable(messageOf(error.cause))})`,
          error.cause,
        );
      }
      throw new ObjectUploadError(key, signal?.aborted ? 'stopped' : uploadFailureReason(error));
    }
    return { name, key, bytes: expected.size, sha256: expected.sha256, outcome: 'uploaded' };
  }

  /**
   * The stored object under `name` when a HEAD shows it complete with this SHA-256 (and size,
   * when given), without downloading it; undefined when it is missing or differs.
   */
  async has(name: string, expected: { sha256: string; size?: number }): Promise<StoredObject | undefined> {
    const key = this.keyOf(name);
    let head;
    try {
      head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeAccessError(error, this.location, this.endpoint);
    }
    const bytes = head.ContentLength ?? -1;
    if (head.Metadata?.[SHA256_METADATA_KEY] !== expected.sha256) return undefined;
    if (expected.size !== undefined && bytes !== expected.size) return undefined;
    return { name, key, bytes, sha256: expected.sha256, outcome: 'already-present' };
  }

  /**
   * Aborts the multipart uploads under the prefix that began before this store was opened: a
   * killed run's, which the store would otherwise keep (and bill) forever. A run still going
   * on elsewhere under the same prefix loses its upload in progress and fails that object,
   * which it then never reports stored.
   */
  async abortIncompleteUploads(): Promise<UploadCleanUp> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new this.sdk.ListMultipartUploadsCommand({
            Bucket: this.location.bucket,
            Prefix: this.location.prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
        );
      } catch (error) {
        if (s3ErrorCode(error) === 'NotImplemented') return { aborted, unsupported: true };
        throw storeAccessError(error, this.location, this.endpoint);
      }
      // A store that answers with a listing of objects instead names no bucket in it.
      if (page.Bucket === undefined) return { aborted, unsupported: true };
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId) continue;
        if (upload.Initiated && upload.Initiated >= this.openedAt) continue;
        await this.abortUpload(upload.Key, upload.UploadId);
        aborted++;
      }
      if (!page.IsTruncated) return { aborted, unsupported: false };
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Writes a small object (a manifest segment) in one verified PUT. */
  async putSmall(name: string, bytes: Buffer, contentType: string): Promise<void> {
    const key = this.location.prefix + checkedName(name, true);
    const md5 = createHash('md5').update(bytes).digest();
    let answer;
    try {
      answer = await this.client.send(
        new this.sdk.PutObjectCommand({
          Bucket: this.location.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentMD5: md5.toString('base64'),
          ContentType: contentType,
          ...this.writeOptions(),
        }),
      );
    } catch (error) {
      throw storeAccessError(error, this.location, this.endpoint);
    }
    // A store that does not check Content-MD5 itself may have taken other bytes: its ETag tells.
    this.checkEtag(key, answer.ETag, md5.toString('hex'), 'the object');
  }

  /** The names under `folder` (relative to the prefix), in key order. */
  async *list(folder: string): AsyncIterable<string> {
    const under = this.location.prefix + checkedName(folder, true).replace(/\/?$/, '/');
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new this.sdk.ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: under, ContinuationToken: token }),
        );
      } catch (error) {
        throw storeAccessError(error, this.location, this.endpoint);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key) yield item.Key.slice(this.location.prefix.length);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** The bytes of a small object (a manifest segment). */
  async getSmall(name: string): Promise<Buffer> {
    const key = this.location.prefix + checkedName(name, true);
    try {
      const answer = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    } catch (error) {
      throw storeAccessError(error, this.location, this.endpoint);
    }
  }

  close(): void {
    this.client.destroy();
  }

  private async checkAccess<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw storeAccessError(error, this.location, this.endpoint);
    }
  }

  /**
   * One PUT with the body's Content-MD5, which the store checks: an answer whose ETag is that MD5
   * is a complete object of exactly these bytes, with the metadata sent beside them, so no HEAD
   * follows. Under SSE-KMS the ETag is no MD5, so a HEAD confirms the object as after a multipart upload.
   */
  private async putWhole(
    key: string,
    parts: ObjectParts,
    expected: ExpectedObject,
    metadata: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    const md5 = parts.md5s[0]!.toString('hex');
    const etag = await this.sendPart(parts, signal, async () => {
      const { body, length } = parts.part(0);
      const command = new this.sdk.PutObjectCommand({
        Bucket: this.location.bucket,
        Key: key,
        Body: body,
        ContentLength: length,
        ContentMD5: parts.md5s[0]!.toString('base64'),
        ContentType: expected.contentType,
        Metadata: metadata,
        ...this.writeOptions(),
      });
      // The signer would hash a body in memory again for its payload hash: it is the SHA-256 already checked.
      if (Buffer.isBuffer(body)) signedWithPayloadSha256(command, expected.sha256);
      const answer = await this.client.send(command, { abortSignal: signal }).finally(() => destroyStream(body));
      this.checkEtag(key, answer.ETag, md5, 'the object');
      return unquoted(answer.ETag).toLowerCase();
    });
    // A store whose ETags are of its own making (or SSE-KMS's) says nothing of the bytes: ask what it holds.
    if (!this.etagIsMd5() || etag !== md5) await this.confirm(key, expected, undefined);
  }

  private async putInParts(
    key: string,
    parts: ObjectParts,
    expected: ExpectedObject,
    metadata: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const created = await this.client.send(
      new this.sdk.CreateMultipartUploadCommand({
        Bucket: this.location.bucket,
        Key: key,
        ContentType: expected.contentType,
        Metadata: metadata,
        ...this.writeOptions(),
      }),
      { abortSignal: signal },
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new ObjectUploadError(key, 'the store started a multipart upload without an upload id');
    const etags: string[] = [];
    let next = 0;
    let failure: unknown;
    // Each sender takes the next part until none is left or one has failed for good.
    const sender = async () => {
      while (failure === undefined && next < parts.md5s.length) {
        const index = next++;
        try {
          etags[index] = await this.sendPart(parts, signal, () => {
            const { body, length } = parts.part(index);
            return this.uploadPart(key, uploadId, index + 1, body, length, parts.md5s[index]!, signal).finally(() =>
              destroyStream(body),
            );
          });
        } catch (error) {
          failure ??= error;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.uploadConcurrency, parts.md5s.length) }, sender));
      if (failure !== undefined) throw failure;
      signal?.throwIfAborted();
      await this.client.send(
        new this.sdk.CompleteMultipartUploadCommand({
          Bucket: this.location.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      await this.abortUpload(key, uploadId).catch((abortError: unknown) => {
        throw new ObjectUploadError(
          key,
          `${reasonOf(error, signal)}, and aborting its multipart upload failed (${uploadFailureReason(abortError)}): the next run removes it`,
        );
      });
      throw error;
    }
    if (!this.etagIsMd5()) return undefined;
    const combined = createHash('md5').update(Buffer.concat(parts.md5s)).digest('hex');
    return `${combined}-${parts.md5s.length}`;
  }

  /**
   * Sends a part (or a whole object) from its source. The SDK sends a buffer again by itself on
   * a transient failure, but never a stream, so a streamed part is sent again here, from the
   * file, up to the connection's tries: either way a part gets that many tries, no more.
   */
  private sendPart<T>(parts: ObjectParts, signal: AbortSignal | undefined, send: () => Promise<T>): Promise<T> {
    return parts.streamed ? this.sendAgainWhenTransient(signal, send) : send();
  }

  /**
   * Runs `send` until it succeeds, fails for good, or has been tried as often as the connection
   * allows; a body read from a stream is never resent by the SDK itself, so each try makes its own.
   */
  private async sendAgainWhenTransient<T>(signal: AbortSignal | undefined, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (attempt >= this.maxAttempts || signal?.aborted || !isTransientStoreError(error)) throw error;
        await new Promise((resolveWait) => setTimeout(resolveWait, RETRY_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  }

  private async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    part: Buffer | Readable,
    length: number,
    md5: Buffer,
    signal?: AbortSignal,
  ): Promise<string> {
    const answer = await this.client.send(
      new this.sdk.UploadPartCommand({
        Bucket: this.location.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: part,
        ContentLength: length,
        ContentMD5: md5.toString('base64'),
      }),
      { abortSignal: signal },
    );
    this.checkEtag(key, answer.ETag, md5.toString('hex'), `part ${partNumber}`);
    return answer.ETag!;
  }

  private async abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new this.sdk.AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: key, UploadId: uploadId }),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /** A HEAD after the write: the object is complete, with the size, SHA-256 and ETag of what was sent. */
  private async confirm(key: string, expected: ExpectedObject, etag: string | undefined): Promise<void> {
    const head = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.location.bucket, Key: key }));
    if (head.ContentLength !== expected.size) {
      throw new ObjectUploadError(key, `the store holds ${head.ContentLength} bytes instead of ${expected.size}`);
    }
    if (head.Metadata?.[SHA256_METADATA_KEY] !== expected.sha256) {
      throw new ObjectUploadError(key, 'the stored object does not carry the SHA-256 that was sent');
    }
    const stored = unquoted(head.ETag);
    // Some compatible stores give a multipart object an ETag of their own making: compare like with like.
    if (etag && looksLikeMd5Etag(stored) && stored.includes('-') === etag.includes('-') && stored !== etag) {
      throw new ObjectUploadError(key, `the stored object's ETag ${printable(stored)} is not that of the bytes sent`);
    }
  }

  /**
   * A store answers a part or an object with the MD5 of the bytes it took (unless SSE-KMS
   * encrypts them): one that differs from what was sent means they changed on the way, even
   * on a store that does not check Content-MD5 itself.
   */
  private checkEtag(key: string, answered: string | undefined, md5Hex: string, what: string): void {
    if (!answered) throw new ObjectUploadError(key, `the store answered ${what} without an ETag`);
    const etag = unquoted(answered);
    if (this.etagIsMd5() && /^[0-9a-f]{32}$/i.test(etag) && etag.toLowerCase() !== md5Hex) {
      throw new ObjectUploadError(key, `the store took ${what} with an MD5 other than that of the bytes sent`);
    }
  }

  private etagIsMd5(): boolean {
    return this.objectOptions.sse !== 'aws:kms';
  }

  private writeOptions(): {
    StorageClass?: S3StorageClass;
    ServerSideEncryption?: S3ServerSideEncryption;
    SSEKMSKeyId?: string;
  } {
    const { storageClass, sse, kmsKeyId } = this.objectOptions;
    return {
      ...(storageClass ? { StorageClass: storageClass } : {}),
      ...(sse ? { ServerSideEncryption: sse } : {}),
      ...(kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}),
    };
  }
}

/** The object options, or a bad-input error naming the flag that is wrong. */
export function checkedObjectOptions(options: ObjectOptions): ObjectOptions {
  if (options.storageClass && !S3_STORAGE_CLASSES.includes(options.storageClass)) {
    throw new BadInputError(
      `Invalid --s3-storage-class "${printable(options.storageClass)}": use one of ${S3_STORAGE_CLASSES.join(', ')}.`,
    );
  }
  if (options.sse && !S3_SSE_MODES.includes(options.sse)) {
    throw new BadInputError(`Invalid --s3-sse "${printable(options.sse)}": use AES256 or aws:kms.`);
  }
  if (options.kmsKeyId !== undefined && options.sse !== 'aws:kms') {
    throw new BadInputError('--s3-kms-key-id needs --s3-sse aws:kms.');
  }
  if (
    options.partBytes !== undefined &&
    !(options.partBytes >= MIN_PART_BYTES && options.partBytes <= MAX_PART_BYTES)
  ) {
    throw new BadInputError(`The part size must be between 5 MiB and 5 GiB, not ${options.partBytes} bytes.`);
  }
  if (
    options.uploadConcurrency !== undefined &&
    !(Number.isInteger(options.uploadConcurrency) && options.uploadConcurrency >= 1)
  ) {
    throw new BadInputError(`The upload concurrency must be a whole number from 1, not ${options.uploadConcurrency}.`);
  }
  return {
    storageClass: options.storageClass,
    sse: options.sse,
    kmsKeyId: options.kmsKeyId,
    partBytes: options.partBytes,
    uploadConcurrency: options.uploadConcurrency,
  };
}

/**
 * A name under the prefix: relative, forward slashes, no empty, `.` or `..` folder, and (but
 * for the manifests themselves) not in the manifests' folder, which a layout cannot claim.
 */
function checkedName(name: string, allowManifests = false): string {
  const segments = name.split('/');
  if (name === '' || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new BadInputError(`"${printable(name)}" cannot name an object: it has an empty, "." or ".." folder.`);
  }
  if (!allowManifests && segments[0] === MANIFEST_FOLDER) {
    throw new BadInputError(
      `The layout puts "${printable(name)}" in ${MANIFEST_FOLDER}/, which holds the runs' manifests: name its first folder otherwise.`,
    );
  }
  return name;
}

/** An error of the body's own source (the media pipeline), told apart from the store's. */
class SourceError extends Error {
  constructor(override readonly cause: unknown) {
    super(messageOf(cause));
  }
}

function checkBytes(key: string, size: number, sha256: string, expected: ExpectedObject): void {
  if (size !== expected.size) {
    throw new ObjectUploadError(
      key,
      `${size > expected.size ? 'more' : 'fewer'} bytes arrived than the ${expected.size} expected`,
    );
  }
  if (sha256 !== expected.sha256) {
    throw new ObjectUploadError(key, 'the bytes sent do not have the SHA-256 the media checks computed');
  }
}

function reasonOf(error: unknown, signal?: AbortSignal): string {
  if (error instanceof ObjectUploadError) return error.reason;
  if (signal?.aborted) return 'stopped';
  return error instanceof Error && error.name === 'Error' ? messageOf(error) : uploadFailureReason(error);
}

/** Gives the request the body's SHA-256 as `x-amz-content-sha256`, which SigV4 signs and AWS checks against the body. */
function signedWithPayloadSha256(command: PutObjectCommand, sha256: string): void {
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = sha256;
      return next(args);
    },
    { step: 'build', name: 'payloadSha256' },
  );
}

function destroyStream(body: Buffer | Readable): void {
  if (!Buffer.isBuffer(body)) body.destroy();
}

function unquoted(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

function looksLikeMd5Etag(etag: string): boolean {
  return /^[0-9a-f]{32}(-\d+)?$/i.test(etag);
}
