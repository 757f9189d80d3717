import { expect } from 'chai';
import { curlCommand, requestDetails, requestMatches } from '../../../../src/callbacks/inspector/request-details';
import { rowJson } from '../../../../src/callbacks/inspector/row-summary';
import { signWebhookRequest } from '../../../../src/callbacks/webhook-request';
import { TOKEN } from '../callback-fixtures';
import { observedCallback as observed } from './observed-callback';

const LOCAL_URL = 'http://127.0.0.1:3000/recording-status';

describe('curlCommand', function () {
  it('quotes every part for a POSIX shell', function () {
    const command = curlCommand({
      method: 'POST',
      url: 'http://127.0.0.1:8080/hook',
      headers: { 'x-twilio-signature': 'abc=' },
      body: "Note=it's",
    });
    expect(command).to.equal(
      `curl -X POST 'http://127.0.0.1:8080/hook' -H 'x-twilio-signature: abc=' --data-raw 'Note=it'\\''s'`,
    );
  });
});

describe('requestDetails', function () {
  it('signs the curl command of a verified callback that was not relayed for the listener itself', function () {
    const details = requestDetails(1, observed('RE1'), { authToken: TOKEN, localUrl: LOCAL_URL });
    const signed = signWebhookRequest('POST', LOCAL_URL, [['RecordingSid', 'RE1']], TOKEN);
    expect(details.curl).to.include(`x-twilio-signature: ${signed.headers['x-twilio-signature']}`);
  });

  it('explains why a rejected callback’s signature matched none of the URLs checked', function () {
    const rejected = {
      ...observed('RE1'),
      verdict: 'rejected' as const,
      status: 403,
      reason: 'X-Twilio-Signature does not match',
      urlsChecked: [LOCAL_URL],
      headers: { 'x-twilio-signature': 'c2lnbmVkIHdpdGggYW5vdGhlciB0b2tlbg==' },
    };
    const details = requestDetails(1, rejected, { authToken: TOKEN, localUrl: LOCAL_URL });
    expect([details.rejection?.tokenOrParams.differed, details.curl, details.replayable]).to.deep.equal([
      true,
      undefined,
      false,
    ]);
  });
});

describe('requestMatches', function () {
  it('finds text in a parameter as Key=Value, whatever its case', function () {
    expect(requestMatches(observed('RE1'), 'recordingsid=re1')).to.equal(true);
  });
});

describe('rowJson', function () {
  it('carries the columns of the table, and none of the request’s parameters, headers or body', function () {
    const request = { ...observed('RE1'), body: 'Secret=1', params: [['Secret', '1']] as Array<[string, string]> };
    expect(JSON.parse(rowJson(7, request))).to.deep.equal({
      id: 7,
      time: Date.parse('2026-01-14T09:30:00.000Z'),
      method: 'POST',
      verdict: 'accepted',
      status: 204,
      event: 'completed',
      recording: 'RE1',
      call: '',
      duration: 5,
    });
  });

  it('keeps markup and quotes from outside inside their field', function () {
    const request = { ...observed('RE1'), event: undefined, target: '/x"},{"id":1,"<img src=x onerror=alert(1)>' };
    expect(JSON.parse(rowJson(7, request)).target).to.equal(request.target);
  });
});
