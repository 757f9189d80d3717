import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';

import type { AccountRegistry } from './accounts';
import { Prng } from './prng';
import type { Recording } from './recording-store';

/** How `encryption_details` name their fields: Twilio's tutorial, or the API spec's examples. */
export type DetailsNaming = 'tutorial' | 'api';

/** A registered Public Key credential (CR…): the key itself cannot be read back. */
export interface PublicKeyCredential {
  sid: string;
  accountSid: string;
  friendlyName: string | null;
  createdMs: number;
  key: KeyObject;
  /** An invalid key is passed over: Twilio falls back to the account's most recently added valid key (16107). */
  valid: boolean;
}

/** What a recording's media is encrypted with; only the sandbox knows the content key. */
export interface MediaCipher {
  contentKey: Buffer;
  iv: Buffer;
}

export interface EncryptOptions {
  /** The key the account is configured with; default its most recently added key. */
  keySid?: string;
  /** Default: chosen by the sandbox's seed. */
  naming?: DetailsNaming;
  /** Only these recordings; default every completed recording of the account not yet encrypted. */
  sids?: string[];
}

/** Public keys per account, and recordings encrypted with them as Voice Recording Encryption does. */
export class EncryptionRegistry {
  private readonly keys = new Map<string, PublicKeyCredential>();
  private readonly prng: Prng;

  constructor(
    private readonly accounts: AccountRegistry,
    seed: number,
    /** The naming used when none is asked for: it depends on the seed, so both are exercised. */
    readonly defaultNaming: DetailsNaming = seed % 2 === 1 ? 'tutorial' : 'api',
  ) {
    this.prng = new Prng(seed ^ 0x0c2e_ed11);
  }

  /** Registers a PEM public key (RSA only); throws with a message for the API to answer 400. */
  register(accountSid: string, pem: string, friendlyName: string | null, nowMs: number): PublicKeyCredential {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: pem, format: 'pem' });
    } catch {
      throw new Error('PublicKey is not a PEM public key');
    }
    if (key.asymmetricKeyType !== 'rsa') throw new Error('PublicKey must be an RSA key');
    const credential = { sid: this.prng.sid('CR'), accountSid, friendlyName, createdMs: nowMs, key, valid: true };
    this.keys.set(credential.sid, credential);
    return credential;
  }

  get(sid: string): PublicKeyCredential | undefined {
    return this.keys.get(sid);
  }

  list(accountSid: string): PublicKeyCredential[] {
    return [...this.keys.values()].filter((key) => key.accountSid === accountSid);
  }

  /** Marks a key invalid, as when it was revoked: recordings then fall back to another key (16107). */
  invalidate(sid: string): void {
    const key = this.keys.get(sid);
    if (!key) throw new Error(`no public key ${sid}`);
    key.valid = false;
  }

  /**
   * Encrypts completed recordings of an account with its configured key, or, when that key is
   * invalid, with the most recently added valid key (Twilio's 16107 fallback). Returns the key used.
   */
  encrypt(recordings: Recording[], accountSid: string, options: EncryptOptions = {}): PublicKeyCredential {
    if (!this.accounts.get(accountSid)) throw new Error(`no account ${accountSid}`);
    const own = this.list(accountSid).sort((a, b) => a.createdMs - b.createdMs);
    const configured = options.keySid ? this.keys.get(options.keySid) : own[own.length - 1];
    const key = configured?.valid ? configured : own.filter((k) => k.valid).pop();
    if (!key) throw new Error(`account ${accountSid} has no valid public key`);
    const naming = options.naming ?? this.defaultNaming;
    const wanted = options.sids ? new Set(options.sids) : undefined;
    for (const recording of recordings) {
      if (recording.accountSid !== accountSid || recording.status !== 'completed') continue;
      if (wanted ? !wanted.has(recording.sid) : recording.encryption) continue;
      const cipher = { contentKey: randomBytes(32), iv: randomBytes(12) };
      recording.encryption = cipher;
      recording.encryptionDetails = encryptionDetails(key, cipher, naming);
    }
    return key;
  }
}

/** The content key wrapped with RSAES-OAEP, SHA-256 and MGF1-SHA-256, and the IV, in either naming. */
export function encryptionDetails(
  key: PublicKeyCredential,
  cipher: MediaCipher,
  naming: DetailsNaming,
): Record<string, string> {
  const wrapped = publicEncrypt(
    { key: key.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    cipher.contentKey,
  ).toString('base64');
  const iv = cipher.iv.toString('base64');
  return naming === 'tutorial'
    ? { type: 'rsa-aes', public_key_sid: key.sid, encrypted_cek: wrapped, iv }
    : { encryption_public_key_sid: key.sid, encryption_cek: wrapped, encryption_iv: iv };
}

/** How the sandbox spoils encrypted media on purpose: one byte flipped, or the tag left off. */
export type MediaTampering = 'flip-byte' | 'drop-tag' | null;

/** Encrypts media chunks with AES-256-GCM and appends the 16-byte tag, spoiled as asked. */
export function* encryptedChunks(
  chunks: Iterable<Buffer>,
  cipher: MediaCipher,
  tampering: MediaTampering = null,
): Generator<Buffer> {
  const aes = createCipheriv('aes-256-gcm', cipher.contentKey, cipher.iv, { authTagLength: 16 });
  let first = true;
  for (const chunk of chunks) {
    const out = aes.update(chunk);
    if (first && tampering === 'flip-byte' && out.length > 0) out[out.length >> 1]! ^= 0x01;
    first = false;
    yield out;
  }
  const last = aes.final();
  if (last.length > 0) yield last;
  if (tampering !== 'drop-tag') yield aes.getAuthTag();
}
