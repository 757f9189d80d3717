import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks';
import { isValidTwilioSignature, signedUrlForms, twilioSignature } from '../../../src/callbacks/signature';

const TOKEN = '12345';
const VECTOR_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const VECTOR_PARAMS: Array<[string, string]> = [
  ['CallSid', 'CA1234567890ABCDE'],
  ['Caller', '+14158675309'],
  ['Digits', '1234'],
  ['From', '+14158675309'],
  ['To', '+18005551212'],
];

function randomText(): string {
  const alphabet = 'abcXYZ019 +&=%?/#é☎-_.~';
  const length = randomBytes(1)[0]! % 12;
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

describe('twilioSignature', () => {
  it('matches the helper library test vector', () => {
    expect(twilioSignature(TOKEN, VECTOR_URL, VECTOR_PARAMS)).to.equal('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('does not depend on the order the parameters arrived in', () => {
    expect(twilioSignature(TOKEN, VECTOR_URL, [...VECTOR_PARAMS].reverse())).to.equal('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it("agrees with the library's getExpectedTwilioSignature on random parameters", () => {
    for (let run = 0; run < 200; run++) {
      const token = randomBytes(16).toString('hex');
      const params: Record<string, string> = {};
      for (let i = 0; i < 1 + (run % 9); i++) params[`K${randomText()}${i}`] = randomText();
      const url = `https://example.test/cb?x=${encodeURIComponent(randomText())}`;
      expect(twilioSignature(token, url, Object.entries(params))).to.equal(
        getExpectedTwilioSignature(token, url, params),
      );
    }
  });

  it('signs a repeated key as the library signs an array value', () => {
    const pairs: Array<[string, string]> = [
      ['Tag', 'b'],
      ['Tag', 'a'],
      ['Tag', 'b'],
      ['A', '1'],
    ];
    expect(twilioSignature(TOKEN, VECTOR_URL, pairs)).to.equal(
      getExpectedTwilioSignature(TOKEN, VECTOR_URL, { Tag: ['b', 'a', 'b'], A: '1' } as never),
    );
  });

  it('signs a GET request by its URL alone, parameters in the query', () => {
    const url = 'https://example.test/cb?RecordingSid=RE1&RecordingStatus=completed';
    const signature = twilioSignature(TOKEN, url);
    expect(validateRequest(TOKEN, signature, url, {})).to.equal(true);
    expect(isValidTwilioSignature(TOKEN, signature, url, [])).to.equal(true);
    // The same parameters in a POST body sign differently.
    expect(
      twilioSignature(TOKEN, 'https://example.test/cb', [
        ['RecordingSid', 'RE1'],
        ['RecordingStatus', 'completed'],
      ]),
    ).to.not.equal(signature);
  });
});

describe('isValidTwilioSignature', () => {
  it('accepts the test vector and rejects a changed parameter, URL or token', () => {
    const signature = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
    expect(isValidTwilioSignature(TOKEN, signature, VECTOR_URL, VECTOR_PARAMS)).to.equal(true);
    expect(
      isValidTwilioSignature(TOKEN, signature, VECTOR_URL, [...VECTOR_PARAMS.slice(1), ['CallSid', 'CA0']]),
    ).to.equal(false);
    expect(
      isValidTwilioSignature(TOKEN, signature, 'http://mycompany.com/myapp.php?foo=1&bar=2', VECTOR_PARAMS),
    ).to.equal(false);
    expect(isValidTwilioSignature('54321', signature, VECTOR_URL, VECTOR_PARAMS)).to.equal(false);
    expect(isValidTwilioSignature(TOKEN, undefined, VECTOR_URL, VECTOR_PARAMS)).to.equal(false);
    expect(isValidTwilioSignature(TOKEN, 'short', VECTOR_URL, VECTOR_PARAMS)).to.equal(false);
  });

  it('accepts the URL with or without its default port, as the library does', () => {
    const cases = [
      ['https://mycompany.com:443/myapp.php?foo=1', 'https://mycompany.com/myapp.php?foo=1'],
      ['https://mycompany.com/myapp.php?foo=1', 'https://mycompany.com:443/myapp.php?foo=1'],
      ['https://tunnel.example.test:8443/cb', 'https://tunnel.example.test:8443/cb'],
      ['https://tunnel.example.test/cb', 'https://tunnel.example.test:8443/cb'],
      ['http://mycompany.com:80/a?b=c d', 'http://mycompany.com/a?b=c%20d'],
    ];
    for (const [signedFor, checkedAgainst] of cases) {
      const signature = twilioSignature(TOKEN, signedFor as string, VECTOR_PARAMS);
      const library = validateRequest(TOKEN, signature, checkedAgainst as string, Object.fromEntries(VECTOR_PARAMS));
      expect(
        isValidTwilioSignature(TOKEN, signature, checkedAgainst as string, VECTOR_PARAMS),
        `${signedFor} vs ${checkedAgainst}`,
      ).to.equal(library);
    }
  });

  it('lists each accepted form of a URL once', () => {
    expect(signedUrlForms('https://h.test/p')).to.deep.equal(['https://h.test/p', 'https://h.test:443/p']);
  });
});
