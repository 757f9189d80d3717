import { expect } from 'chai';
import { parseRecordingStatusCallback, type RecordingStatusEvent } from '../../../src/callbacks/callback-event';
import {
  JsonLinesListenerReport,
  TextListenerReport,
  type CatchUpReport,
  type RequestReport,
} from '../../../src/callbacks/listener-report';
import { completedParams } from './callback-fixtures';

// eslint-disable-next-line no-control-regex -- these are the characters the output must not hold
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = '\u001b[2J\u001b]0;pwned\u0007\r\n2026-01-14T09:30:05Z  completed    RE000  fake\u202e\u009b';

function hostileEvent(): RecordingStatusEvent {
  const parsed = parseRecordingStatusCallback(
    Object.entries(completedParams({ RecordingSource: HOSTILE, RecordingTrack: HOSTILE, Extra: HOSTILE })),
  );
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.event;
}

function hostileReport(): RequestReport {
  return {
    time: new Date('2026-01-14T09:30:05Z'),
    method: 'POST',
    target: `/recording-status?x=${HOSTILE}`,
    status: 200,
    verdict: 'accepted',
    event: hostileEvent(),
    forward: { status: 200, latencyMs: 3, firstLine: HOSTILE },
    warnings: [`RecordingUrl points at ${HOSTILE}`],
  };
}

describe('TextListenerReport', () => {
  it('prints one line per entry with every outside field escaped', () => {
    const lines: string[] = [];
    const report = new TextListenerReport((line) => lines.push(line));
    report.request(hostileReport());
    report.request({ ...hostileReport(), verdict: 'rejected', status: 403, event: undefined, reason: HOSTILE });
    report.download({
      time: new Date(),
      result: { accountSid: 'AC1', recordingSid: 'RE1', outcome: 'failed', deleted: false, error: HOSTILE },
      trigger: 'callback',
    });
    expect(lines).to.have.length(7);
    for (const line of lines) expect(line).to.not.match(UNSAFE);
    expect(lines[0]).to.match(
      /^2026-01-14T09:30:05Z {2}completed {4}RE3{32} {2}call CA2{32} {2}12s {2}1ch {2}\\x1b\[2J/,
    );
    expect(lines.filter((line) => /^2026-01-14T09:30:05Z {2}completed/.test(line))).to.have.length(1);
  });
});

describe('JsonLinesListenerReport', () => {
  it('writes JSON a parser reads back unchanged, with nothing raw a terminal acts on', () => {
    const lines: string[] = [];
    new JsonLinesListenerReport((line) => lines.push(line)).request(hostileReport());
    expect(lines).to.have.length(1);
    expect(lines[0]).to.not.match(UNSAFE);
    const parsed = JSON.parse(lines[0]!) as { event: { source: string; params: Record<string, string> } };
    expect(parsed.event.source).to.equal(HOSTILE);
    expect(parsed.event.params.Extra).to.equal(HOSTILE);
  });
});

describe('catch-up lines', () => {
  const scan: CatchUpReport = {
    startedAt: new Date('2026-01-14T09:30:00Z'),
    finishedAt: new Date('2026-01-14T09:30:02Z'),
    from: new Date('2026-01-14T09:10:00Z'),
    scanned: 12,
    missing: 2,
    saved: 2,
    deleted: 1,
    failed: 0,
    waiting: 3,
  };

  it('says in one line what a scan listed, archived and left waiting, or why it failed', () => {
    const lines: string[] = [];
    const report = new TextListenerReport((line) => lines.push(line));
    report.catchUp(scan);
    report.catchUp({ ...scan, error: `Twilio answered 503\r\n${HOSTILE}` });
    expect(lines[0]).to.equal(
      '2026-01-14T09:30:02Z  catch-up     since 2026-01-14T09:10:00Z: 12 listed, 2 missing from the archive: 2 saved, 1 deleted, 0 failed; 3 waiting',
    );
    expect(lines[1]).to.match(
      /^2026-01-14T09:30:02Z {2}catch-up {5}since .*: failed after 12 listed: Twilio answered 503/,
    );
    for (const line of lines) expect(line).to.not.match(UNSAFE);
  });

  it('writes a JSON line of type catch-up', () => {
    const lines: string[] = [];
    new JsonLinesListenerReport((line) => lines.push(line)).catchUp(scan);
    expect(JSON.parse(lines[0]!)).to.deep.equal({
      type: 'catch-up',
      time: '2026-01-14T09:30:02.000Z',
      startedAt: '2026-01-14T09:30:00.000Z',
      from: '2026-01-14T09:10:00.000Z',
      scanned: 12,
      missing: 2,
      saved: 2,
      deleted: 1,
      failed: 0,
      waiting: 3,
    });
  });
});
