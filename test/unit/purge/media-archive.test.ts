import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { BadInputError } from '../../../src/errors';
import { Layout } from '../../../src/media/layout';
import { archiveAt } from '../../../src/purge/media-archive';
import type { TwilioApi } from '../../../src/twilio/twilio-api';

const options = { format: 'wav' as const, layout: Layout.parse('{sid}.{ext}'), api: {} as TwilioApi };

describe('archiveAt', () => {
  it("keeps a folder archive's deletions in its manifest.jsonl", () => {
    expect(archiveAt('archive', options).deletionLog.path).to.equal(join(resolve('archive'), 'manifest.jsonl'));
  });

  it("keeps an s3:// archive's deletions in the bucket's run manifests", () => {
    const archive = archiveAt('s3://my-recordings/archive', options);
    expect(archive.deletionLog.path).to.equal('s3://my-recordings/archive/.manifests/');
  });

  it('keeps more recordings in flight for a bucket than for a folder', () => {
    expect(archiveAt('s3://my-recordings/archive', options).recordingsPerSlot).to.be.greaterThan(
      archiveAt('archive', options).recordingsPerSlot ?? 2,
    );
  });

  it('refuses a malformed s3:// URL before anything is reached', () => {
    expect(() => archiveAt('s3://Bad_Bucket', options)).to.throw(BadInputError, /is not a bucket name/);
  });
});
