import { expect } from 'chai';
import { ExitStatus, RecordingsError } from '../../../src/errors';
import { parseS3Url } from '../../../src/destinations/s3-url';
import type { Fault } from '../../support/s3-fault-proxy';
import { LOCAL_STORE_CREDENTIALS } from '../../support/object-store-server';
import { StoreWorld } from './store-world';

describe('Opening an object store destination (integration)', () => {
  const world = StoreWorld.perTest();

  /** Opens the store and returns what it threw, checking it is one line without the secret key. */
  async function openingError(options: Parameters<StoreWorld['open']>[0] = {}): Promise<RecordingsError> {
    const error = await world.open(options).then(
      (store) => {
        store.close();
        return undefined;
      },
      (thrown: unknown) => thrown,
    );
    expect(error).to.be.instanceOf(RecordingsError);
    const { message } = error as RecordingsError;
    expect(message).not.to.include('\n');
    expect(message).not.to.include(LOCAL_STORE_CREDENTIALS.secretAccessKey);
    return error as RecordingsError;
  }

  function listingAnswers(fault: Fault): void {
    world.proxy.inject({ operation: 'ListObjectsV2', nth: [1], fault });
  }

  it('opens a bucket that is there, listing under the prefix', async () => {
    const store = await world.open();
    store.close();
    expect(world.proxy.seen[0]).to.include({ operation: 'ListObjectsV2' });
  });

  it('refuses a bucket that does not exist with exit 2, naming it', async () => {
    const error = await openingError({ location: parseS3Url('s3://no-such-bucket/archive') });
    expect(error.exitStatus).to.equal(ExitStatus.BadInput);
    expect(error.message).to.match(/The bucket "no-such-bucket" does not exist/);
  });

  it('refuses an unknown access key with exit 4', async () => {
    listingAnswers({ kind: 'answer', status: 403, code: 'InvalidAccessKeyId' });
    const error = await openingError();
    expect(error.exitStatus).to.equal(ExitStatus.Credentials);
    expect(error.message).to.match(/refused the credentials \(InvalidAccessKeyId\)/);
  });

  it('refuses a wrong secret key with exit 4', async () => {
    listingAnswers({ kind: 'answer', status: 403, code: 'SignatureDoesNotMatch' });
    expect((await openingError()).exitStatus).to.equal(ExitStatus.Credentials);
  });

  it('refuses denied access with exit 2, saying what the credentials need', async () => {
    listingAnswers({ kind: 'answer', status: 403, code: 'AccessDenied' });
    const error = await openingError();
    expect(error.exitStatus).to.equal(ExitStatus.BadInput);
    expect(error.message).to.match(/Access denied to s3:\/\/recordings-test-\d+\/archive\/ .*s3:PutObject/);
  });

  it("refuses a bucket in another region with exit 2, naming the bucket's region", async () => {
    listingAnswers({
      kind: 'answer',
      status: 301,
      code: 'PermanentRedirect',
      headers: { 'x-amz-bucket-region': 'eu-west-1' },
    });
    const error = await openingError();
    expect(error.exitStatus).to.equal(ExitStatus.BadInput);
    expect(error.message).to.match(/is in region eu-west-1: set AWS_REGION=eu-west-1/);
  });

  it('says in one line that a store cannot be reached', async () => {
    const error = await openingError({
      connection: { endpoint: 'http://127.0.0.1:9', credentials: LOCAL_STORE_CREDENTIALS, maxAttempts: 1 },
    });
    expect(error.exitStatus).to.equal(ExitStatus.SomeFailed);
    expect(error.message).to.match(/^Cannot reach the object store at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  });
});
