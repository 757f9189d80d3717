import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestIndex } from '../../../src/media/manifest';
import { temporaryFolder } from './media-test-kit';

describe('ManifestIndex', () => {
  it('knows the files of its format, lists the paths of every format, and skips torn and foreign lines', async () => {
    const path = join(temporaryFolder(), 'manifest.jsonl');
    const line = (fields: object) => JSON.stringify({ event: 'downloaded', bytes: 3, sha256: 'abc', ...fields });
    writeFileSync(
      path,
      [
        line({ sid: 'RE1', format: 'wav', path: 'a/RE1.wav' }),
        line({ sid: 'RE2', format: 'mp3', path: 'a/RE2.mp3' }),
        JSON.stringify({ event: 'deleted', sid: 'RE3', path: 'a/RE3.wav' }),
        'a user note',
        '{"event":"downloaded","sid":"RE4","pa',
      ].join('\n'),
    );
    const index = await ManifestIndex.load(path, 'wav');
    expect(index.get('RE1')).to.deep.equal({ path: 'a/RE1.wav', bytes: 3, sha256: 'abc' });
    expect(index.get('RE2')).to.equal(undefined);
    expect([index.lists('a/RE1.wav'), index.lists('a/RE2.mp3'), index.lists('a/RE3.wav')]).to.deep.equal([
      true,
      true,
      false,
    ]);
    index.add('RE5', { path: 'b/RE5.wav', bytes: 1, sha256: 'd' });
    expect(index.lists('b/RE5.wav')).to.equal(true);
  });

  it('is empty when there is no manifest yet', async () => {
    const index = await ManifestIndex.load(join(temporaryFolder(), 'manifest.jsonl'), 'wav');
    expect(index.get('RE1')).to.equal(undefined);
  });
});
