import { expect } from 'chai';
import { Readable } from 'node:stream';
import { CredentialsError, TwilioApiError } from '../../../src/errors';
import { ConcurrencyLimiter } from '../../../src/twilio/concurrency-limiter';
import { RetryPolicy } from '../../../src/twilio/retry-policy';
import { TwilioApi, apiBaseUrl, isAccountLevelPath, mayReceiveCredentials } from '../../../src/twilio/twilio-api';

const ACCOUNT = 'AC' + 'a'.repeat(32);
const OTHER = 'AC' + 'b'.repeat(32);
const RECORDING = 'RE' + 'c'.repeat(32);

describe('apiBaseUrl and mayReceiveCredentials', () => {
  it('builds regional and edge hosts as the helper library does', () => {
    expect(apiBaseUrl()).to.equal('https://api.twilio.com');
    expect(apiBaseUrl('ie1')).to.equal('https://api.ie1.twilio.com');
    expect(apiBaseUrl(undefined, 'dublin')).to.equal('https://api.dublin.us1.twilio.com');
    expect(apiBaseUrl('ie1', 'dublin')).to.equal('https://api.dublin.ie1.twilio.com');
  });

  it('sends credentials only to Twilio hosts over HTTPS, or to the configured origin', () => {
    const origin = 'https://api.twilio.com';
    expect(mayReceiveCredentials(new URL('https://api.twilio.com/x'), origin)).to.equal(true);
    expect(mayReceiveCredentials(new URL('https://media.twilio.com/x'), origin)).to.equal(true);
    expect(mayReceiveCredentials(new URL('http://media.twilio.com/x'), origin)).to.equal(false);
    expect(mayReceiveCredentials(new URL('https://twilio.com.evil.example/x'), origin)).to.equal(false);
    expect(mayReceiveCredentials(new URL('https://eviltwilio.com/x'), origin)).to.equal(false);
    expect(mayReceiveCredentials(new URL('https://s3.amazonaws.com/x'), origin)).to.equal(false);
    expect(mayReceiveCredentials(new URL('http://127.0.0.1:4000/x'), 'http://127.0.0.1:4000')).to.equal(true);
  });
});

describe('isAccountLevelPath', () => {
  it('is the account, its lists and the list of accounts, not a resource inside it', () => {
    expect(isAccountLevelPath('/2010-04-01/Accounts.json', ACCOUNT)).to.equal(true);
    expect(isAccountLevelPath(`/2010-04-01/Accounts/${ACCOUNT}.json`, ACCOUNT)).to.equal(true);
    expect(isAccountLevelPath(`/2010-04-01/Accounts/${ACCOUNT}/Recordings.json`, ACCOUNT)).to.equal(true);
    expect(isAccountLevelPath(`/2010-04-01/Accounts/${ACCOUNT}/Recordings/${RECORDING}.json`, ACCOUNT)).to.equal(false);
    expect(isAccountLevelPath(`/2010-04-01/Accounts/${OTHER}/Recordings.json`, ACCOUNT)).to.equal(false);
  });
});

describe('TwilioApi.errorFor', () => {
  const api = new TwilioApi({
    transport: { send: () => Promise.reject(new Error('not used')) },
    credentials: { username: ACCOUNT, password: 'secret' },
    accountSid: ACCOUNT,
    baseUrl: 'https://api.twilio.com',
    retryPolicy: new RetryPolicy(),
    limiter: new ConcurrencyLimiter(1),
    credentialsLabel: 'the credentials of profile "p"',
  });
  const answer = (status: number, code: number, path: string) =>
    api.errorFor(
      { status, headers: {}, body: Readable.from([]) },
      Buffer.from(JSON.stringify({ code, message: 'm' })),
      `GET ${path}`,
      path,
    );

  it('makes 401 anywhere, and 403 or 404 on the account itself, a credentials error', () => {
    const list = `/2010-04-01/Accounts/${ACCOUNT}/Recordings.json`;
    expect(answer(401, 20003, list)).to.be.instanceOf(CredentialsError);
    expect(answer(403, 20005, list)).to.be.instanceOf(CredentialsError);
    expect(answer(404, 20404, list)).to.be.instanceOf(CredentialsError);
    expect(answer(404, 20404, `/2010-04-01/Accounts/${ACCOUNT}.json`).message).to.match(
      new RegExp(`^Twilio has no account ${ACCOUNT} for the credentials of profile "p" \\(404, error 20404\\)`),
    );
  });

  it('keeps a 404 on one recording, or a 403 on a subaccount, a Twilio API error', () => {
    expect(answer(404, 20404, `/2010-04-01/Accounts/${ACCOUNT}/Recordings/${RECORDING}.json`)).to.be.instanceOf(
      TwilioApiError,
    );
    expect(answer(403, 20005, `/2010-04-01/Accounts/${OTHER}/Recordings.json`)).to.be.instanceOf(TwilioApiError);
  });
});

describe('TwilioApi.fetchMedia', () => {
  const wav = { status: 200, headers: { 'content-type': 'audio/x-wav' } };
  /** An API whose transport answers each request with the next of `answers`, and notes the URLs asked for. */
  function apiAnswering(answers: Array<{ status: number; headers: Record<string, string>; body?: string }>) {
    const asked: string[] = [];
    const limiter = new ConcurrencyLimiter(1);
    const api = new TwilioApi({
      transport: {
        send: async (request) => {
          asked.push(request.url);
          const answer = answers.shift()!;
          return { status: answer.status, headers: answer.headers, body: Readable.from([answer.body ?? '']) };
        },
      },
      credentials: { username: ACCOUNT, password: 'secret' },
      accountSid: ACCOUNT,
      baseUrl: 'https://api.twilio.com',
      retryPolicy: new RetryPolicy({ maxAttempts: 3, sleep: async () => undefined }),
      limiter,
      credentialsLabel: 'the test credentials',
    });
    return { api, asked, limiter };
  }
  const recording = { sid: RECORDING, accountSid: ACCOUNT };

  it('follows a redirect and hands the checked answer to the receiver, within a slot of the limiter', async () => {
    const { api, asked, limiter } = apiAnswering([
      { status: 302, headers: { location: 'https://media.twilio.com/signed' } },
      { ...wav, body: 'RIFF' },
    ]);
    const slots: number[] = [];
    const body = await api.fetchMedia(recording, 'wav', async (response) => {
      slots.push(limiter.inFlight);
      return (await response.body.toArray()).join('');
    });
    expect(body).to.equal('RIFF');
    expect(slots).to.deep.equal([1]);
    expect(asked).to.deep.equal([
      `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${RECORDING}.wav`,
      'https://media.twilio.com/signed',
    ]);
  });

  it('tries again when the answer is not audio of the format asked for, without calling the receiver', async () => {
    const { api, asked } = apiAnswering([
      { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>' },
      { ...wav, body: 'RIFF' },
    ]);
    let received = 0;
    await api.fetchMedia(recording, 'wav', async () => void (received += 1));
    expect(asked).to.have.length(2);
    expect(received).to.equal(1);
  });
});
