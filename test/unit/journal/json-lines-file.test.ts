import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonLinesFile, parseJsonLines, readJsonLines, UnusableFileError } from '../../../src/journal/json-lines-file';
import { temporaryFolder } from '../media/media-test-kit';

async function readAll(path: string): Promise<unknown[]> {
  const entries: unknown[] = [];
  for await (const entry of readJsonLines(path)) entries.push(entry);
  return entries;
}

describe('JsonLinesFile', () => {
  let folder: string;

  beforeEach(() => {
    folder = temporaryFolder();
  });

  it('creates a missing file 0600 and appends one line per entry', async () => {
    const path = join(folder, 'log.jsonl');
    const file = await JsonLinesFile.open(path);
    await file.append({ a: 1 });
    await file.append({ b: 2 });
    await file.close();
    expect(readFileSync(path, 'utf8')).to.equal('{"a":1}\n{"b":2}\n');
    expect(statSync(path).mode & 0o777).to.equal(0o600);
  });

  it('opened and closed without an append, leaves a file without a final newline byte for byte', async () => {
    const path = join(folder, 'notes.txt');
    writeFileSync(path, 'first line\nlast line, no newline');
    await (await JsonLinesFile.open(path)).close();
    expect(readFileSync(path, 'utf8')).to.equal('first line\nlast line, no newline');
  });

  it('keeps a last line without a newline intact and starts its own on the next line', async () => {
    const path = join(folder, 'notes.txt');
    writeFileSync(path, 'first line\nlast line, no newline');
    const file = await JsonLinesFile.open(path);
    await Promise.all([file.append({ a: 1 }), file.append({ b: 2 })]);
    await file.append({ c: 3 });
    await file.close();
    expect(readFileSync(path, 'utf8')).to.equal('first line\nlast line, no newline\n{"a":1}\n{"b":2}\n{"c":3}\n');
  });

  it('keeps a line torn by a crash, and readers skip it', async () => {
    const path = join(folder, 'log.jsonl');
    writeFileSync(path, '{"a":1}\n{"b":');
    const file = await JsonLinesFile.open(path);
    await file.append({ c: 3 });
    await file.close();
    expect(readFileSync(path, 'utf8')).to.equal('{"a":1}\n{"b":\n{"c":3}\n');
    expect(await readAll(path)).to.deep.equal([{ a: 1 }, { c: 3 }]);
  });

  describe('refuses, changing nothing,', () => {
    const cases: Array<[string, (path: string) => void, RegExp]> = [
      ['a folder', (path) => mkdirSync(path), /it is a folder/],
      [
        'a symbolic link to a file',
        (path) => {
          writeFileSync(join(folder, 'target.txt'), 'kept, no newline');
          symlinkSync(join(folder, 'target.txt'), path);
        },
        /it is a symbolic link/,
      ],
      ['a dangling symbolic link', (path) => symlinkSync(join(folder, 'missing.txt'), path), /it is a symbolic link/],
      ['a FIFO', (path) => execFileSync('mkfifo', [path]), /it is not a regular file/],
    ];
    for (const [what, make, message] of cases) {
      it(what, async () => {
        const path = join(folder, 'log.jsonl');
        make(path);
        for (const attempt of [() => JsonLinesFile.check(path), () => JsonLinesFile.open(path)]) {
          const error = await attempt().catch((caught: unknown) => caught);
          expect(error).to.be.instanceOf(UnusableFileError);
          expect((error as Error).message).to.match(message);
          expect((error as Error).message).to.include(path);
          expect((error as Error).message).to.not.include('\n');
        }
        expect(existsSync(join(folder, 'missing.txt'))).to.equal(false);
        if (existsSync(join(folder, 'target.txt')))
          expect(readFileSync(join(folder, 'target.txt'), 'utf8')).to.equal('kept, no newline');
      });
    }

    it('an empty path', async () => {
      const error = await JsonLinesFile.open('').catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(UnusableFileError);
      expect((error as Error).message).to.match(/path is empty/);
    });
  });

  it('reads nothing from a missing file, and refuses to read through a symbolic link', async () => {
    expect(await readAll(join(folder, 'missing.jsonl'))).to.deep.equal([]);
    writeFileSync(join(folder, 'real.jsonl'), '{"a":1}\n');
    symlinkSync(join(folder, 'real.jsonl'), join(folder, 'link.jsonl'));
    const error = await readAll(join(folder, 'link.jsonl')).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(UnusableFileError);
  });
});

describe('parseJsonLines', () => {
  it('gives each line’s value in order, skipping blank lines and lines that do not parse', () => {
    expect([...parseJsonLines('{"a":1}\n\n  \n{"a":\nnull\n[2]\n"x"')]).to.deep.equal([{ a: 1 }, null, [2], 'x']);
  });
});
