import { expect } from 'chai';
import { CredentialsError } from '../../../src/errors';
import { checkCredentials, credentialsLabel } from '../../../src/twilio/credentials';

const ACCOUNT = 'AC' + 'a'.repeat(32);
const KEY = 'SK' + 'b'.repeat(32);
const FROM_TOKEN = '${TWILIO_ACCOUNT_SID}/${TWILIO_AUTH_TOKEN}';
const FROM_KEY = '${TWILIO_API_KEY}/${TWILIO_API_SECRET}';

function refusal(profile: { id: string; accountSid: string; apiKey: string }): string | undefined {
  try {
    checkCredentials(profile);
    return undefined;
  } catch (error) {
    expect(error).to.be.instanceOf(CredentialsError);
    return (error as Error).message;
  }
}

describe('checkCredentials', () => {
  it('accepts an account SID with its auth token, or with an API key', () => {
    expect(refusal({ id: FROM_TOKEN, accountSid: ACCOUNT, apiKey: ACCOUNT })).to.equal(undefined);
    expect(refusal({ id: 'prod', accountSid: ACCOUNT, apiKey: KEY })).to.equal(undefined);
  });

  const refused: Array<[string, { id: string; accountSid: string; apiKey: string }, RegExp]> = [
    [
      'a malformed TWILIO_ACCOUNT_SID',
      { id: FROM_TOKEN, accountSid: 'notasid', apiKey: 'notasid' },
      /^TWILIO_ACCOUNT_SID is not/,
    ],
    ['an SK in TWILIO_ACCOUNT_SID', { id: FROM_KEY, accountSid: KEY, apiKey: KEY }, /^TWILIO_ACCOUNT_SID is not/],
    ['a malformed TWILIO_API_KEY', { id: FROM_KEY, accountSid: ACCOUNT, apiKey: 'SK123' }, /^TWILIO_API_KEY is not/],
    [
      'a profile without a valid account SID',
      { id: 'prod', accountSid: 'ac' + 'a'.repeat(32), apiKey: KEY },
      /^Profile "prod" has no valid account SID/,
    ],
    [
      'a profile without a valid API key',
      { id: 'prod', accountSid: ACCOUNT, apiKey: 'key' },
      /^Profile "prod" has no valid API key SID/,
    ],
  ];
  for (const [what, profile, message] of refused) {
    it(`refuses ${what}, in one line`, () => {
      const text = refusal(profile);
      expect(text).to.match(message);
      expect(text).not.to.include('\n');
    });
  }

  it('never repeats the value it refuses', () => {
    const secret = 'f'.repeat(32);
    expect(refusal({ id: FROM_TOKEN, accountSid: secret, apiKey: secret })).not.to.include(secret);
    expect(refusal({ id: FROM_KEY, accountSid: ACCOUNT, apiKey: secret })).not.to.include(secret);
  });

  it('names environment credentials and profiles', () => {
    expect(credentialsLabel({ id: FROM_TOKEN, accountSid: ACCOUNT, apiKey: ACCOUNT })).to.equal(
      'the credentials in the TWILIO_* environment variables',
    );
    expect(credentialsLabel({ id: 'prod', accountSid: ACCOUNT, apiKey: KEY })).to.equal(
      'the credentials of profile "prod"',
    );
  });
});
