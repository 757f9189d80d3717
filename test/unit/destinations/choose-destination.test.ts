import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { BadInputError } from '../../../src/errors';
import { destinationAt, destinationKind, refuseMistypedS3Url } from '../../../src/destinations/choose-destination';

describe('choosing a destination', () => {
  const kinds: Array<[string, 'folder' | 'bucket']> = [
    ['./recordings', 'folder'],
    ['/var/archive', 'folder'],
    ['s3://my-bucket/recordings', 'bucket'],
    ['S3://my-bucket', 'bucket'],
    ['s3-archive', 'folder'],
  ];
  for (const [where, kind] of kinds) {
    it(`${where} is a ${kind}`, () => {
      expect(destinationKind(where)).to.equal(kind);
      expect(destinationAt(where).kind).to.equal(kind);
    });
  }

  for (const mistyped of ['s3:/bucket', 's3:bucket', 'S3:/bucket/x']) {
    it(`refuses ${mistyped} as a mistyped bucket, not a folder named s3:`, () => {
      expect(() => refuseMistypedS3Url(mistyped))
        .to.throw(BadInputError)
        .with.property('message')
        .that.includes('starts with s3:// (two slashes)');
    });
  }

  it("a folder's deletion log is the manifest.jsonl in it", () => {
    expect(destinationAt('archive').deletionLog().path).to.equal(join(resolve('archive'), 'manifest.jsonl'));
  });

  it("a bucket's deletion log is its run manifests, and a malformed URL is refused when it is asked for", () => {
    expect(destinationAt('s3://my-recordings/archive').deletionLog().path).to.equal(
      's3://my-recordings/archive/.manifests/',
    );
    expect(() => destinationAt('s3://Bad_Bucket').deletionLog()).to.throw(BadInputError, /is not a bucket name/);
  });

  it("loads neither the bucket's code nor the AWS SDK until a bucket is chosen and checked", () => {
    const script = [
      "require('./src/media/open-destination');",
      "require('./src/purge/media-archive');",
      "const { destinationAt } = require('./src/destinations/choose-destination');",
      "const loaded = () => { const names = Object.keys(require.cache); return [names.some((p) => p.endsWith('bucket-sink.ts')), names.some((p) => p.includes('@aws-sdk'))]; };",
      "destinationAt('./recordings');",
      'const folder = loaded();',
      "destinationAt('s3://my-bucket/x', { env: {} }).check();",
      'process.stdout.write(JSON.stringify({ folder, bucket: loaded() }));',
    ].join('');
    const output = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: resolve(__dirname, '../../..'),
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).to.deep.equal({ folder: [false, false], bucket: [true, false] });
  });
});
