import { expect } from 'chai';
import { parseRecordingStatusCallback } from '../../../src/callbacks/callback-event';
import { callbackParams, planCallbacks, replayCallbacks, type CallbackRecording } from '../../../src/callbacks/sender';
import { parseHandlerUrl } from '../../../src/callbacks/webhook-request';
import { parseEncryptionDetails } from '../../../src/encryption/encryption-details';
import { BadInputError } from '../../../src/errors';

const AC = 'AC' + '1'.repeat(32);
const NOW = new Date('2026-01-14T09:30:00.500Z');

function paramsOf(list: Array<[string, string]>): Record<string, string> {
  return Object.fromEntries(list);
}

describe('planCallbacks', () => {
  it('makes one realistic, well-formed callback for each event', () => {
    const expected = {
      'in-progress': { RecordingDuration: '-1', ErrorCode: '0' },
      completed: { RecordingDuration: '42', ErrorCode: '0' },
      absent: { RecordingDuration: '0', ErrorCode: '16101' },
      failed: { RecordingDuration: '42', ErrorCode: '16104' },
    } as const;
    for (const [event, values] of Object.entries(expected)) {
      const [callback] = planCallbacks({
        event: event as keyof typeof expected,
        method: 'POST',
        accountSid: AC,
        now: NOW,
      });
      const params = paramsOf(callback!.params);
      expect(params).to.include({
        AccountSid: AC,
        RecordingStatus: event,
        RecordingChannels: '2',
        RecordingSource: 'DialVerb',
        ...values,
      });
      expect(params.RecordingUrl).to.equal(
        `https://api.twilio.com/2010-04-01/Accounts/${AC}/Recordings/${params.RecordingSid}`,
      );
      expect(params.RecordingStartTime).to.match(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
      const parsed = parseRecordingStatusCallback(callback!.params);
      expect(parsed.ok, JSON.stringify(parsed)).to.equal(true);
    }
  });

  it('sends all four statuses in order: one recording in progress then completed, then two more absent and failed, one call', () => {
    const callbacks = planCallbacks({ event: 'all', method: 'GET', accountSid: AC, now: NOW });
    expect(callbacks.map((c) => c.label)).to.deep.equal(['in-progress', 'completed', 'absent', 'failed']);
    const params = callbacks.map((c) => paramsOf(c.params));
    expect(params[0]!.RecordingSid).to.equal(params[1]!.RecordingSid);
    expect(new Set(params.map((p) => p.RecordingSid)).size).to.equal(3);
    expect(new Set(params.map((p) => p.CallSid)).size).to.equal(1);
    expect(callbacks.every((c) => c.method === 'GET')).to.equal(true);
  });

  it('with encrypted, sends EncryptionDetails as a JSON string in the completed callback only', () => {
    const callbacks = planCallbacks({ event: 'all', method: 'POST', accountSid: AC, now: NOW, encrypted: true });
    const params = callbacks.map((c) => paramsOf(c.params));
    expect(params.map((p) => 'EncryptionDetails' in p)).to.deep.equal([false, true, false, false]);
    const details = parseEncryptionDetails(params[1]!.EncryptionDetails);
    expect(details).to.include({ readable: true });
    if (!details?.readable) throw new Error('unreadable');
    expect(details.keySid).to.match(/^CR[0-9a-f]{32}$/);
    expect(details.iv).to.have.length(12);
    expect(details.wrappedKey).to.have.length(256);
    expect(params[3]!.ErrorCode).to.equal('16104');
  });

  it('describes a real recording with its own metadata', () => {
    const recording: CallbackRecording = {
      accountSid: AC,
      sid: 'RE' + 'a'.repeat(32),
      callSid: null,
      conferenceSid: 'CF' + 'b'.repeat(32),
      durationSeconds: 7,
      channels: 1,
      source: 'Conference',
      startTime: new Date('2026-01-02T03:04:05Z'),
    };
    const params = paramsOf(
      planCallbacks({ event: 'completed', method: 'POST', accountSid: AC, recording })[0]!.params,
    );
    expect(params).to.include({
      RecordingSid: recording.sid,
      ConferenceSid: recording.conferenceSid,
      RecordingDuration: '7',
      RecordingChannels: '1',
      RecordingSource: 'Conference',
      RecordingStartTime: 'Fri, 02 Jan 2026 03:04:05 +0000',
    });
    expect(params).to.not.have.property('CallSid');
  });

  it('adds, replaces and leaves out parameters with --param', () => {
    const [callback] = planCallbacks({
      event: 'absent',
      method: 'POST',
      accountSid: AC,
      overrides: ['ErrorCode=16102', 'Custom=a=b', 'RecordingTrack'],
    });
    const params = paramsOf(callback!.params);
    expect(params).to.include({ ErrorCode: '16102', Custom: 'a=b' });
    expect(params).to.not.have.property('RecordingTrack');
    expect(() => planCallbacks({ event: 'absent', method: 'POST', accountSid: AC, overrides: ['=x'] })).to.throw(
      BadInputError,
      /--param/,
    );
  });

  it('lists the parameters in the order Twilio sends them', () => {
    const names = callbackParams('completed', {
      accountSid: AC,
      sid: 'RE' + 'a'.repeat(32),
      callSid: 'CA' + 'a'.repeat(32),
      conferenceSid: null,
      durationSeconds: 3,
      channels: 2,
      source: 'DialVerb',
      startTime: NOW,
    }).map(([name]) => name);
    expect(names.slice(0, 5)).to.deep.equal([
      'AccountSid',
      'CallSid',
      'RecordingSid',
      'RecordingUrl',
      'RecordingStatus',
    ]);
  });
});

describe('replayCallbacks', () => {
  it('takes POST parameters from the body and GET parameters from the query', () => {
    const callbacks = replayCallbacks([
      {
        time: '',
        method: 'POST',
        url: '',
        target: '/cb?tenant=1',
        headers: {},
        body: 'RecordingStatus=completed&A=1',
        verdict: 'accepted',
        status: 204,
      },
      {
        time: '',
        method: 'GET',
        url: '',
        target: '/cb?RecordingStatus=absent&B=2',
        headers: {},
        body: '',
        verdict: 'accepted',
        status: 204,
      },
    ]);
    expect(callbacks[0]).to.deep.equal({
      label: 'replay 1 (completed)',
      method: 'POST',
      params: [
        ['RecordingStatus', 'completed'],
        ['A', '1'],
      ],
    });
    expect(callbacks[1]).to.deep.equal({
      label: 'replay 2 (absent)',
      method: 'GET',
      params: [
        ['RecordingStatus', 'absent'],
        ['B', '2'],
      ],
    });
  });
});

describe('parseHandlerUrl', () => {
  it('keeps http(s) URLs in normal form and refuses anything else', () => {
    expect(parseHandlerUrl('http://localhost:8080/cb?x=1#frag', 'URL')).to.equal('http://localhost:8080/cb?x=1');
    expect(() => parseHandlerUrl('not a url', 'URL')).to.throw(BadInputError, /Invalid URL/);
    expect(() => parseHandlerUrl('ftp://example.com/', 'URL')).to.throw(BadInputError, /http and https/);
    expect(() => parseHandlerUrl('https://user:pw@example.com/', '--forward-to')).to.throw(
      BadInputError,
      /Invalid --forward-to .*credentials/,
    );
  });

  it('labels a callback that was never verified as such', () => {
    const [callback] = replayCallbacks([
      {
        time: '',
        method: 'POST',
        url: '',
        target: '/cb',
        headers: {},
        body: 'RecordingStatus=completed',
        verdict: 'unverified',
        status: 204,
      },
    ]);
    expect(callback!.label).to.equal('replay 1 (completed, unverified)');
  });
});
