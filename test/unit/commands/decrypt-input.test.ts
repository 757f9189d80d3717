import { expect } from 'chai';
import { decryptInputFrom } from '../../../src/commands/recordings/decrypt';
import { BadInputError } from '../../../src/errors';

describe('decryptInputFrom', () => {
  const folders = new Set(['./recordings']);
  const isFolder = (path: string) => folders.has(path);

  it('takes DIR as given, with every --key', () => {
    const input = decryptInputFrom('./recordings', ['a.pem', 'b.pem'], 'PASS', isFolder);
    expect(input.root).to.equal('./recordings');
    expect(input.decryption.keys.map((key) => key.path)).to.deep.equal(['a.pem', 'b.pem']);
    expect(input.decryption).to.include({ passphraseEnv: 'PASS', passphraseEnvFlag: 'key-passphrase-env' });
  });

  it('takes back a DIR that oclif gave to the repeatable --key', () => {
    const input = decryptInputFrom(undefined, ['a.pem', './recordings'], undefined, isFolder);
    expect(input.root).to.equal('./recordings');
    expect(input.decryption.keys.map((key) => key.path)).to.deep.equal(['a.pem']);
  });

  const refusals: Array<[string, string | undefined, string[], RegExp]> = [
    ['no folder at all', undefined, ['a.pem'], /Give the folder to decrypt/],
    ['a last --key that is not a folder', undefined, ['a.pem', 'b.pem'], /Give the folder to decrypt/],
    ['an empty folder name', ' ', ['a.pem'], /Give the folder to decrypt/],
    ['object storage', 's3://bucket/prefix', ['a.pem'], /not s3:\/\/ storage/],
  ];
  it('says a folder given after --key does not exist, rather than asking for one', () => {
    expect(() => decryptInputFrom(undefined, ['a.pem', './recordngs'], undefined, isFolder, () => false)).to.throw(
      BadInputError,
      /The folder "\.\/recordngs" does not exist: check the path/,
    );
  });

  for (const [what, dir, keys, message] of refusals) {
    it(`refuses ${what}`, () => {
      expect(() => decryptInputFrom(dir, keys, undefined, isFolder)).to.throw(BadInputError, message);
    });
  }
});
