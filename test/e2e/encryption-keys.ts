import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** An RSA key pair as a user makes it with openssl: the public key to register, the private key in files. */
export interface KeyFiles {
  publicPem: string;
  /** PKCS#8 PEM, unencrypted. */
  privatePath: string;
  /** PKCS#1 PEM, unencrypted. */
  pkcs1Path: string;
  /** PKCS#8 PEM, encrypted with `passphrase`. */
  encryptedPath: string;
  passphrase: string;
}

export function keyFiles(folder: string, name: string): KeyFiles {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const passphrase = `${name} passphrase`;
  const write = (file: string, text: string | Buffer) => {
    const path = join(folder, file);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    privatePath: write(`${name}.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' })),
    pkcs1Path: write(`${name}-pkcs1.pem`, privateKey.export({ type: 'pkcs1', format: 'pem' })),
    encryptedPath: write(
      `${name}-encrypted.pem`,
      privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }),
    ),
    passphrase,
  };
}
