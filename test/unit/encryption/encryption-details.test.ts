import { expect } from 'chai';
import { parseEncryptionDetails } from '../../../src/encryption/encryption-details';

const SID = 'CR' + 'a'.repeat(32);
const CEK = Buffer.alloc(256, 7).toString('base64');
const IV = Buffer.alloc(12, 9).toString('base64');

describe('parseEncryptionDetails', () => {
  it('reads the tutorial naming (type, public_key_sid, encrypted_cek, iv)', () => {
    const parsed = parseEncryptionDetails({ type: 'rsa-aes', public_key_sid: SID, encrypted_cek: CEK, iv: IV });
    expect(parsed).to.include({ readable: true, keySid: SID });
    if (!parsed?.readable) throw new Error('unreadable');
    expect(parsed.iv).to.deep.equal(Buffer.alloc(12, 9));
    expect(parsed.wrappedKey).to.deep.equal(Buffer.alloc(256, 7));
  });

  it('reads the API naming (encryption_public_key_sid, encryption_cek, encryption_iv)', () => {
    const parsed = parseEncryptionDetails({ encryption_public_key_sid: SID, encryption_cek: CEK, encryption_iv: IV });
    expect(parsed).to.include({ readable: true, keySid: SID });
  });

  it('reads the JSON string a status callback carries', () => {
    const parsed = parseEncryptionDetails(JSON.stringify({ public_key_sid: SID, encrypted_cek: CEK, iv: IV }));
    expect(parsed).to.include({ readable: true, keySid: SID });
  });

  for (const nothing of [null, undefined, '', 'null', {}]) {
    it(`takes ${JSON.stringify(nothing) ?? 'undefined'} for a recording that is not encrypted`, () => {
      expect(parseEncryptionDetails(nothing)).to.equal(undefined);
    });
  }

  const unreadable: Array<[string, unknown, RegExp]> = [
    ['text that is not JSON', '{oops', /not JSON/],
    ['an array', [SID], /not an object/],
    ['another type', { type: 'rsa-des', public_key_sid: SID, encrypted_cek: CEK, iv: IV }, /unknown type/],
    ['other field names', { key: SID, cek: CEK }, /no key SID/],
    ['a key SID that is not CR…', { public_key_sid: 'PK' + 'a'.repeat(32), encrypted_cek: CEK, iv: IV }, /CR/],
    ['a wrapped key that is not base64', { public_key_sid: SID, encrypted_cek: 'not base64!', iv: IV }, /content key/],
    ['an IV of 16 bytes', { public_key_sid: SID, encrypted_cek: CEK, iv: Buffer.alloc(16).toString('base64') }, /12/],
  ];
  for (const [what, details, reason] of unreadable) {
    it(`calls ${what} "encrypted, details unreadable"`, () => {
      const parsed = parseEncryptionDetails(details);
      expect(parsed).to.include({ readable: false });
      if (parsed?.readable !== false) throw new Error('readable');
      expect(parsed.reason).to.match(/^encrypted, details unreadable: /);
      expect(parsed.reason).to.match(reason);
    });
  }
});
