import { expect } from 'chai';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionPool } from '../../../src/twilio/connection-pool';
import { nodeTransport, readBody, readLentBody, type HttpTransport } from '../../../src/twilio/http-transport';
import { isTransientNetworkError } from '../../../src/twilio/retry-policy';

describe('nodeTransport', () => {
  let server: Server;
  let origin: string;
  let pool: ConnectionPool;
  let transport: HttpTransport;
  let seen: { method?: string; url?: string; headers?: IncomingHttpHeaders };

  beforeEach(async () => {
    seen = {};
    server = createServer((req, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers };
      if (req.url === '/redirect') {
        res.writeHead(302, { Location: 'https://media.example.com/x' }).end();
      } else if (req.url === '/error') {
        res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"code":20500}');
      } else if (req.url === '/silent') {
        // Never answers.
      } else if (req.url === '/chunks') {
        res.writeHead(200);
        let sent = 0;
        const more = () => {
          if (sent === 40) return void res.end();
          res.write(Buffer.alloc(1000, sent % 256));
          sent += 1;
          setImmediate(more);
        };
        more();
      } else if (req.url === '/cut') {
        res.writeHead(200, { 'Content-Length': '1000' });
        res.write(Buffer.alloc(100));
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.writeHead(200, { 'Content-Type': 'audio/x-wav', 'Set-Cookie': ['a=1', 'b=2'] }).end('RIFF');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    pool = new ConnectionPool({ proxyFor: () => undefined });
    transport = nodeTransport('recordings-test/1.0', pool);
  });

  afterEach(async () => {
    pool.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, user agent and basic credentials, and streams the answer back', async () => {
    const response = await transport.send({
      method: 'GET',
      url: `${origin}/media`,
      auth: { username: 'AC123', password: 'secret' },
    });
    expect(response.status).to.equal(200);
    expect(response.headers['content-type']).to.equal('audio/x-wav');
    expect(response.headers['set-cookie']).to.equal('a=1, b=2');
    expect((await readBody(response.body)).toString()).to.equal('RIFF');
    expect(seen.method).to.equal('GET');
    expect(seen.headers?.['user-agent']).to.equal('recordings-test/1.0');
    expect(seen.headers?.authorization).to.equal(`Basic ${Buffer.from('AC123:secret').toString('base64')}`);
  });

  it('sends no Authorization header without credentials', async () => {
    const response = await transport.send({ method: 'DELETE', url: `${origin}/media` });
    await readBody(response.body);
    expect(seen.method).to.equal('DELETE');
    expect(seen.headers).not.to.have.property('authorization');
  });

  it('returns error statuses and redirects as they are, without throwing or following them', async () => {
    const failed = await transport.send({ method: 'GET', url: `${origin}/error` });
    expect(failed.status).to.equal(500);
    expect((await readBody(failed.body)).toString()).to.equal('{"code":20500}');
    const redirected = await transport.send({ method: 'GET', url: `${origin}/redirect` });
    expect(redirected.status).to.equal(302);
    expect(redirected.headers.location).to.equal('https://media.example.com/x');
    expect(seen.url).to.equal('/redirect');
  });

  it('gives up on a silent server with a transient timeout', async () => {
    const error = await transport.send({ method: 'GET', url: `${origin}/silent`, timeoutMs: 50 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((error as NodeJS.ErrnoException).code).to.equal('ETIMEDOUT');
    expect(isTransientNetworkError(error)).to.equal(true);
  });

  it('fails a body cut short with a transient error', async () => {
    const response = await transport.send({ method: 'GET', url: `${origin}/cut` });
    const error = await readBody(response.body).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(Error);
    expect(isTransientNetworkError(error)).to.equal(true);
  });

  it('reads a body of many chunks whole into a lent buffer larger than its size hint', async () => {
    const response = await transport.send({ method: 'GET', url: `${origin}/chunks` });
    const body = await readLentBody(response.body, 100);
    const expected = Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.alloc(1000, i)));
    expect(body.bytes.subarray(0, body.size).equals(expected)).to.equal(true);
    body.release();
  });

  it('fails a lent body cut short with a transient error', async () => {
    const response = await transport.send({ method: 'GET', url: `${origin}/cut` });
    const error = await readLentBody(response.body).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isTransientNetworkError(error)).to.equal(true);
  });

  it('refuses a lent body larger than its limit', async () => {
    const response = await transport.send({ method: 'GET', url: `${origin}/chunks` });
    const error = await readLentBody(response.body, 0, 10_000).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((error as Error).message).to.equal('response body larger than 10000 bytes');
  });

  it('fails a refused connection with an error that is not transient', async () => {
    const closed = origin;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    server = createServer();
    server.listen(0);
    const error = await transport.send({ method: 'GET', url: `${closed}/media` }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((error as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
    expect(isTransientNetworkError(error)).to.equal(false);
  });
});
