import { expect } from 'chai';
import { connect } from 'node:net';
import { CallbackServer } from '../../../src/callbacks/callback-server';

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
});
