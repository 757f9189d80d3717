import { expect } from 'chai';
import { curlCommand, RequestHistory, type NewEntry } from '../../../../src/callbacks/inspector/request-history';

function entry(recordingSid: string, status = 'completed'): NewEntry {
  return {
    kind: 'callback',
    time: '2026-01-14T09:30:00.000Z',
    method: 'POST',
    target: '/recording-status',
    url: 'http://127.0.0.1:3000/recording-status',
    verdict: 'accepted',
    status: 204,
    warnings: [],
    event: {
      status,
      recordingSid,
      callSid: null,
      conferenceSid: null,
      accountSid: `AC${'a'.repeat(32)}`,
      duration: 5,
      errorCode: null,
      errorMeaning: null,
    },
    params: [],
    headers: {},
    body: '',
    replayable: true,
  };
}

describe('RequestHistory', function () {
  it('keeps only the last `limit` requests and counts the ones dropped', function () {
    const history = new RequestHistory(3);
    for (const sid of ['RE1', 'RE2', 'RE3', 'RE4', 'RE5']) history.add(entry(sid));
    expect(history.all().map((kept) => kept.event?.recordingSid)).to.deep.equal(['RE3', 'RE4', 'RE5']);
    expect(history.droppedCount).to.equal(2);
  });

  it('attaches a download to the newest completed row of its recording', function () {
    const history = new RequestHistory(10);
    history.add(entry('RE1', 'in-progress'));
    const completed = history.add(entry('RE1'));
    history.addDownload({ recordingSid: 'RE1', accountSid: 'AC', outcome: 'saved', path: 'a.wav', deleted: true });
    expect(history.get(completed.id)?.downloads).to.deep.equal([
      { outcome: 'saved', path: 'a.wav', bytes: undefined, deleted: true, error: undefined },
    ]);
  });

  it('drops a download whose row is no longer kept', function () {
    const history = new RequestHistory(1);
    history.add(entry('RE1'));
    history.add(entry('RE2'));
    expect(history.addDownload({ recordingSid: 'RE1', accountSid: 'AC', outcome: 'saved', deleted: false })).to.equal(
      undefined,
    );
  });
});

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
