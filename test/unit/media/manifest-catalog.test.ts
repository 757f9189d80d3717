import { expect } from 'chai';
import {
  promises as fsPromises,
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openIntents } from '../../../src/journal/reconciliation';
import { CATALOG_FOLDER } from '../../../src/media/layout';
import { ManifestCatalog } from '../../../src/media/manifest-catalog';
import type { MediaFileSystem } from '../../../src/destinations/file-system';
import { createdOf, downloadedLine as downloaded, sidOf, temporaryFolder } from './media-test-kit';

const manifestOf = (count: number) => Array.from({ length: count }, (_, i) => downloaded(i)).join('\n') + '\n';

/** `fs.promises`, counting the bytes read from the manifest. */
function countingFs(): MediaFileSystem & { manifestBytesRead: number } {
  const counting = {
    ...fsPromises,
    manifestBytesRead: 0,
    open: (async (path: string, ...rest: unknown[]) => {
      const handle = await (fsPromises.open as (...args: unknown[]) => Promise<fsPromises.FileHandle>)(path, ...rest);
      if (!String(path).endsWith('manifest.jsonl')) return handle;
      const read = handle.read.bind(handle) as (...args: unknown[]) => Promise<{ bytesRead: number }>;
      (handle as { read: unknown }).read = async (...args: unknown[]) => {
        const result = await read(...args);
        counting.manifestBytesRead += result.bytesRead;
        return result;
      };
      return handle;
    }) as MediaFileSystem['open'],
  };
  return counting;
}

