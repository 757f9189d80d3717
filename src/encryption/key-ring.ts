import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { promises as fsPromises } from 'node:fs';
import { BadInputError } from '../errors';
import type { RecordingEncryption } from './encryption-details';
import { CONTENT_KEY_BYTES } from './gcm-decipher';
import { canonicalSid } from '../twilio/sids';

/** A private key given with `--decrypt-key`: a PEM file, optionally tied to its Public Key SID as `CR…=FILE`. */
export interface PrivateKeySource {
  path: string;
  keySid?: string;
}

/** Asks for the passphrase of an encrypted PEM file; undefined when no one can be asked. */
export type PassphraseSource = (path: string) => Promise<string | undefined>;

export interface LoadedKey {
  path: string;
  keySid?: string;
  key: KeyObject;
  /** The same key for Web Crypto, whose RSA work runs off the main thread; imported on first use. */
  webKey?: Promise<webcrypto.CryptoKey>;
}

/** A recording's content key, unwrapped, and the key file that opened it. */
export interface ContentKey {
  contentKey: Buffer;
  keyPath: string;
}

/** None of the private keys given opens a recording's content key. */
export class WrongKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const KEY_SID_PREFIX = /^(CR[0-9a-fA-F]{32})=(.+)$/s;

/** Reads a `--decrypt-key` value: `FILE`, or `CR…=FILE` to say which Public Key it belongs to. */
export function privateKeySource(value: string): PrivateKeySource {
  const match = KEY_SID_PREFIX.exec(value);
  const keySid = match ? canonicalSid('publicKey', match[1]) : undefined;
  return keySid ? { keySid, path: match![2]! } : { path: value };
}

function isEncryptedPem(pem: string): boolean {
  return pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

/**
 * The private keys that can open recordings' content keys. Each recording is matched to the
 * key given for its Public Key SID, then to the key that opened that SID before, then by trying
 * the others: RSA-OAEP refuses a content key wrapped for another key.
 */
export class KeyRing {
  private readonly bySid = new Map<string, LoadedKey>();

  private constructor(readonly keys: LoadedKey[]) {
    for (const key of keys) if (key.keySid) this.bySid.set(key.keySid, key);
  }

  /**
   * Reads and checks every key before anything is fetched: a missing file, a file that is not an
   * RSA private key in PEM (PKCS#8 or PKCS#1), or a wrong or missing passphrase is a BadInputError.
   */
  static async load(
    sources: PrivateKeySource[],
    passphrase: PassphraseSource,
    fs: Pick<typeof fsPromises, 'readFile'> = fsPromises,
  ): Promise<KeyRing> {
    const keys: LoadedKey[] = [];
    for (const source of sources) {
      keys.push({ ...source, key: await loadPrivateKey(source.path, passphrase, fs) });
    }
    return new KeyRing(keys);
  }

  /**
   * Unwraps a recording's content key with RSAES-OAEP, SHA-256 and MGF1-SHA-256. The RSA work runs
   * in Node's thread pool: thousands of recordings would otherwise hold the event loop for seconds.
   */
  async unwrap(encryption: Extract<RecordingEncryption, { readable: true }>): Promise<ContentKey> {
    const named = this.bySid.get(encryption.keySid);
    const order = named ? [named, ...this.keys.filter((key) => key !== named)] : this.keys;
    for (const candidate of order) {
      const contentKey = await unwrapOffThread(candidate, encryption.wrappedKey);
      if (contentKey) {
        if (!candidate.keySid) this.bySid.set(encryption.keySid, candidate);
        return { contentKey, keyPath: candidate.path };
      }
    }
    const given =
      this.keys.length === 1 ? 'the private key given does' : `none of the ${this.keys.length} private keys given does`;
    throw new WrongKeyError(
      `${given} not open its content key: it was encrypted for public key ${encryption.keySid}; give the private key of that public key`,
    );
  }
}

/**
 * The content key, or undefined when this private key did not wrap it (or it is not a 256-bit key).
 * Web Crypto's RSA-OAEP uses the OAEP hash, SHA-256, for MGF1 too, and runs in the thread pool.
 */
async function unwrapOffThread(candidate: LoadedKey, wrappedKey: Buffer): Promise<Buffer | undefined> {
  candidate.webKey ??= webcrypto.subtle.importKey(
    'pkcs8',
    candidate.key.export({ type: 'pkcs8', format: 'der' }),
    { name: 'RSA-OAEP', hash: 'SHA-256' },
    false,
    ['decrypt'],
  );
  try {
    const contentKey = Buffer.from(
      await webcrypto.subtle.decrypt({ name: 'RSA-OAEP' }, await candidate.webKey, wrappedKey),
    );
    return contentKey.length === CONTENT_KEY_BYTES ? contentKey : undefined;
  } catch {
    return undefined;
  }
}

async function loadPrivateKey(
  path: string,
  passphrase: PassphraseSource,
  fs: Pick<typeof fsPromises, 'readFile'>,
): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await fs.readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new BadInputError(`Cannot read the private key ${path} (${code}): check the path of the PEM file.`);
  }
  if (!pem.includes('PRIVATE KEY-----')) {
    throw new BadInputError(
      `${path} is not a private key in PEM: give the RSA private key (PKCS#8 "BEGIN PRIVATE KEY" or PKCS#1 "BEGIN RSA PRIVATE KEY"), not the public key.`,
    );
  }
  let secret: string | undefined;
  if (isEncryptedPem(pem)) {
    secret = await passphrase(path);
    if (secret === undefined) {
      throw new BadInputError(
        `The private key ${path} is encrypted: run on a terminal to be asked its passphrase, or give it in an environment variable.`,
      );
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem', ...(secret === undefined ? {} : { passphrase: secret }) });
  } catch {
    throw new BadInputError(
      secret === undefined
        ? `${path} is not a readable PEM private key: check that the file is complete, or make a new key pair (see the README).`
        : `Cannot open the private key ${path}: wrong passphrase, or the file is damaged.`,
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new BadInputError(
      `${path} is a ${key.asymmetricKeyType ?? 'non-RSA'} key: Voice Recording Encryption uses RSA keys.`,
    );
  }
  return key;
}
