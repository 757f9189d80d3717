import {
  constants,
  createCipheriv,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function rsaKeyPair(): KeyPair {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

export const KEY_SID = 'CR' + '1'.repeat(32);

/** Media encrypted as Twilio describes it: AES-256-GCM, 12-byte IV, the 16-byte tag appended. */
export function encryptMedia(plaintext: Buffer, contentKey: Buffer, iv: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', contentKey, iv, { authTagLength: 16 });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** A content key wrapped with RSAES-OAEP, SHA-256 (Node uses the OAEP digest for MGF1 too). */
export function wrapKey(publicKey: KeyObject, contentKey: Buffer, oaepHash = 'sha256'): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, contentKey);
}

export interface Vector {
  plaintext: Buffer;
  contentKey: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
  wrappedKey: Buffer;
  /** The details in the tutorial's naming. */
  details: Record<string, string>;
}

export function vector(keys: KeyPair, plaintext: Buffer = randomBytes(100_003), keySid = KEY_SID): Vector {
  const contentKey = randomBytes(32);
  const iv = randomBytes(12);
  const wrappedKey = wrapKey(keys.publicKey, contentKey);
  return {
    plaintext,
    contentKey,
    iv,
    ciphertext: encryptMedia(plaintext, contentKey, iv),
    wrappedKey,
    details: {
      type: 'rsa-aes',
      public_key_sid: keySid,
      encrypted_cek: wrappedKey.toString('base64'),
      iv: iv.toString('base64'),
    },
  };
}
