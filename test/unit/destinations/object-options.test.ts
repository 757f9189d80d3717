import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { recordingObjectMetadata, metadataFits } from '../../../src/destinations/object-metadata';
import { checkedObjectOptions } from '../../../src/destinations/object-store';
import { aRecording } from '../recording-fixture';

describe('object options', () => {
  it('takes a storage class, SSE-KMS and its key', () => {
    const options = { storageClass: 'DEEP_ARCHIVE', sse: 'aws:kms', kmsKeyId: 'alias/recordings' } as const;
    expect(checkedObjectOptions(options)).to.include(options);
  });

  for (const [options, reason] of [
    [{ storageClass: 'COLD' }, /Invalid --s3-storage-class "COLD"/],
    [{ sse: 'aws:kms:dsse' }, /Invalid --s3-sse/],
    [{ sse: 'AES256', kmsKeyId: 'alias/x' }, /--s3-kms-key-id needs --s3-sse aws:kms/],
    [{ partBytes: 1024 }, /between 5 MiB and 5 GiB/],
    [{ uploadConcurrency: 0 }, /whole number from 1/],
  ] as const) {
    it(`refuses ${JSON.stringify(options)}`, () => {
      expect(() => checkedObjectOptions(options as never)).to.throw(BadInputError, reason);
    });
  }
});

describe('object metadata', () => {
  it("holds the recording's fields and the SHA-256, leaving out those it has not", () => {
    const recording = aRecording({ conferenceSid: null });
    expect(recordingObjectMetadata(recording, 'ab'.repeat(32))).to.deep.equal({
      sid: recording.sid,
      'account-sid': recording.accountSid,
      'call-sid': recording.callSid,
      'date-created': '2026-01-02T03:04:05.000Z',
      duration: '61',
      channels: '1',
      source: 'DialVerb',
      sha256: 'ab'.repeat(32),
    });
  });

  it('percent-encodes what a header cannot carry', () => {
    const metadata = recordingObjectMetadata(aRecording({ source: 'Dial\nVerb é' }), 'ab');
    expect(metadata.source).to.equal('Dial%0AVerb%20%C3%A9');
  });

  it('tells metadata larger than S3 keeps', () => {
    expect(metadataFits({ note: 'x'.repeat(2100) })).to.equal(false);
    expect(metadataFits({ note: 'x'.repeat(100) })).to.equal(true);
  });
});
