import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { refuseS3FlagsWithoutBucket, ruleBucketSettings } from '../../../src/purge/bucket-settings';

const ENDPOINT = { endpoint: 'http://127.0.0.1:9000' };

describe("a policy rule's bucket settings", () => {
  it("writes objects as the rule's s3: says, reached through --s3-endpoint", () => {
    const rule = { name: 'support', s3: { storageClass: 'GLACIER_IR' as const, sse: 'AES256' as const } };
    expect(ruleBucketSettings(rule, 'retention.yml', { connection: ENDPOINT })).to.deep.equal({
      connection: ENDPOINT,
      storageClass: 'GLACIER_IR',
      sse: 'AES256',
      kmsKeyId: undefined,
    });
  });

  it('takes from the flags what the rule leaves out', () => {
    const rule = { name: 'support', s3: { sse: 'aws:kms' as const } };
    const flags = { storageClass: 'STANDARD_IA' as const, sse: 'aws:kms' as const, kmsKeyId: 'alias/archive' };
    expect(ruleBucketSettings(rule, 'retention.yml', flags)).to.deep.equal({
      connection: undefined,
      storageClass: 'STANDARD_IA',
      sse: 'aws:kms',
      kmsKeyId: 'alias/archive',
    });
  });

  it('takes every flag for a rule without s3:', () => {
    const flags = { storageClass: 'DEEP_ARCHIVE' as const };
    expect(ruleBucketSettings({ name: 'default' }, 'retention.yml', flags)).to.include({
      storageClass: 'DEEP_ARCHIVE',
    });
  });

  it('has no settings of its own without the rule saying any or a flag', () => {
    expect(ruleBucketSettings({ name: 'default' }, 'retention.yml', undefined)).to.deep.equal({
      connection: undefined,
      storageClass: undefined,
      sse: undefined,
      kmsKeyId: undefined,
    });
  });

  const conflicts: Array<[string, object, object, string]> = [
    [
      'storage class',
      { storageClass: 'GLACIER_IR' },
      { storageClass: 'STANDARD' },
      '--s3-storage-class STANDARD says otherwise than rule "support" of retention.yml (storageClass: GLACIER_IR): leave out --s3-storage-class, or change the rule.',
    ],
    [
      'encryption',
      { sse: 'aws:kms' },
      { sse: 'AES256' },
      '--s3-sse AES256 says otherwise than rule "support" of retention.yml (sse: aws:kms): leave out --s3-sse, or change the rule.',
    ],
    [
      'KMS key',
      { sse: 'aws:kms', kmsKeyId: 'alias/a' },
      { sse: 'aws:kms', kmsKeyId: 'alias/b' },
      '--s3-kms-key-id alias/b says otherwise than rule "support" of retention.yml (kmsKeyId: alias/a): leave out --s3-kms-key-id, or change the rule.',
    ],
  ];
  for (const [what, s3, flags, message] of conflicts) {
    it(`refuses a flag that gives another ${what} than the rule, exit 2`, () => {
      const settings = () => ruleBucketSettings({ name: 'support', s3 }, 'retention.yml', flags);
      expect(settings).to.throw(BadInputError, message);
      expect(() => settings())
        .to.throw()
        .with.property('exitStatus', 2);
    });
  }
});

describe('--s3-* flags without a bucket', () => {
  it('are refused when neither --archive-dir nor a rule archives to s3://, naming the first flag', () => {
    expect(() =>
      refuseS3FlagsWithoutBucket({ connection: ENDPOINT, sse: 'AES256' }, [undefined, './archive']),
    ).to.throw(
      BadInputError,
      '--s3-endpoint applies to an s3:// archive, and this purge archives to none: give --archive-dir s3://BUCKET/PREFIX or a policy rule archive: s3://BUCKET/PREFIX, or leave out --s3-endpoint.',
    );
  });

  it("are taken when a rule's archive is in a bucket", () => {
    expect(() =>
      refuseS3FlagsWithoutBucket({ storageClass: 'STANDARD_IA' }, [undefined, './archive', 's3://b/p']),
    ).not.to.throw();
  });

  it('are taken when --archive-dir is in a bucket', () => {
    expect(() => refuseS3FlagsWithoutBucket({ storageClass: 'STANDARD_IA' }, ['s3://b/p'])).not.to.throw();
  });

  it('leave nothing to refuse when none is given', () => {
    expect(() => refuseS3FlagsWithoutBucket(undefined, ['./archive'])).not.to.throw();
  });
});
