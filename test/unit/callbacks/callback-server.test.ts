import { expect } from 'chai';
import { connect, createServer, type AddressInfo } from 'node:net';
import { CallbackServer } from '../../../src/callbacks/callback-server';
import { BadInputError } from '../../../src/errors';

async function failure(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => expect.fail('listened'),
    (error: unknown) => error as Error,
  );
}

describe('CallbackServer', () => {
  it('drops a request whose caller goes away mid-body, without handling half a callback', async () => {
    let handled = 0;
    const server = new CallbackServer({
      host: '127.0.0.1',
      port: 0,
      handle: async () => {
        handled += 1;
        return { status: 204 };
      },
    });
    const { port } = await server.start();
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /recording-status HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
            'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nRecordingSid=RE',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.stop();
    expect(handled).to.equal(0);
  });

  describe('an address it cannot listen on', () => {
    it('names a port in use and says to pick another with --port', async () => {
      const taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as AddressInfo).port;
      try {
        const server = new CallbackServer({ host: '127.0.0.1', port, handle: async () => ({ status: 204 }) });
        for (const error of [
          await failure(CallbackServer.checkAddress('127.0.0.1', port)),
          await failure(server.start()),
        ]) {
          expect(error).to.be.instanceOf(BadInputError);
          expect(error.message).to.equal(
            `Cannot listen on 127.0.0.1:${port}: another program is using port ${port}. Stop it, or pick another port with --port (0 for any free port).`,
          );
        }
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    });

    it('says a host that is no IP address and no name is not one of this machine, without asking DNS', async () => {
      const error = await failure(CallbackServer.checkAddress('999.1.1.1', 3000));
      expect(error).to.be.instanceOf(BadInputError);
      expect(error.message).to.match(
        /^Cannot listen on 999\.1\.1\.1:3000: "999\.1\.1\.1" is not an IP address or a name this machine resolves; give --host an address of this machine: 127\.0\.0\.1 .* or 0\.0\.0\.0 /,
      );
    });

    it("says an address of another machine is not one of this machine's", async () => {
      const error = await failure(CallbackServer.checkAddress('192.0.2.1', 3000));
      expect(error).to.be.instanceOf(BadInputError);
      expect(error.message).to.match(
        /^Cannot listen on 192\.0\.2\.1:3000: the address is not one of this machine's; give --host/,
      );
    });

    it('escapes control characters of the host it quotes', async () => {
      const error = await failure(CallbackServer.checkAddress('1.2.3.4.5\u001b[2J', 3000));
      expect(error.message).to.include('\\x1b[2J').and.not.include('\u001b');
    });
  });
});
