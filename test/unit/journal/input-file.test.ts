import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegularFile } from '../../../src/journal/input-file';

describe('input files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'input-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file of up to its bound, and refuses one byte more, a FIFO or a folder', async () => {
    const path = join(dir, 'policy.yml');
    writeFileSync(path, 'x'.repeat(100));
    expect(await readRegularFile(path, 'policy file', 100)).to.equal('x'.repeat(100));
    writeFileSync(path, 'x'.repeat(101));
    const refusal = async (file: string) =>
      readRegularFile(file, 'policy file', 100).then(
        () => expect.fail('read'),
        (error: Error) => error,
      );
    expect((await refusal(path)).message).to.match(
      /policy\.yml is larger than 100 bytes, the most a policy file may be/,
    );
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    expect((await refusal(join(dir, 'pipe'))).message).to.match(/pipe is not a regular file/);
    expect((await refusal(dir)).message).to.match(/is not a regular file/);
  });
});
