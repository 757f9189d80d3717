import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SpooledFile } from '../../../src/media/spooled-file';

describe('SpooledFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spool-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function spoolInto(path: string, limit: number, opened: string[]): SpooledFile {
    return new SpooledFile(async () => {
      opened.push(path);
      return open(path, 'wx', 0o600);
    }, limit);
  }

  it('keeps a small body in memory until asked for the file, then writes it whole', async () => {
    const path = join(dir, 'small');
    const opened: string[] = [];
    const spool = spoolInto(path, 1024, opened);
    await pipeline(Readable.from([Buffer.from('abc'), Buffer.from('def')]), spool);
    expect(opened).to.deep.equal([]);
    await (await spool.toFile()).sync();
    await spool.close();
    expect(readFileSync(path, 'utf8')).to.equal('abcdef');
  });

  it('spills a large body to the file as it arrives, byte for byte', async () => {
    const path = join(dir, 'large');
    const opened: string[] = [];
    const spool = spoolInto(path, 10, opened);
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(7, i));
    let spilledBeforeEnd = false;
    const source = Readable.from(
      (async function* () {
        for (const [i, chunk] of chunks.entries()) {
          if (i === 40) spilledBeforeEnd = opened.length === 1;
          yield chunk;
        }
      })(),
    );
    await pipeline(source, spool);
    expect(spilledBeforeEnd).to.equal(true);
    await spool.toFile();
    await spool.close();
    expect(readFileSync(path).equals(Buffer.concat(chunks))).to.equal(true);
  });
});
