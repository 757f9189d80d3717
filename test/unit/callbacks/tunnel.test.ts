import { expect } from 'chai';
import { BadInputError, OperationFailedError } from '../../../src/errors';
import {
  LocalOnly,
  NgrokTunnelOpener,
  parsePublicUrl,
  UserPublicUrl,
  type NgrokModule,
} from '../../../src/callbacks/tunnel';

/** Stands in for `@ngrok/ngrok` at its boundary: records what it was asked and answers like it. */
function fakeNgrok(behaviour: { url?: string | null; refuse?: string } = {}) {
  const calls: Array<{ addr: string | number; authtoken?: string }> = [];
  let closed = 0;
  const module: NgrokModule = {
    async forward(config) {
      calls.push(config);
      if (behaviour.refuse) throw new Error(behaviour.refuse);
      return {
        url: () => (behaviour.url === undefined ? 'https://a1b2.ngrok.app' : behaviour.url),
        close: async () => void (closed += 1),
      };
    },
  };
  return { module, calls, closed: () => closed };
}

describe('NgrokTunnelOpener', () => {
  it('forwards the local address with the authtoken and closes the listener', async () => {
    const ngrok = fakeNgrok();
    const tunnel = await new NgrokTunnelOpener('tok_123', () => ngrok.module).open({ host: '127.0.0.1', port: 4321 });
    expect(tunnel.publicUrl).to.equal('https://a1b2.ngrok.app');
    expect(ngrok.calls).to.deep.equal([{ addr: '127.0.0.1:4321', authtoken: 'tok_123', proto: 'http' }]);
    await tunnel.close();
    expect(ngrok.closed()).to.equal(1);
  });

  it('says to set NGROK_AUTHTOKEN when there is none, before loading the package', () => {
    let loaded = false;
    const opener = new NgrokTunnelOpener(undefined, () => {
      loaded = true;
      return fakeNgrok().module;
    });
    expect(() => opener.prepare()).to.throw(BadInputError, /set NGROK_AUTHTOKEN/);
    expect(loaded).to.equal(false);
  });

  it('says how to install @ngrok/ngrok when it is missing', () => {
    const opener = new NgrokTunnelOpener('tok', () => {
      throw Object.assign(new Error("Cannot find module '@ngrok/ngrok'"), { code: 'MODULE_NOT_FOUND' });
    });
    expect(() => opener.prepare()).to.throw(
      BadInputError,
      /optional package @ngrok\/ngrok, which is not installed: install it with "npm install --no-save @ngrok\/ngrok"/,
    );
  });

  it('reports a refusal from ngrok with what to check', async () => {
    const opener = new NgrokTunnelOpener(
      'bad',
      () => fakeNgrok({ refuse: 'authentication failed: ERR_NGROK_105' }).module,
    );
    try {
      await opener.open({ host: '127.0.0.1', port: 1 });
      expect.fail('should have thrown');
    } catch (error) {
      expect(error).to.be.instanceOf(OperationFailedError);
      expect((error as Error).message).to.match(
        /ngrok refused to open a tunnel \(authentication failed: ERR_NGROK_105\): check NGROK_AUTHTOKEN/,
      );
    }
  });

  it("keeps ngrok's refusal on one line, escaped", async () => {
    const opener = new NgrokTunnelOpener('bad', () => fakeNgrok({ refuse: 'failed\n\u001b[2Jfake line' }).module);
    const error = await opener.open({ host: '127.0.0.1', port: 1 }).then(
      () => expect.fail('should have thrown'),
      (failure: unknown) => failure as Error,
    );
    expect(error.message).to.include('(failed\\n\\x1b[2Jfake line)');
    expect(error.message).to.not.include('\n').and.not.include('\u001b');
  });

  it('closes a tunnel that came without a URL', async () => {
    const ngrok = fakeNgrok({ url: null });
    const opener = new NgrokTunnelOpener('tok', () => ngrok.module);
    await opener.open({ host: '127.0.0.1', port: 1 }).then(
      () => expect.fail('should have thrown'),
      (error: Error) => expect(error.message).to.match(/without a public URL/),
    );
    expect(ngrok.closed()).to.equal(1);
  });
});

describe('other tunnels', () => {
  it('names the local address when there is no tunnel', async () => {
    expect((await new LocalOnly().open({ host: '127.0.0.1', port: 3000 })).publicUrl).to.equal('http://127.0.0.1:3000');
    expect((await new LocalOnly().open({ host: '::1', port: 3000 })).publicUrl).to.equal('http://[::1]:3000');
  });

  it('keeps the origin and path prefix of --public-url and refuses URLs it cannot use', async () => {
    expect((await new UserPublicUrl('https://hooks.example.com/').open()).publicUrl).to.equal(
      'https://hooks.example.com',
    );
    expect(parsePublicUrl('https://example.com:8443/twilio/')).to.equal('https://example.com:8443/twilio');
    expect(() => parsePublicUrl('example.com')).to.throw(BadInputError, /--public-url/);
    expect(() => parsePublicUrl('https://example.com/?a=1')).to.throw(BadInputError, /without query/);
    expect(() => parsePublicUrl('ftp://example.com')).to.throw(BadInputError);
  });
});
