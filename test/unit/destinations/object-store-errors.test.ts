import { expect } from 'chai';
import { ExitStatus } from '../../../src/errors';
import { storeAccessError, uploadFailureReason } from '../../../src/destinations/object-store-errors';

const location = { bucket: 'my-recordings', prefix: 'archive/' };

/** An error shaped as the SDK throws it, for what no local server can make happen. */
function sdkError(name: string, message: string, extra: object = {}): Error {
  return Object.assign(new Error(message), { name, ...extra });
}

describe('object store errors', () => {
  it('says no credentials were found, with exit 4', () => {
    const error = storeAccessError(
      sdkError('CredentialsProviderError', 'Could not load credentials from any providers'),
      location,
      undefined,
    );
    expect(error.exitStatus).to.equal(ExitStatus.Credentials);
    expect(error.message).to.match(/^No AWS credentials found for s3:\/\/my-recordings\/archive\/: set AWS_PROFILE/);
  });

  it('asks for a region when none is configured, with exit 2', () => {
    const error = storeAccessError(sdkError('Error', 'Region is missing'), location, undefined);
    expect(error.exitStatus).to.equal(ExitStatus.BadInput);
    expect(error.message).to.match(/No AWS region .*set AWS_REGION/);
  });

  it('names the region an AuthorizationHeaderMalformed answer gives', () => {
    const error = storeAccessError(
      sdkError('AuthorizationHeaderMalformed', 'the region is wrong', { Region: 'ap-south-1' }),
      location,
      undefined,
    );
    expect(error.message).to.match(/is in region ap-south-1/);
  });

  it('quotes no message of the store, only its code, for an unknown answer', () => {
    const error = storeAccessError(
      sdkError('SlowDown', 'secret-looking text', { $metadata: { httpStatusCode: 503 } }),
      location,
      'http://127.0.0.1:9000',
    );
    expect(error.exitStatus).to.equal(ExitStatus.SomeFailed);
    expect(error.message).to.equal(
      'The object store at http://127.0.0.1:9000 answered SlowDown (HTTP 503) for s3://my-recordings/archive/: try again later.',
    );
  });

  it('makes a code from outside printable', () => {
    expect(uploadFailureReason(sdkError('Bad\u001b[2JCode', ''))).to.equal('the store answered Bad\\x1b[2JCode');
  });
});
