import type { KeyRing } from '../encryption/key-ring';
import { WrongKeyError } from '../encryption/key-ring';
import type { Recording } from '../recordings/recording';
import type { MediaFormat } from '../twilio/media-format';
import { MediaSaveError } from '../errors';

/** The name an encrypted recording saved as served takes: the layout's name, then this. */
export const ENCRYPTED_SUFFIX = '.enc';

/** How the manifest records an encrypted recording's media. */
export interface ManifestEncryption {
  /** The Public Key (CR…) its details name; null when they are unreadable. */
  keySid: string | null;
  /** True when the file holds the verified plaintext; false when it holds the media as served. */
  decrypted: boolean;
  ciphertextBytes: number;
  ciphertextSha256: string;
  /** `encryption_details` as Twilio gave them, so that the file can be decrypted later. */
  details: unknown;
}

/** What a save does with a recording's media: keep it as it is, decrypt it, or keep its ciphertext. */
export type MediaTreatment =
  | { kind: 'plain' }
  | { kind: 'decrypt'; contentKey: Buffer; iv: Buffer; keySid: string; details: unknown }
  | { kind: 'as-served'; keySid: string | null; details: unknown };

/** Why an encrypted recording is not fetched as mp3, for a skip or a kept recording. */
export const ENCRYPTED_MP3_REASON =
  'encrypted: Twilio serves encrypted recordings as WAV only (error 16109); use --format wav';

/** Why a purge keeps an encrypted recording it could only archive unverified. */
export const UNVERIFIABLE_REASON =
  'encrypted, and without --decrypt-key its copy cannot be verified: kept (give --decrypt-key, or --accept-unverified-encrypted)';

/**
 * Why an archive-then-delete must keep an encrypted recording, or undefined when it may go: its
 * copy must be verified, which takes a key, and Twilio serves it as WAV only.
 */
export function encryptedKeepReason(
  recording: Pick<Recording, 'encryption'>,
  format: MediaFormat,
  hasKeys: boolean,
  acceptUnverified: boolean,
): string | undefined {
  if (!recording.encryption) return undefined;
  if (format === 'mp3') return ENCRYPTED_MP3_REASON;
  return hasKeys || acceptUnverified ? undefined : UNVERIFIABLE_REASON;
}

/**
 * Decides, before anything is fetched, how a recording's media is saved: decrypted with the key
 * ring when there is one (a key that does not fit, or unreadable details, fail the recording
 * here), otherwise as served, unless `refuseUnverified` gives the reason a copy that cannot be
 * verified is no copy (before a deletion).
 */
export async function mediaTreatment(
  recording: Recording,
  format: MediaFormat,
  keys: KeyRing | undefined,
  refuseUnverified: string | undefined,
): Promise<MediaTreatment> {
  const encryption = recording.encryption;
  if (!encryption) return { kind: 'plain' };
  if (format === 'mp3') throw new MediaSaveError(recording.sid, ENCRYPTED_MP3_REASON);
  const keySid = encryption.readable ? encryption.keySid : null;
  if (!keys) {
    if (refuseUnverified !== undefined) throw new MediaSaveError(recording.sid, refuseUnverified);
    return { kind: 'as-served', keySid, details: encryption.raw };
  }
  if (!encryption.readable) throw new MediaSaveError(recording.sid, encryption.reason);
  try {
    const { contentKey } = await keys.unwrap(encryption);
    return { kind: 'decrypt', contentKey, iv: encryption.iv, keySid: encryption.keySid, details: encryption.raw };
  } catch (error) {
    if (error instanceof WrongKeyError) throw new MediaSaveError(recording.sid, error.message);
    throw error;
  }
}
