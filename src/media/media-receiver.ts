import type { FileHandle } from 'node:fs/promises';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GcmDecipherStream, TagMismatchError } from '../encryption/gcm-decipher';
import type { Recording } from '../recordings/recording';
import { RetryableError } from '../twilio/retry-policy';
import type { TwilioApi } from '../twilio/twilio-api';
import { HashingCounter } from './hashing-counter';
import { MediaInspector } from './media-check';
import type { ManifestEncryption, MediaTreatment } from './media-encryption';
import { LocalWriteError, SpooledFile } from './spooled-file';
import type { MediaFormat } from '../twilio/media-format';
import { MediaSaveError } from '../errors';

/** Bodies up to this size wait in memory until their request is over; larger ones stream to disk. */
export const SPOOL_MEMORY_BYTES = 512 * 1024;

/** Where one try's body is spooled: a temporary file, opened only when the body outgrows memory. */
export interface SpoolFile {
  readonly path: string;
  open(): Promise<FileHandle>;
  /** Removes the file if it was created. */
  remove(): Promise<void>;
}

/** A body received from Twilio and checked, held in a spool until its destination takes it. */
export interface ReceivedMedia {
  spool: SpooledFile;
  spoolFile: SpoolFile;
  bytes: number;
  /** Of the bytes kept: the checked audio, or the ciphertext as served. */
  sha256: string;
  encryption?: ManifestEncryption;
  /** Closes the spool and removes its file. */
  discard(): Promise<void>;
}

export interface ReceiveOptions {
  api: Pick<TwilioApi, 'fetchMedia'>;
  recording: Recording;
  format: MediaFormat;
  treatment: MediaTreatment;
  /** A new spool file for each try. */
  spoolFile: () => SpoolFile;
  onBytes?: (bytes: number) => void;
}

/**
 * Receives a recording's media from Twilio into a bounded spool: fetch, then [decrypt, the tag
 * checked at the end], then the media checks and SHA-256, under the API's retry policy and
 * limiter. The spool is left open and unflushed, so a slot of Twilio's concurrency is held only
 * while the request is; what a destination does with the bytes comes after.
 */
export function receiveMedia(options: ReceiveOptions): Promise<ReceivedMedia> {
  return options.api.fetchMedia(options.recording, options.format, (response) =>
    receiveBody(options, response.body, response.headers['content-length']),
  );
}

async function receiveBody(
  options: ReceiveOptions,
  body: Readable,
  announced: string | undefined,
): Promise<ReceivedMedia> {
  const { recording, format, treatment, onBytes } = options;
  const spoolFile = options.spoolFile();
  const spool = new SpooledFile(() => spoolFile.open(), SPOOL_MEMORY_BYTES);
  const discard = async () => {
    await spool.close().catch(() => undefined);
    await spoolFile.remove().catch(() => undefined);
  };
  try {
    const served =
      treatment.kind === 'plain' ? undefined : new HashingCounter(treatment.kind === 'as-served' ? onBytes : undefined);
    const inspector = treatment.kind === 'as-served' ? undefined : new MediaInspector(format, onBytes);
    const stages: Transform[] = [
      ...(served ? [served] : []),
      ...(treatment.kind === 'decrypt' ? [new GcmDecipherStream(treatment.contentKey, treatment.iv)] : []),
      ...(inspector ? [inspector] : []),
    ];
    const arrived = () => (served ?? inspector)!.bytes;
    try {
      await pipeline([body, ...stages, spool]);
    } catch (error) {
      if (error instanceof LocalWriteError) throw error.cause;
      if (error instanceof TagMismatchError && (announced === undefined || Number(announced) === arrived())) {
        throw new MediaSaveError(recording.sid, `cannot decrypt: ${error.message}; nothing was saved`);
      }
      throw new RetryableError(`the connection broke after ${arrived()} bytes (${(error as Error).message})`);
    }
    if (announced !== undefined && Number(announced) !== arrived()) {
      throw new RetryableError(`Twilio announced ${announced} bytes but ${arrived()} arrived`);
    }
    const problem = inspector
      ? inspector.problem()
      : served!.bytes < 16
        ? 'too short to be encrypted media'
        : undefined;
    if (problem) {
      if (treatment.kind === 'decrypt') throw new MediaSaveError(recording.sid, `decrypted, but ${problem}`);
      throw new RetryableError(problem);
    }
    const encryption: ManifestEncryption | undefined =
      treatment.kind === 'plain'
        ? undefined
        : {
            keySid: treatment.keySid,
            decrypted: treatment.kind === 'decrypt',
            ciphertextBytes: served!.bytes,
            ciphertextSha256: served!.sha256(),
            details: treatment.details,
          };
    const file = inspector ?? served!;
    return {
      spool,
      spoolFile,
      bytes: file.bytes,
      sha256: file === inspector ? inspector.sha256() : encryption!.ciphertextSha256,
      encryption,
      discard,
    };
  } catch (error) {
    await discard();
    throw error;
  }
}
