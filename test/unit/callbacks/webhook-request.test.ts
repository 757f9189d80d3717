import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookClient } from '../../../src/callbacks/webhook-request';

/**
 * A handler that closes the connection under the request numbered `resetAt` on a connection (1 for
 * the first), as a server closing an idle kept-alive connection does, and answers every other one.
 */
async function startHandler(resetAt: number): Promise<{ url: string; received: () => number; server: Server }> {
  let received = 0;
  const onConnection = new WeakMap<object, number>();
  const server = createServer((req, res) => {
    received += 1;
    const count = (onConnection.get(req.socket) ?? 0) + 1;
    onConnection.set(req.socket, count);
    req.resume();
    req.on('end', () => (count === resetAt ? req.socket.destroy() : res.end('ok')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received: () => received, server };
}

const request = (url: string) => ({ method: 'POST' as const, url, headers: {}, body: 'RecordingSid=RE1' });

describe('WebhookClient', function () {
  let client: WebhookClient;
  let server: Server | undefined;

  beforeEach(function () {
    client = new WebhookClient();
  });

  afterEach(async function () {
    client.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('sends a request again on a new connection when a kept-alive one is closed under it', async function () {
    const handler = await startHandler(2);
    server = handler.server;
    await client.send(request(handler.url));
    const answer = await client.send(request(handler.url));
    expect([answer.status, handler.received()]).to.deep.equal([200, 3]);
  });

  it('sends a request only once when its own new connection is closed under it', async function () {
    const handler = await startHandler(1);
    server = handler.server;
    const failed = await client.send(request(handler.url)).then(
      () => undefined,
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect([failed, handler.received()]).to.deep.equal(['ECONNRESET', 1]);
  });
});
