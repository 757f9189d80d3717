import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SpooledFile } from '../../../src/destinations/spooled-file';

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

  it('leaves no file behind when discarded while the file is still being opened', async () => {
    const path = join(dir, 'failed');
    let letOpen = () => undefined as void;
    const opening = new Promise<void>((resolve) => (letOpen = resolve));
    let opened: Promise<FileHandle> | undefined;
    const spool = new SpooledFile(() => {
      opened = opening.then(() => open(path, 'wx', 0o600));
      return opened;
    }, 4);
    spool.on('error', () => undefined);
    // Past the limit: the spool starts opening its file, which waits.
    spool.write(Buffer.from('0123456789'));
    spool.destroy(new Error('the GCM tag does not match'));
    // As a failed download discards its spool: close it, then remove its file.
    const discarding = spool.close().then(() => unlink(path).catch(() => undefined));
    await new Promise((resolve) => setImmediate(resolve));
    letOpen();
    await discarding;
    await (await opened!).close().catch(() => undefined);
    expect(existsSync(path)).to.equal(false);
  });
});
