import { expect } from 'chai';
import { s3SettingsFrom } from '../../../src/cli/flags';
import { BadInputError } from '../../../src/errors';
import { checkMediaDestination } from '../../../src/media/open-destination';
import type { TwilioApi } from '../../../src/twilio/twilio-api';

describe('s3SettingsFrom', () => {
  it('is undefined when no --s3-* flag is given, whatever the destination', () => {
    expect(s3SettingsFrom({}, './recordings', 'output-dir')).to.equal(undefined);
    expect(s3SettingsFrom({}, 's3://bucket/prefix', 'output-dir')).to.equal(undefined);
  });

  it('reads every --s3-* flag for an s3:// destination', () => {
    const settings = s3SettingsFrom(
      {
        's3-endpoint': 'http://127.0.0.1:9000',
        's3-storage-class': 'GLACIER_IR',
        's3-sse': 'aws:kms',
        's3-kms-key-id': 'alias/recordings',
      },
      's3://bucket/prefix',
      'output-dir',
    );
    expect(settings).to.deep.equal({
      connection: { endpoint: 'http://127.0.0.1:9000' },
      storageClass: 'GLACIER_IR',
      sse: 'aws:kms',
      kmsKeyId: 'alias/recordings',
    });
  });

  const refusals: Array<[string, Parameters<typeof s3SettingsFrom>[0], string | undefined, RegExp]> = [
    [
      'a storage class for a folder',
      { 's3-storage-class': 'STANDARD_IA' },
      './recordings',
      /--s3-storage-class applies to an s3:\/\/ destination, and --output-dir names a folder/,
    ],
    [
      'an endpoint without a destination',
      { 's3-endpoint': 'http://127.0.0.1:9000' },
      undefined,
      /--s3-endpoint .* --output-dir is not given/,
    ],
    ['encryption for a folder', { 's3-sse': 'AES256' }, '/tmp/x', /--s3-sse applies/],
  ];
  for (const [what, flags, destination, message] of refusals) {
    it(`refuses ${what} in one line`, () => {
      const call = () => s3SettingsFrom(flags, destination, 'output-dir');
      expect(call).to.throw(BadInputError, message);
    });
  }
});

describe('checkMediaDestination', () => {
  const api = {} as TwilioApi;
  const check = (where: string, s3?: object) =>
    checkMediaDestination(where, { format: 'wav', layout: '{sid}.{ext}', api, s3, env: {} }).then(
      () => undefined,
      (error: unknown) => error,
    );

  for (const where of ['s3://', 's3://Bad_Bucket', 's3://bucket//x', 's3:/x', 'S3:bucket']) {
    it(`refuses ${where} without reaching any store`, async () => {
      const error = await check(where);
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(/^Invalid destination/);
    });
  }

  it('refuses a KMS key without aws:kms', async () => {
    const error = await check('s3://bucket/x', { sse: 'AES256', kmsKeyId: 'k' });
    expect((error as Error).message).to.equal('--s3-kms-key-id needs --s3-sse aws:kms.');
  });

  it('refuses an endpoint with credentials in it, without printing them', async () => {
    const error = await check('s3://bucket/x', { connection: { endpoint: 'http://key:secret@127.0.0.1:9000' } });
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as Error).message).not.to.include('secret');
  });

  it('accepts a well-formed s3:// destination without reaching it', async () => {
    expect(await check('s3://bucket/archive')).to.equal(undefined);
  });
});
