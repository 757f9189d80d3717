import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { formatS3Url, isS3Url, parseS3Url } from '../../../src/destinations/s3-url';

describe('s3:// destinations', () => {
  for (const [url, bucket, prefix] of [
    ['s3://my-bucket', 'my-bucket', ''],
    ['s3://my-bucket/', 'my-bucket', ''],
    ['s3://my-bucket/archive', 'my-bucket', 'archive/'],
    ['s3://my-bucket/archive/', 'my-bucket', 'archive/'],
    ['s3://my.bucket-1/a/b c/d', 'my.bucket-1', 'a/b c/d/'],
    ['S3://my-bucket/Archive', 'my-bucket', 'Archive/'],
  ] as const) {
    it(`reads ${url} as bucket ${bucket} and prefix "${prefix}"`, () => {
      expect(parseS3Url(url)).to.deep.equal({ bucket, prefix });
    });
  }

  for (const [url, reason] of [
    ['./recordings', /starts with s3:\/\//],
    ['s3://', /names no bucket/],
    ['s3:///archive', /names no bucket/],
    ['s3://My_Bucket/archive', /is not a bucket name/],
    ['s3://ab', /is not a bucket name/],
    ['s3://my..bucket', /is not a bucket name/],
    ['s3://192.168.1.1', /is not a bucket name/],
    ['s3://my-bucket//archive', /empty folder name/],
    ['s3://my-bucket/a/../b', /has a "\.\." folder/],
    ['s3://my-bucket/a/./b', /has a "\." folder/],
    ['s3://my-bucket/a?versionId=1', /query or fragment/],
    ['s3://my-bucket/a\nb', /control characters/],
    [`s3://my-bucket/${'a'.repeat(800)}`, /longer than 768 bytes/],
  ] as const) {
    it(`refuses ${JSON.stringify(url).slice(0, 40)} in one line`, () => {
      let error: unknown;
      try {
        parseS3Url(url);
      } catch (thrown) {
        error = thrown;
      }
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(reason);
      expect((error as Error).message).not.to.include('\n');
    });
  }

  it('tells an s3:// destination from a folder', () => {
    expect(isS3Url('s3://bucket')).to.equal(true);
    expect(isS3Url('./s3:/bucket')).to.equal(false);
  });

  it('writes a location back as a URL with its trailing slash', () => {
    expect(formatS3Url({ bucket: 'my-bucket', prefix: 'archive/' })).to.equal('s3://my-bucket/archive/');
  });
});
