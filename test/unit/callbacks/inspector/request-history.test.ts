import { expect } from 'chai';
import { KEPT_ANSWER_BYTES, RequestHistory } from '../../../../src/callbacks/inspector/request-history';
import { AC } from '../callback-fixtures';
import { observedCallback as observed } from './observed-callback';

describe('RequestHistory', function () {
  it('keeps only the last `limit` requests and counts the ones dropped', function () {
    const history = new RequestHistory(3);
    for (const sid of ['RE1', 'RE2', 'RE3', 'RE4', 'RE5']) history.add(observed(sid));
    const kept = [1, 2, 3, 4, 5].map((id) => history.get(id)?.event?.recordingSid);
    expect(kept).to.deep.equal([undefined, undefined, 'RE3', 'RE4', 'RE5']);
    expect(history.droppedCount).to.equal(2);
  });

  it('keeps the request it is handed, not a copy of it', function () {
    const history = new RequestHistory(3);
    const request = observed('RE1');
    expect(history.get(history.add(request))).to.equal(request);
  });

  it('attaches a download to the newest completed callback of its recording', function () {
    const history = new RequestHistory(10);
    const completed = history.add(observed('RE1'));
    history.add(observed('RE1', 'in-progress'));
    history.addDownload({ recordingSid: 'RE1', accountSid: AC, outcome: 'saved', path: 'a.wav', deleted: true });
    expect(history.downloadsOf(completed)).to.deep.equal([
      { outcome: 'saved', path: 'a.wav', bytes: undefined, deleted: true, error: undefined },
    ]);
  });

  it('drops a download whose callback is no longer kept', function () {
    const history = new RequestHistory(1);
    history.add(observed('RE1'));
    history.add(observed('RE2'));
    expect(history.addDownload({ recordingSid: 'RE1', accountSid: AC, outcome: 'saved', deleted: false })).to.equal(
      undefined,
    );
  });

  it('forgets the downloads of a request once it is no longer kept', function () {
    const history = new RequestHistory(1);
    const first = history.add(observed('RE1'));
    history.addDownload({ recordingSid: 'RE1', accountSid: AC, outcome: 'saved', deleted: false });
    history.add(observed('RE2'));
    expect(history.downloadsOf(first)).to.equal(undefined);
  });

  it('keeps only the start of a handler’s answer larger than the page shows', function () {
    const history = new RequestHistory(2);
    const request = observed('RE1');
    const body = Buffer.alloc(KEPT_ANSWER_BYTES * 4, 'a');
    request.relay = {
      request: { method: 'POST', url: 'http://127.0.0.1:8080/hook', headers: {}, body: '' },
      answer: { status: 200, headers: {}, body, latencyMs: 1 },
      latencyMs: 1,
    };
    const id = history.add(request);
    expect([history.get(id)?.relay?.answer?.body.length, history.answerCut(id)]).to.deep.equal([
      KEPT_ANSWER_BYTES,
      true,
    ]);
  });
});
