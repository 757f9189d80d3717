import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_FOLDER } from '../../../src/media/layout';
import { MANIFEST_FILE } from '../../../src/media/manifest';
import { openMediaDestination } from '../../../src/media/open-destination';
import { aRecording } from '../recording-fixture';
import { createdOf, downloadedLine, sidOf, temporaryFolder } from './media-test-kit';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A manifest of `count` wav listings, large enough that a folder keeps a catalog of it. */
function writeManifest(root: string, count: number, listed: (i: number) => { bytes: number; sha256: string }): void {
  const lines = Array.from({ length: count }, (_, i) => downloadedLine(i, listed(i)));
  writeFileSync(join(root, MANIFEST_FILE), `${lines.join('\n')}\n`);
}

const options = (readOnly = false) => ({
  format: 'wav' as const,
  layout: '{sid}.{ext}',
  api: { fetchMedia: () => Promise.reject(new Error('nothing is fetched here')) },
  readOnly,
});

describe("a folder's recording destination and its manifest's catalog", () => {
  let root: string;

  beforeEach(() => {
    root = join(temporaryFolder(), 'archive');
    mkdirSync(root);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("reads a large manifest's listings by day, as the catch-up asks for them, and finds a listed copy", async () => {
    const audio = 'RIFF-audio';
    writeManifest(root, 3000, (i) =>
      i === 1234 ? { bytes: audio.length, sha256: sha256(audio) } : { bytes: 1, sha256: 'x' },
    );
    writeFileSync(join(root, `${sidOf(1234)}.wav`), audio);
    const destination = await openMediaDestination(root, options());
    try {
      expect(existsSync(join(root, CATALOG_FOLDER, 'checkpoint.json'))).to.equal(true);
      expect(destination.newestListedCreation()).to.deep.equal(createdOf(2999));
      expect(destination.holdsListings!(createdOf(10))).to.equal(false);
      await destination.loadListings!(createdOf(10));
      expect(destination.holdsListings!(createdOf(10))).to.equal(true);
      expect(destination.listsRecording(sidOf(10), createdOf(10))).to.equal(true);
      expect(destination.listsRecording(sidOf(3000), createdOf(10))).to.equal(false);
      // The copy's day is read when it is looked up, without a load first.
      const recording = aRecording({ sid: sidOf(1234), dateCreated: createdOf(1234) });
      const present = await destination.presentCopy(recording);
      expect(present).to.include({ path: `${sidOf(1234)}.wav`, outcome: 'already-present' });
      await destination.saveListings!();
    } finally {
      await destination.close();
    }
  });

  it('writes no catalog when opened read-only (a dry run), and answers from the whole manifest', async () => {
    writeManifest(root, 3000, () => ({ bytes: 1, sha256: 'x' }));
    const destination = await openMediaDestination(root, options(true));
    try {
      expect(destination.holdsListings!(createdOf(10))).to.equal(true);
      expect(destination.listsRecording(sidOf(10), createdOf(10))).to.equal(true);
      await destination.saveListings!();
    } finally {
      await destination.close();
    }
    expect(readdirSync(root)).to.deep.equal([MANIFEST_FILE]);
  });
});