describe('ManifestCatalog', () => {
  let root: string;
  let manifest: string;

  beforeEach(() => {
    root = temporaryFolder();
    manifest = join(root, 'manifest.jsonl');
  });

  it('reads a manifest written without a catalog whole once, then only what was appended after its checkpoint', async () => {
    writeFileSync(manifest, manifestOf(3000));
    const first = await ManifestCatalog.open(root, manifest, 'wav');
    expect(existsSync(join(root, CATALOG_FOLDER, 'checkpoint.json'))).to.equal(true);
    await first.close();
    appendFileSync(manifest, `${downloaded(3000)}\n`);

    const fs = countingFs();
    const again = await ManifestCatalog.open(root, manifest, 'wav', fs);
    expect(fs.manifestBytesRead).to.be.below(downloaded(3000).length + 4096 + 10);
    expect(again.newestCreated?.toISOString()).to.equal(createdOf(3000).toISOString());
    for (const i of [0, 1234, 2999, 3000]) {
      expect(await again.lookUp(sidOf(i), createdOf(i)), `recording ${i}`).to.deep.equal({
        path: `${sidOf(i)}.wav`,
        bytes: 1000 + i,
        sha256: `hash-${i}`,
      });
    }
    expect(await again.lookUp(sidOf(5000), createdOf(5000))).to.equal(undefined);
    // A recording listed on another day than the one asked about is not confused with it.
    expect(await again.lookUp(sidOf(0), createdOf(100))).to.equal(undefined);
  });

  it('keeps a few days of listings in memory, and the saves of this run until they are in their day files', async () => {
    writeFileSync(manifest, manifestOf(2400));
    const catalog = await ManifestCatalog.open(root, manifest, 'wav');
    for (let day = 0; day < 10; day += 1) await catalog.load(createdOf(day * 24));
    const held = Array.from({ length: 10 }, (_, day) => catalog.holds(createdOf(day * 24)));
    expect(held.filter(Boolean)).to.have.length(3);
    expect(held.slice(7)).to.deep.equal([true, true, true]);

    appendFileSync(manifest, `${downloaded(5000)}\n`);
    catalog.add(sidOf(5000), { path: `${sidOf(5000)}.wav`, bytes: 6000, sha256: 'hash-5000' }, createdOf(5000));
    expect(catalog.get(sidOf(5000), createdOf(5000))).to.include({ sha256: 'hash-5000' });
    await catalog.takeCheckpoint();
    expect(await catalog.lookUp(sidOf(5000), createdOf(5000))).to.include({ sha256: 'hash-5000' });
    await catalog.close();
    const reopened = await ManifestCatalog.open(root, manifest, 'wav');
    expect(await reopened.lookUp(sidOf(5000), createdOf(5000))).to.include({ sha256: 'hash-5000' });
  });

  it('is read again whole, and written anew, when the manifest was cut short or edited by hand', async () => {
    writeFileSync(manifest, manifestOf(3000));
    await (await ManifestCatalog.open(root, manifest, 'wav')).close();

    // Cut back to its first 2,000 lines: what was cut is no longer listed.
    const text = readFileSync(manifest, 'utf8');
    truncateSync(manifest, text.split('\n').slice(0, 2000).join('\n').length + 1);
    let catalog = await ManifestCatalog.open(root, manifest, 'wav');
    expect(await catalog.lookUp(sidOf(2500), createdOf(2500))).to.equal(undefined);
    expect(await catalog.lookUp(sidOf(1999), createdOf(1999))).to.include({ sha256: 'hash-1999' });
    await catalog.close();

    // The same length, one listing's hash changed near the end: the edited line is what counts.
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"hash-1999"', '"HASH-1999"'));
    catalog = await ManifestCatalog.open(root, manifest, 'wav');
    expect(await catalog.lookUp(sidOf(1999), createdOf(1999))).to.include({ sha256: 'HASH-1999' });
  });

  it('is read again whole when the catalog itself was damaged', async () => {
    writeFileSync(manifest, manifestOf(3000));
    await (await ManifestCatalog.open(root, manifest, 'wav')).close();
    writeFileSync(join(root, CATALOG_FOLDER, 'checkpoint.json'), '{"version":1,"bytes":');
    const catalog = await ManifestCatalog.open(root, manifest, 'wav');
    expect(await catalog.lookUp(sidOf(10), createdOf(10))).to.include({ sha256: 'hash-10' });
  });

  it('hands reconciliation the intents still open at the checkpoint and every line after it', async () => {
    const intent = (i: number) => JSON.stringify({ event: 'delete-intent', sid: sidOf(i), accountSid: 'AC1', at: 'x' });
    const deleted = (i: number) => JSON.stringify({ event: 'deleted', sid: sidOf(i), accountSid: 'AC1' });
    writeFileSync(manifest, `${manifestOf(3000)}${intent(1)}\n${intent(2)}\n${deleted(1)}\n${intent(3)}\n`);
    await (await ManifestCatalog.open(root, manifest, 'wav')).close();
    appendFileSync(manifest, `${deleted(3)}\n${intent(4)}\n`);

    const catalog = await ManifestCatalog.open(root, manifest, 'wav');
    const open = await openIntents(catalog.linesForReconciliation());
    expect(open.map((line) => line.sid)).to.deep.equal([sidOf(2), sidOf(4)]);
  });

  it('leaves the catalog to another process that is writing it, and takes over a lock its process left', async () => {
    writeFileSync(manifest, manifestOf(3000));
    mkdirSync(join(root, CATALOG_FOLDER));
    const lock = join(root, CATALOG_FOLDER, 'lock');
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: new Date().toISOString() }));
    const aside = await ManifestCatalog.open(root, manifest, 'wav');
    expect(existsSync(join(root, CATALOG_FOLDER, 'checkpoint.json'))).to.equal(false);
    expect(aside.get(sidOf(2999), createdOf(2999))).to.include({ sha256: 'hash-2999' });

    // A pid no process has: the lock was left by one that died.
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), startedAt: new Date().toISOString() }));
    await (await ManifestCatalog.open(root, manifest, 'wav')).close();
    expect(existsSync(join(root, CATALOG_FOLDER, 'checkpoint.json'))).to.equal(true);
    expect(existsSync(lock)).to.equal(false);
  });

  it('keeps every listing when two processes take checkpoints of one manifest in turn', async () => {
    writeFileSync(manifest, manifestOf(3000));
    const first = await ManifestCatalog.open(root, manifest, 'wav');
    const second = await ManifestCatalog.open(root, manifest, 'wav');
    appendFileSync(manifest, `${downloaded(3000)}\n`);
    await second.takeCheckpoint();
    appendFileSync(manifest, `${downloaded(3001)}\n`);
    await first.takeCheckpoint();
    const third = await ManifestCatalog.open(root, manifest, 'wav');
    for (const i of [2999, 3000, 3001]) {
      expect(await third.lookUp(sidOf(i), createdOf(i)), `recording ${i}`).to.include({ sha256: `hash-${i}` });
    }
  });

  it('writes nothing when read-only, and answers from the whole manifest', async () => {
    writeFileSync(manifest, manifestOf(3000));
    const catalog = await ManifestCatalog.open(root, manifest, 'wav', fsPromises, true);
    expect(existsSync(join(root, CATALOG_FOLDER))).to.equal(false);
    expect(catalog.get(sidOf(2000), createdOf(2000))).to.include({ sha256: 'hash-2000' });
  });

  it('writes no catalog for a small manifest', async () => {
    writeFileSync(manifest, manifestOf(20));
    const catalog = await ManifestCatalog.open(root, manifest, 'wav');
    await catalog.close();
    expect(existsSync(join(root, CATALOG_FOLDER))).to.equal(false);
    expect(await catalog.lookUp(sidOf(3), createdOf(3))).to.include({ sha256: 'hash-3' });
  });
});
