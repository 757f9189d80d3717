import { expect } from 'chai';
import { findAuthToken, requireAuthToken } from '../../../src/callbacks/auth-token';
import { BadInputError } from '../../../src/errors';

const AC = 'AC' + '1'.repeat(32);
const withToken = { accountSid: AC, apiKey: AC, apiSecret: 'profile-token' };
const withKey = { accountSid: AC, apiKey: 'SK' + '2'.repeat(32), apiSecret: 'key-secret' };

describe('findAuthToken', () => {
  it('prefers --auth-token, then a profile holding the auth token, then TWILIO_AUTH_TOKEN', () => {
    expect(findAuthToken({ flag: 'flag-token', profile: withToken, environment: 'env' })?.token).to.equal('flag-token');
    expect(findAuthToken({ profile: withToken, environment: 'env' })?.token).to.equal('profile-token');
    expect(findAuthToken({ profile: withKey, environment: 'env' })).to.deep.equal({
      token: 'env',
      source: 'TWILIO_AUTH_TOKEN',
    });
  });

  it('never takes an API key secret for the auth token', () => {
    expect(findAuthToken({ profile: withKey })).to.equal(undefined);
    expect(() => requireAuthToken({ profile: withKey }, 'Signing callbacks')).to.throw(
      BadInputError,
      /pass --auth-token \(or set TWILIO_AUTH_TOKEN\)/,
    );
  });
});
