import { expect } from 'chai';
import { twilioSignature } from '../../../../src/callbacks/signature';
import { diagnoseSignature } from '../../../../src/callbacks/inspector/signature-diagnosis';

const TOKEN = 'the-account-auth-token-0123456789';
const URL_CALLED = 'http://127.0.0.1:3000/recording-status';
const PARAMS: Array<[string, string]> = [
  ['AccountSid', `AC${'a'.repeat(32)}`],
  ['RecordingStatus', 'completed'],
];

describe('diagnoseSignature', function () {
  it('finds the URL a proxy rewrote the scheme of', function () {
    const signedFor = 'https://127.0.0.1:3000/recording-status';
    const signature = twilioSignature(TOKEN, signedFor, PARAMS);
    const diagnosis = diagnoseSignature(TOKEN, signature, [URL_CALLED], PARAMS, {});
    expect(diagnosis.url).to.include({ differed: true, signedFor });
    expect(diagnosis.tokenOrParams.differed).to.equal(false);
  });

  it('finds the host named by X-Forwarded-Host', function () {
    const signedFor = 'https://hooks.example.com/recording-status';
    const signature = twilioSignature(TOKEN, signedFor, PARAMS);
    const headers = { 'x-forwarded-host': 'hooks.example.com' };
    expect(diagnoseSignature(TOKEN, signature, [URL_CALLED], PARAMS, headers).url.signedFor).to.equal(signedFor);
  });

  it('says the token or the parameters differ when no URL matches', function () {
    const signature = twilioSignature('another-token', URL_CALLED, PARAMS);
    const diagnosis = diagnoseSignature(TOKEN, signature, [URL_CALLED], PARAMS, {});
    expect(diagnosis.url.differed).to.equal(false);
    expect(diagnosis.tokenOrParams.differed).to.equal(true);
  });

  it('lists the URL forms checked with only the start of each expected signature', function () {
    const diagnosis = diagnoseSignature(TOKEN, 'forged', [URL_CALLED], PARAMS, {});
    expect(diagnosis.checked.map((form) => form.url)).to.include.members([
      URL_CALLED,
      'http://127.0.0.1/recording-status',
    ]);
    for (const form of diagnosis.checked) {
      expect(form.expectedStart).to.match(/^.{6}…$/);
      expect(twilioSignature(TOKEN, form.url, PARAMS).startsWith(form.expectedStart.slice(0, 6))).to.equal(true);
    }
  });

  it('says an unsigned request was not signed', function () {
    const diagnosis = diagnoseSignature(TOKEN, undefined, [URL_CALLED], PARAMS, {});
    expect(diagnosis.receivedStart).to.equal(null);
    expect(diagnosis.tokenOrParams.note).to.include('not signed');
  });
});
