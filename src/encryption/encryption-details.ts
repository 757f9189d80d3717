import { canonicalSid } from '../twilio/sids';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Voice Recording Encryption's IV: 12 bytes, as AES-GCM expects. */
export const GCM_IV_BYTES = 12;

/** How a recording's media is encrypted, read from `encryption_details` or `EncryptionDetails`. */
export type RecordingEncryption =
  | {
      readable: true;
      /** The Public Key credential (CR…) the content key was wrapped with. */
      keySid: string;
      /** The content-encryption key, wrapped with RSAES-OAEP (SHA-256, MGF1-SHA-256). */
      wrappedKey: Buffer;
      iv: Buffer;
      /** The details as Twilio sent them, kept for the manifest. */
      raw: Record<string, unknown>;
    }
  | {
      readable: false;
      /** Why the details cannot be used, for the user. */
      reason: string;
      raw: unknown;
    };

/** Twilio's sources name the fields two ways; both are read (see the README). */
const NAMINGS = [
  { keySid: 'public_key_sid', wrappedKey: 'encrypted_cek', iv: 'iv' },
  { keySid: 'encryption_public_key_sid', wrappedKey: 'encryption_cek', iv: 'encryption_iv' },
] as const;

/**
 * Reads a recording's encryption details: an object (the Recording resource) or a JSON string
 * (the status callback). Undefined when the recording is not encrypted (null, absent or empty);
 * anything else that cannot be read is "encrypted, details unreadable".
 */
export function parseEncryptionDetails(value: unknown): RecordingEncryption | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  let details: unknown = value;
  if (typeof value === 'string') {
    try {
      details = JSON.parse(value);
    } catch {
      return unreadable('they are not JSON', value);
    }
    if (details === null) return undefined;
  }
  if (typeof details !== 'object' || Array.isArray(details)) return unreadable('they are not an object', value);
  const raw = details as Record<string, unknown>;
  if (Object.keys(raw).length === 0) return undefined;
  if (raw.type !== undefined && raw.type !== 'rsa-aes') return unreadable(`unknown type ${String(raw.type)}`, raw);
  const naming = NAMINGS.find((names) => names.wrappedKey in raw || names.keySid in raw);
  if (!naming) return unreadable('no key SID, wrapped key or IV in them', raw);
  const keySid = canonicalSid('publicKey', raw[naming.keySid]);
  const wrappedKey = base64Field(raw[naming.wrappedKey]);
  const iv = base64Field(raw[naming.iv]);
  if (keySid === undefined) return unreadable('no CR… key SID', raw);
  if (!wrappedKey || wrappedKey.length === 0) return unreadable('no wrapped content key', raw);
  if (!iv || iv.length !== GCM_IV_BYTES) return unreadable(`the IV is not ${GCM_IV_BYTES} bytes`, raw);
  return { readable: true, keySid, wrappedKey, iv, raw };
}

function base64Field(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

function unreadable(why: string, raw: unknown): RecordingEncryption {
  return { readable: false, reason: `encrypted, details unreadable: ${why}`, raw };
}
