import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import forge from 'node-forge';

import { DAY_MS } from './dates';

interface KeyPair {
  privateKeyPem: string;
  forgePrivate: forge.pki.rsa.PrivateKey;
  forgePublic: forge.pki.rsa.PublicKey;
}

// Node's native RSA generation takes milliseconds where forge's pure-JS one takes seconds; forge builds the certificates.
function generateKeyPair(): KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgePrivate = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const forgePublic = forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e);
  return { privateKeyPem: privateKey, forgePrivate, forgePublic };
}

function serialNumber(): string {
  // Positive, non-zero serial: clear the top bit of the first byte.
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/**
 * An in-memory certificate authority that mints a leaf certificate per host name on demand.
 * One leaf key pair serves every host; each host gets its own certificate, cached.
 */
export class CertificateAuthority {
  readonly caCertPem: string;
  private readonly caCert: forge.pki.Certificate;
  private readonly caKeys: KeyPair;
  private readonly leafKeys: KeyPair;
  private readonly contexts = new Map<string, SecureContext>();

  constructor(commonName = 'Recordings Sandbox Test CA') {
    this.caKeys = generateKeyPair();
    this.leafKeys = generateKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = this.caKeys.forgePublic;
    cert.serialNumber = serialNumber();
    this.setValidity(cert, 3650);
    const subject = [
      { name: 'commonName', value: commonName },
      { name: 'organizationName', value: 'Recordings Sandbox' },
    ];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(this.caKeys.forgePrivate, forge.md.sha256.create());
    this.caCert = cert;
    this.caCertPem = forge.pki.certificateToPem(cert);
  }

  /** The TLS context presenting a certificate for `host`, minted on first use. */
  contextFor(host: string): SecureContext {
    const key = host.toLowerCase();
    let context = this.contexts.get(key);
    if (!context) {
      context = createSecureContext({ key: this.leafKeys.privateKeyPem, cert: this.leafCertificatePem(key) });
      this.contexts.set(key, context);
    }
    return context;
  }

  leafCertificatePem(host: string): string {
    const cert = forge.pki.createCertificate();
    cert.publicKey = this.leafKeys.forgePublic;
    cert.serialNumber = serialNumber();
    this.setValidity(cert, 365);
    cert.setSubject([{ name: 'commonName', value: host.slice(0, 64) }]);
    cert.setIssuer(this.caCert.subject.attributes);
    const altName = isIP(host) ? { type: 7, ip: host } : { type: 2, value: host };
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [altName] },
    ]);
    cert.sign(this.caKeys.forgePrivate, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  }

  // Validity starts a day in the past so clock skew between processes never makes a fresh certificate "not yet valid".
  private setValidity(cert: forge.pki.Certificate, days: number): void {
    const now = Date.now();
    cert.validity.notBefore = new Date(now - DAY_MS);
    cert.validity.notAfter = new Date(now + days * DAY_MS);
  }
}
