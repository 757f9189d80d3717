import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killRunningListeners, RunningListener } from './running-listener';
import { TwilioWorld } from './twilio-world';

interface Answer {
  status: number;
  body: string;
}

/** A raw request, so that Host and Origin are exactly what a test says. */
function send(
  url: URL,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, method, path, headers: { host: url.host, ...headers } },
      (answer) => {
        let text = '';
        answer.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
          // The event stream stays open: its first bytes are enough.
          if (answer.headers['content-type']?.startsWith('text/event-stream')) answer.destroy();
        });
        answer.on('close', () => resolve({ status: answer.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const ENDPOINTS: Array<[method: string, path: string]> = [
  ['GET', '/'],
  ['GET', '/inspector.js'],
  ['GET', '/inspector.css'],
  ['GET', '/api/state'],
  ['GET', '/api/events'],
  ['GET', '/api/requests/1'],
  ['GET', '/api/search?text=completed'],
  ['GET', '/favicon.svg'],
  ['POST', '/api/replay'],
  ['POST', '/api/send'],
  ['GET', '/no-such-page'],
];

describe('listen --inspect: who may use the page', function () {
  let world: TwilioWorld;
  let listener: RunningListener;
  let page: URL;
  let token: string;

  before(async function () {
    world = await TwilioWorld.start({ subaccounts: 0 });
    listener = await RunningListener.start(world, ['--inspect'], world.authTokenEnv);
    page = new URL(listener.inspectorUrl);
    token = page.searchParams.get('token') as string;
  });

  after(async function () {
    await listener?.stop();
    killRunningListeners();
    await world?.close();
  });

  it('serves the page and its live stream to whoever has the token', async function () {
    expect((await send(page, 'GET', `/?token=${token}`)).status).to.equal(200);
    const stream = await send(page, 'GET', `/api/events?token=${token}`);
    expect(stream.status).to.equal(200);
    expect(stream.body).to.match(/^retry: \d+\nevent: snapshot\n/);
  });

  for (const [method, path] of ENDPOINTS) {
    it(`answers ${method} ${path} without the token with 401`, async function () {
      const json: Record<string, string> =
        method === 'POST' ? { 'content-type': 'application/json', origin: page.origin } : {};
      const answer = await send(page, method, path, json, method === 'POST' ? '{"id":1,"event":"completed"}' : '');
      expect(answer.status).to.equal(401);
      expect(answer.body).not.to.include(token);
    });
  }

  it('refuses a wrong token of the right length', async function () {
    const wrong = token.replace(/^./, (char) => (char === 'A' ? 'B' : 'A'));
    expect((await send(page, 'GET', `/api/state?token=${wrong}`)).status).to.equal(401);
  });

  it('refuses a request naming another Host, as a DNS-rebinding page would, even with the token', async function () {
    const answer = await send(page, 'GET', `/api/state?token=${token}`, { host: `attacker.example:${page.port}` });
    expect(answer.status).to.equal(403);
  });

  it('refuses a request’s details to another Origin, even with the token in the header', async function () {
    const answer = await send(page, 'GET', '/api/requests/1', {
      'x-inspector-token': token,
      origin: 'https://attacker.example',
    });
    expect(answer.status).to.equal(403);
  });

  it('refuses a request from another Origin, even with the token', async function () {
    const answer = await send(page, 'GET', `/api/state?token=${token}`, { origin: 'https://attacker.example' });
    expect(answer.status).to.equal(403);
  });

  it('refuses a cross-site POST that carries the token', async function () {
    const answer = await send(
      page,
      'POST',
      '/api/send',
      { 'content-type': 'application/json', 'x-inspector-token': token, origin: 'https://attacker.example' },
      '{"event":"completed"}',
    );
    expect(answer.status).to.equal(403);
  });

  it('refuses a POST with the token in the URL instead of the header', async function () {
    const answer = await send(
      page,
      'POST',
      `/api/send?token=${token}`,
      { 'content-type': 'application/json', origin: page.origin },
      '{"event":"completed"}',
    );
    expect(answer.status).to.equal(401);
  });

  it('refuses a POST without an Origin, as a page of its own would send it', async function () {
    const answer = await send(
      page,
      'POST',
      '/api/send',
      { 'content-type': 'application/json', 'x-inspector-token': token },
      '{"event":"completed"}',
    );
    expect(answer.status).to.equal(403);
  });

  it('forbids inline script and framing on every answer', async function () {
    const answer = await new Promise<string>((resolve, reject) => {
      request({ host: page.hostname, port: page.port, path: `/?token=${token}` }, (response) =>
        resolve(String(response.headers['content-security-policy'])),
      )
        .on('error', reject)
        .end();
    });
    expect(answer).to.include("script-src 'self'").and.to.include("frame-ancestors 'none'");
    expect(answer).not.to.include('unsafe-inline');
  });
});

describe('listen --inspect: starting', function () {
  let world: TwilioWorld;
  let scratch: string;

  before(async function () {
    world = await TwilioWorld.start({ subaccounts: 0 });
    scratch = mkdtempSync(join(tmpdir(), 'inspect-'));
  });

  afterEach(killRunningListeners);

  after(async function () {
    await world?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('says in one line that the inspector port is taken, and exits 2', async function () {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = await world.run(
        ['recordings:callbacks:listen', '--port', '0', '--inspect', '--inspect-port', String(port)],
        { env: world.authTokenEnv },
      );
      expect(run.status).to.equal(2);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.include(`127.0.0.1:${port}: another program is using the port`);
    } finally {
      taken.close();
    }
  });

  it('loads none of the inspector without --inspect', async function () {
    const loaded = join(scratch, 'loaded.txt');
    const probe = join(scratch, 'probe.js');
    writeFileSync(
      probe,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(loaded)}, Object.keys(require.cache).join('\\n')));\n`,
    );
    const listener = await RunningListener.start(world, [], {
      ...world.authTokenEnv,
      NODE_OPTIONS: `--require ${probe}`,
    });
    await listener.stop();
    const modules = readFileSync(loaded, 'utf8').split('\n');
    expect(modules.some((path) => path.includes('listen-session'))).to.equal(true);
    expect(modules.filter((path) => /inspector|playwright/.test(path))).to.deep.equal([]);
  });
});
