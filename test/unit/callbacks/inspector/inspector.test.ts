import { expect } from 'chai';
import http, { type IncomingMessage } from 'node:http';
import { emptyListenerTally, type ObservedRequest } from '../../../../src/callbacks/callback-listener';
import { Inspector } from '../../../../src/callbacks/inspector/inspector';
import { AC } from '../callback-fixtures';

const TALLY = emptyListenerTally();

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

interface LiveStream {
  /** The type of each message so far. */
  events: string[];
  /** The rows the batches carried so far, by id. */
  rows: number[];
  /** Each message's data as received. */
  data: string[];
  ended: () => boolean;
  close: () => void;
}

/** The page's live stream, open once its headers arrive. */
function openStream(inspector: Inspector): Promise<LiveStream> {
  const url = new URL(inspector.url);
  return new Promise((resolve, reject) => {
    const request = http.get(
      `http://127.0.0.1:${url.port}/api/events${url.search}`,
      { headers: { host: `127.0.0.1:${url.port}` } },
      (response: IncomingMessage) => {
        const stream: LiveStream = {
          events: [],
          rows: [],
          data: [],
          ended: () => ended,
          close: () => request.destroy(),
        };
        let text = '';
        let ended = false;
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
          const messages = text.split('\n\n');
          text = messages.pop() as string;
          for (const one of messages) {
            const type = /^event: (\S+)/m.exec(one)?.[1] ?? '';
            const data = /^data: (.*)$/m.exec(one)?.[1] ?? '';
            stream.events.push(type);
            stream.data.push(data);
            if (type === 'rows')
              stream.rows.push(...(JSON.parse(data) as { rows: Array<{ id: number }> }).rows.map((row) => row.id));
          }
        });
        response.on('close', () => (ended = true));
        resolve(stream);
      },
    );
    request.on('error', reject);
  });
}

/** A GET of the inspector's API with its token in the header, as the page makes it. */
async function get(inspector: Inspector, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(inspector.url);
  const token = url.searchParams.get('token') as string;
  const response = await fetch(`http://127.0.0.1:${url.port}${path}`, { headers: { 'x-inspector-token': token } });
  return { status: response.status, body: await response.text() };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('Inspector', function () {
  let inspector: Inspector;

  afterEach(async function () {
    await inspector?.close();
  });

  it('keeps no more rows or unsent rows than its limit, however many requests it is told of', async function () {
    inspector = await startInspector(50);
    const stream = await openStream(inspector);
    const most = { rows: 0, unsent: 0 };
    for (let index = 0; index < 2_000; index += 1) {
      inspector.request(observed(index));
      const held = inspector.held;
      most.rows = Math.max(most.rows, held.rows);
      most.unsent = Math.max(most.unsent, held.unsent);
    }
    stream.close();
    expect(most).to.deep.equal({ rows: 50, unsent: 50 });
  });

  it('sends a page every row of a batch larger than its socket’s buffer, without dropping the page', async function () {
    inspector = await startInspector(500);
    const stream = await openStream(inspector);
    for (let index = 0; index < 300; index += 1) inspector.request(observed(index, 1_000));
    await until(() => stream.rows.length === 300 || stream.ended());
    stream.close();
    expect(stream.rows).to.deep.equal(Array.from({ length: 300 }, (_, index) => index + 1));
  });

  it('sends the page a row of each request without its parameters, headers or body', async function () {
    inspector = await startInspector(10);
    const stream = await openStream(inspector);
    inspector.request(observed(1));
    await until(() => stream.rows.length === 1 || stream.ended());
    stream.close();
    expect(stream.data.join('\n')).not.to.include('Padding');
  });

  it('answers a kept request’s details, parameters included, to a GET with the token', async function () {
    inspector = await startInspector(10);
    inspector.request(observed(1));
    const answer = await get(inspector, '/api/requests/1');
    expect([answer.status, JSON.parse(answer.body).params[3][0]]).to.deep.equal([200, 'Padding']);
  });

  it('answers 404 for the details of a request no longer kept', async function () {
    inspector = await startInspector(1);
    inspector.request(observed(1));
    inspector.request(observed(2));
    expect((await get(inspector, '/api/requests/1')).status).to.equal(404);
  });

  it('finds the kept requests whose parameters contain a text', async function () {
    inspector = await startInspector(10);
    for (let index = 0; index < 3; index += 1) inspector.request(observed(index));
    const answer = await get(inspector, `/api/search?text=RecordingSid%3DRE${'1'.padStart(32, '0')}`);
    expect(JSON.parse(answer.body)).to.deep.equal({ ids: [2], upTo: 3 });
  });
});
