import { expect } from 'chai';
import http, { type IncomingMessage } from 'node:http';
import type { ListenerTally, ObservedRequest } from '../../../../src/callbacks/callback-listener';
import { Inspector } from '../../../../src/callbacks/inspector/inspector';
import { AC } from '../callback-fixtures';

const TALLY: ListenerTally = {
  received: 0,
  verified: 0,
  unverified: 0,
  rejected: 0,
  ignored: 0,
  forwarded: 0,
  forwardFailed: 0,
  downloaded: 0,
  downloadFailed: 0,
  deleted: 0,
};

/** A verified callback as the listener tells of it, with a body of about `bodyBytes`. */
function observed(index: number, bodyBytes = 600): ObservedRequest {
  const params: Array<[string, string]> = [
    ['AccountSid', AC],
    ['RecordingSid', `RE${index.toString(16).padStart(32, '0')}`],
    ['RecordingStatus', 'completed'],
    ['Padding', 'x'.repeat(bodyBytes)],
  ];
  return {
    time: new Date('2026-01-14T09:30:00.000Z'),
    method: 'POST',
    target: '/recording-status',
    status: 204,
    verdict: 'unverified',
    warnings: [],
    url: 'http://127.0.0.1:3000/recording-status',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
    params,
  };
}

function startInspector(limit: number): Promise<Inspector> {
  return Inspector.start({
    port: 0,
    limit,
    accountSid: AC,
    tally: () => TALLY,
    session: {
      callbackUrl: 'http://127.0.0.1:3000/recording-status',
      localUrl: 'http://127.0.0.1:3000/recording-status',
      twiml: '',
      verification: 'none',
      forwardTo: null,
      downloadDir: null,
    },
  });
}

/** The page's live stream, open once its headers arrive: the events seen so far, and whether it ended. */
function openStream(inspector: Inspector): Promise<{ events: string[]; ended: () => boolean; close: () => void }> {
  const url = new URL(inspector.url);
  return new Promise((resolve, reject) => {
    const request = http.get(
      `http://127.0.0.1:${url.port}/api/events${url.search}`,
      { headers: { host: `127.0.0.1:${url.port}` } },
      (response: IncomingMessage) => {
        const events: string[] = [];
        let text = '';
        let ended = false;
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
          const messages = text.split('\n\n');
          text = messages.pop() as string;
          for (const one of messages) events.push(/^event: (\S+)/m.exec(one)?.[1] ?? '');
        });
        response.on('close', () => (ended = true));
        resolve({ events, ended: () => ended, close: () => request.destroy() });
      },
    );
    request.on('error', reject);
  });
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('Inspector', function () {
  let inspector: Inspector;

  afterEach(async function () {
    await inspector?.close();
  });

  it('keeps no more rows, waiting requests or unsent rows than its limit, however many requests it is told of', async function () {
    inspector = await startInspector(50);
    const stream = await openStream(inspector);
    const most = { rows: 0, waiting: 0, unsent: 0 };
    for (let index = 0; index < 2_000; index += 1) {
      inspector.request(observed(index));
      const held = inspector.held;
      most.rows = Math.max(most.rows, held.rows);
      most.waiting = Math.max(most.waiting, held.waiting);
      most.unsent = Math.max(most.unsent, held.unsent);
    }
    stream.close();
    expect(most.rows).to.equal(50);
    expect(Math.max(most.waiting, most.unsent)).to.be.at.most(50);
  });

  it('sends a page every row of a batch larger than its socket’s buffer, without dropping the page', async function () {
    inspector = await startInspector(500);
    const stream = await openStream(inspector);
    // 300 rows of over 1 KB each are one batch of several hundred kilobytes.
    for (let index = 0; index < 300; index += 1) inspector.request(observed(index, 1_000));
    await until(() => stream.events.length === 301 || stream.ended());
    stream.close();
    expect(stream.events.filter((type) => type === 'entry')).to.have.length(300);
  });

  it('makes a row of a request only after the call that tells of it has returned', async function () {
    inspector = await startInspector(10);
    inspector.request(observed(1));
    const before = inspector.held;
    await new Promise((resolve) => setImmediate(resolve));
    expect([before.waiting, before.rows, inspector.held.rows]).to.deep.equal([1, 0, 1]);
  });
});
