import { expect } from 'chai';
import { apiBaseUrl, mayReceiveCredentials } from '../../../src/twilio/twilio-api';

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
