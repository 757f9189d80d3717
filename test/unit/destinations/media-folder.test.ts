import { expect } from 'chai';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadInputError } from '../../../src/errors';
import { MediaFolder } from '../../../src/destinations/media-folder';
import { temporaryFolder } from '../media/media-test-kit';

describe('MediaFolder', () => {
  let parent: string;
  let root: string;

  beforeEach(() => {
    parent = temporaryFolder();
    root = join(parent, 'out');
  });

  const refusal = (folder: MediaFolder): Promise<Error> =>
    folder.check().then(
      () => new Error('accepted'),
      (error: unknown) => error as Error,
    );

  it('checks a missing folder without creating it, then creates it 0700', async () => {
    const folder = new MediaFolder(root);
    expect(await folder.check()).to.equal(false);
    expect(existsSync(root)).to.equal(false);
    await folder.create();
    expect(statSync(root).mode & 0o777).to.equal(0o700);
    expect(await folder.check()).to.equal(true);
  });

  it('refuses a link at any depth, naming it', async () => {
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    symlinkSync(parent, join(root, 'a', 'b', 'up'));
    const error = await refusal(new MediaFolder(root));
    expect(error).to.be.instanceOf(BadInputError);
    expect(error.message).to.match(/a\/b\/up inside it is a symbolic link/);
  });

  it('names a link with a control character in one printable line', async () => {
    mkdirSync(root);
    symlinkSync(parent, join(root, 'two\nlines'));
    const error = await refusal(new MediaFolder(root));
    expect(error.message).to.include('two\\nlines inside it is a symbolic link');
    expect(error.message).to.not.include('\n');
  });

  it('refuses a temporary folder that is a file and a manifest that is a folder', async () => {
    mkdirSync(root);
    writeFileSync(join(root, '.partial'), 'x');
    expect((await refusal(new MediaFolder(root))).message).to.match(/its \.partial is not a folder/);
    mkdirSync(join(parent, 'other', 'manifest.jsonl'), { recursive: true });
    expect((await refusal(new MediaFolder(join(parent, 'other')))).message).to.match(/manifest\.jsonl is not a file/);
  });

  it('refuses an empty path', () => {
    expect(() => new MediaFolder(' ')).to.throw(BadInputError, /folder path is empty/);
  });

  it('makes folders below the root 0700, and refuses to go through a link or a file put there later', async () => {
    const folder = new MediaFolder(root);
    await folder.create();
    await folder.ensureFolder(join(root, 'x', 'y'));
    expect(statSync(join(root, 'x', 'y')).mode & 0o777).to.equal(0o700);

    const outside = temporaryFolder();
    symlinkSync(outside, join(root, 'linked'));
    writeFileSync(join(root, 'file'), 'x');
    for (const [below, message] of [
      ['linked', /linked in the folder is a symbolic link/],
      ['file', /file in the folder is not a folder/],
    ] as const) {
      const error = await folder.ensureFolder(join(root, below, 'z')).catch((caught: unknown) => caught);
      expect((error as Error).message).to.match(message);
    }
    expect(readdirSync(outside)).to.deep.equal([]);
  });

  it('refuses a path relative to the folder that leaves it', () => {
    const folder = new MediaFolder(root);
    expect(folder.absolutePathOf('a/b.wav')).to.equal(join(root, 'a', 'b.wav'));
    expect(() => folder.absolutePathOf('../b.wav')).to.throw(/Refusing to write outside/);
  });
});
