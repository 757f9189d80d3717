import { expect } from 'chai';
import { generateKeyPairSync, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest, type Server as HttpsServer } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import twilio from 'twilio';
import { expectedMedia } from '../../sandbox';
import { completedCallbackParams, killRunningListeners, RunningListener } from './running-listener';
import { pluginCopy, TwilioWorld } from './twilio-world';
import {
  close,
  listen,
  readAnswer,
  send,
  startCountingServer,
  startExpressHandler,
  type Answer,
} from '../unit/callbacks/callback-fixtures';

/** A self-signed certificate for `host`, made with node-forge. */
function selfSignedCertificate(host: string): { key: string; cert: string } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: host }]);
  cert.setIssuer([{ name: 'commonName', value: host }]);
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: host }] }]);
  cert.sign(forgeKey, forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}

/**
 * Stands in for a tunnel: terminates TLS for `tunnel.example.test` on its own port and relays each
 * request, over plain HTTP, to the listener's port (set once the listener runs).
 */
async function startTlsTunnel(): Promise<{ port: number; target: { port: number }; server: HttpsServer }> {
  const target = { port: 0 };
  const server = createHttpsServer(selfSignedCertificate('tunnel.example.test'), (req, res) => {
    const relay = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-proto': 'https' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    relay.on('error', () => res.writeHead(502).end());
    req.pipe(relay);
  });
  await listen(server as never);
  return { port: (server.address() as AddressInfo).port, target, server };
}

/** POSTs a form to the TLS tunnel as Twilio would reach it by name. */
function postThroughTunnel(
  port: number,
  path: string,
  params: Record<string, string>,
  signature: string,
): Promise<Answer> {
  const body = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        servername: 'tunnel.example.test',
        rejectUnauthorized: false,
        headers: {
          host: `tunnel.example.test:${port}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(Buffer.byteLength(body)),
          'x-twilio-signature': signature,
        },
      },
      (res) => {
        readAnswer(res).then(resolve, reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('recordings:callbacks (real twilio binary)', function () {
  this.timeout(120_000);
  let world: TwilioWorld;
  let tokenEnv: Record<string, string>;
  let scratch: string;

  before(async () => {
    world = await TwilioWorld.start({ subaccounts: 1 });
    tokenEnv = world.authTokenEnv;
    scratch = mkdtempSync(join(tmpdir(), 'callbacks-e2e-'));
  });

  afterEach(killRunningListeners);

  after(async () => {
    await world?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const callbackParams = (overrides: Record<string, string> = {}) =>
    completedCallbackParams(world.sandbox.account.sid, overrides);

  describe('send', () => {
    it('makes callbacks that a twilio.webhook() handler accepts, by POST and by GET, and exits 0', async () => {
      const handler = await startExpressHandler(world.sandbox.account.authToken);
      try {
        const post = await world.run(['recordings:callbacks:send', handler.url, '--event', 'all'], { env: tokenEnv });
        const get = await world.run(
          ['recordings:callbacks:send', handler.url, '--event', 'all', '--method', 'GET', '-o', 'json'],
          { env: tokenEnv },
        );
        expect(post.status, post.stderr).to.equal(0);
        expect(post.stdout.match(/^(in-progress|completed|absent|failed)\s+200\s/gm)).to.have.length(4);
        expect(get.status, get.stderr).to.equal(0);
        const report = JSON.parse(get.stdout) as Array<{
          event: string;
          status: number;
          body: string;
          latencyMs: number;
        }>;
        expect(report.map((r) => [r.event, r.status])).to.deep.equal([
          ['in-progress', 200],
          ['completed', 200],
          ['absent', 200],
          ['failed', 200],
        ]);
        expect(report[1]!.body).to.match(/^stored RE[0-9a-f]{32}$/);
        expect(handler.received.map((r) => [r.method, r.params.RecordingStatus, r.params.ErrorCode])).to.deep.equal([
          ['POST', 'in-progress', '0'],
          ['POST', 'completed', '0'],
          ['POST', 'absent', '16101'],
          ['POST', 'failed', '16104'],
          ['GET', 'in-progress', '0'],
          ['GET', 'completed', '0'],
          ['GET', 'absent', '16101'],
          ['GET', 'failed', '16104'],
        ]);
        expect(handler.received.every((r) => r.params.AccountSid === world.sandbox.account.sid)).to.equal(true);
      } finally {
        await handler.close();
      }
    });

    it('exits 1 when the handler rejects a tampered signature (403)', async () => {
      const handler = await startExpressHandler(world.sandbox.account.authToken);
      try {
        const run = await world.run(['recordings:callbacks:send', handler.url, '--auth-token', 'f'.repeat(32)], {
          env: tokenEnv,
        });
        expect(run.status).to.equal(1);
        expect(run.stdout).to.match(/completed\s+403\s.*Twilio Request Validation Failed/);
        expect(run.stderr).to.match(/1 answered with a non-2xx status \(403\) of 1 callbacks/);
        expect(handler.received).to.have.length(0);
      } finally {
        await handler.close();
      }
    });

    it('exits 1 with a clear line when the URL cannot be reached, and 2 for an invalid URL', async () => {
      const gone = await startCountingServer();
      await gone.close();
      const unreachable = await world.run(['recordings:callbacks:send', `${gone.url}/hook`], { env: tokenEnv });
      expect(unreachable.status).to.equal(1);
      expect(unreachable.stderr).to.match(
        /Could not reach http:\/\/127\.0\.0\.1:\d+\/hook \(.*ECONNREFUSED.*\): check that your handler is running/,
      );
      const invalid = await world.run(['recordings:callbacks:send', 'not-a-url'], { env: tokenEnv });
      expect(invalid.status).to.equal(2);
      expect(invalid.stderr).to.match(/Invalid URL "not-a-url"/);
    });

    it('exits 2 explaining --auth-token when the profile holds only an API key', async () => {
      const home = world.home;
      const { sid, apiKeySid, apiKeySecret } = world.sandbox.account;
      world.writeProfile('keys', { accountSid: sid, apiKey: apiKeySid, apiSecret: apiKeySecret });
      try {
        const sent = await world.run(['recordings:callbacks:send', 'http://127.0.0.1:9/hook', '-p', 'keys']);
        expect(sent.status).to.equal(2);
        expect(sent.stderr).to.match(/pass --auth-token \(or set TWILIO_AUTH_TOKEN\)/);
        const listened = await world.run(['recordings:callbacks:listen', '--port', '0', '-p', 'keys']);
        expect(listened.status).to.equal(2);
        expect(listened.stderr).to.match(
          /API key, which cannot verify: pass --auth-token \(or set TWILIO_AUTH_TOKEN\), or turn verification off with --no-verify/,
        );
      } finally {
        rmSync(join(home, '.twilio-cli', 'config.json'), { force: true });
      }
    });
  });

  describe('listen', () => {
    it("forwards send's callbacks, re-signed, to a twilio.webhook() handler and shows its answers; Ctrl-C prints the summary and exits 0", async () => {
      const handler = await startExpressHandler(world.sandbox.account.authToken);
      const logFile = join(scratch, 'forward.jsonl');
      try {
        const listener = await RunningListener.start(world, ['--forward-to', handler.url, '--log', logFile], tokenEnv);
        const sent = await world.run(['recordings:callbacks:send', listener.localUrl, '--event', 'all'], {
          env: tokenEnv,
        });
        expect(sent.status, sent.stderr + sent.stdout).to.equal(0);
        expect(sent.stdout.match(/\s200\s/g)).to.have.length(4);
        const tampered = await send(
          listener.localUrl,
          'POST',
          { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
          new URLSearchParams(callbackParams()).toString(),
        );
        expect(tampered.status).to.equal(403);
        const stopped = await listener.stop();
        expect(stopped.status, stopped.stderr).to.equal(0);
        expect(handler.received.map((r) => r.params.RecordingStatus)).to.deep.equal([
          'in-progress',
          'completed',
          'absent',
          'failed',
        ]);
        expect(stopped.stdout.match(/→ handler answered 200 in \d+ ms: stored RE/g)).to.have.length(4);
        expect(stopped.stdout).to.match(/absent .* error 16101 \(recording too short\)/);
        expect(stopped.stdout).to.match(/rejected\s+403 POST \/recording-status/);
        expect(stopped.stderr).to.match(
          /Received 5 requests: 4 verified, 1 rejected, 4 forwarded, 0 downloaded, 0 deleted\./,
        );

        // The log replays into the handler, re-signed for its URL, by send --replay.
        const replayed = await world.run(
          ['recordings:callbacks:send', handler.url, '--replay', logFile, '-o', 'json'],
          { env: tokenEnv },
        );
        expect(replayed.status, replayed.stderr).to.equal(0);
        expect(
          (JSON.parse(replayed.stdout) as Array<{ event: string; status: number }>).map((r) => [r.event, r.status]),
        ).to.deep.equal([
          ['replay 1 (in-progress)', 200],
          ['replay 2 (completed)', 200],
          ['replay 3 (absent)', 200],
          ['replay 4 (failed)', 200],
        ]);
        expect(readFileSync(logFile, 'utf8')).to.not.include(world.sandbox.account.authToken);
      } finally {
        await handler.close();
      }
    });

    it('accepts callbacks signed for the public URL behind a TLS-terminating tunnel that rewrites scheme and host, and rejects forged ones', async () => {
      const tunnel = await startTlsTunnel();
      try {
        const publicOrigin = `https://tunnel.example.test:${tunnel.port}`;
        const listener = await RunningListener.start(world, ['--public-url', publicOrigin, '-o', 'json'], tokenEnv);
        tunnel.target.port = Number(new URL(listener.localUrl).port);
        expect(listener.callbackUrl).to.equal(`${publicOrigin}/recording-status`);
        const params = callbackParams();
        const token = world.sandbox.account.authToken;
        const genuine = twilio.getExpectedTwilioSignature(token, `${publicOrigin}/recording-status?tenant=1`, params);
        const forged = twilio.getExpectedTwilioSignature(
          '0'.repeat(32),
          `${publicOrigin}/recording-status?tenant=1`,
          params,
        );
        const signedForLocal = twilio.getExpectedTwilioSignature(
          token,
          `http://tunnel.example.test:${tunnel.port}/recording-status?tenant=1`,
          params,
        );
        expect((await postThroughTunnel(tunnel.port, '/recording-status?tenant=1', params, genuine)).status).to.equal(
          204,
        );
        expect((await postThroughTunnel(tunnel.port, '/recording-status?tenant=1', params, forged)).status).to.equal(
          403,
        );
        expect(
          (await postThroughTunnel(tunnel.port, '/recording-status?tenant=1', params, signedForLocal)).status,
        ).to.equal(403);
        expect((await postThroughTunnel(tunnel.port, '/recording-status?tenant=2', params, genuine)).status).to.equal(
          403,
        );
        const stopped = await listener.stop();
        expect(stopped.status).to.equal(0);
        const lines = stopped.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { verdict: string; status: number; event?: { recordingSid: string } });
        expect(lines.map((l) => [l.verdict, l.status])).to.deep.equal([
          ['accepted', 204],
          ['rejected', 403],
          ['rejected', 403],
          ['rejected', 403],
        ]);
        expect(lines[0]!.event?.recordingSid).to.equal(params.RecordingSid);
        expect(stopped.stderr).to.match(/Received 4 requests: 1 verified, 3 rejected/);
      } finally {
        await close(tunnel.server as never);
      }
    });

    it('never contacts the host a RecordingUrl names, verified or with --no-verify, and sends no credentials there', async () => {
      const elsewhere = await startCountingServer();
      try {
        const recording = world.sandbox.store.addRecording({
          accountSid: world.sandbox.account.sid,
          status: 'completed',
          durationSeconds: 1,
          channels: 1,
        });
        const params = callbackParams({
          RecordingSid: recording.sid,
          RecordingUrl: `${elsewhere.url}/2010-04-01/Accounts/${recording.accountSid}/Recordings/${recording.sid}`,
        });
        for (const extra of [[], ['--no-verify']]) {
          const listener = await RunningListener.start(
            world,
            ['--download-dir', join(scratch, `elsewhere-${extra.length}`), ...extra],
            tokenEnv,
          );
          const url = listener.localUrl;
          const signature = twilio.getExpectedTwilioSignature(world.sandbox.account.authToken, url, params);
          const answer = await send(
            url,
            'POST',
            { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
            new URLSearchParams(params).toString(),
          );
          expect(answer.status).to.equal(204);
          await listener.waitForStdout(/↓ RE[0-9a-f]{32} saved/);
          const stopped = await listener.stop();
          expect(stopped.status).to.equal(0);
          expect(stopped.stdout).to.match(
            /! RecordingUrl points at 127\.0\.0\.1:\d+, not at Twilio's API; it is not used/,
          );
          if (extra.length > 0) expect(stopped.stderr).to.match(/Signature verification is off/);
        }
        expect(elsewhere.requests()).to.equal(0);
      } finally {
        await elsewhere.close();
      }
    });

    it('downloads a completed recording as its callback arrives and deletes it from Twilio once the file is verified', async () => {
      const recording = world.sandbox.store.addRecording({
        accountSid: world.sandbox.account.sid,
        status: 'completed',
        durationSeconds: 4,
        channels: 2,
      });
      const dir = join(scratch, 'downloads');
      const listener = await RunningListener.start(
        world,
        ['--download-dir', dir, '--layout', '{sid}.{ext}', '--delete-after-download'],
        tokenEnv,
      );
      const sent = await world.run(['recordings:callbacks:send', listener.localUrl, '--recording-sid', recording.sid], {
        env: tokenEnv,
      });
      expect(sent.status, sent.stderr).to.equal(0);
      await listener.waitForStdout(/deleted from Twilio/);
      const stopped = await listener.stop();
      expect(stopped.status, stopped.stderr).to.equal(0);
      const file = join(dir, `${recording.sid}.wav`);
      const expected = expectedMedia(recording, 'wav');
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).to.equal(expected.sha256);
      expect(world.sandbox.store.getRecording(recording.sid)?.status).to.equal('deleted');
      expect(stopped.stdout).to.include(
        `${recording.sid} saved to ${file} (${expected.bytes} bytes, deleted from Twilio)`,
      );
      expect(stopped.stderr).to.match(/1 verified, 0 rejected, 0 forwarded, 1 downloaded, 1 deleted/);
    });
  });

  describe('listen --tunnel ngrok', () => {
    it('says to set NGROK_AUTHTOKEN, exiting 2 before listening', async () => {
      const noToken = await world.run(['recordings:callbacks:listen', '--port', '0', '--tunnel', 'ngrok'], {
        env: { ...tokenEnv, NGROK_AUTHTOKEN: undefined },
      });
      expect(noToken.status).to.equal(2);
      expect(noToken.stderr).to.match(/needs an ngrok authtoken: set NGROK_AUTHTOKEN/);
      expect(noToken.stderr).to.not.match(/Listening on/);
    });

    it('says how to install @ngrok/ngrok where the optional package is missing, exiting 2 before listening', async () => {
      const withoutNgrok = await TwilioWorld.start(
        {},
        { pluginRoot: pluginCopy(['@ngrok/ngrok', '@ngrok/ngrok-linux-x64-gnu']) },
      );
      try {
        const notInstalled = await withoutNgrok.run(
          ['recordings:callbacks:listen', '--port', '0', '--tunnel', 'ngrok'],
          {
            env: { ...withoutNgrok.authTokenEnv, NGROK_AUTHTOKEN: 'tok' },
          },
        );
        expect(notInstalled.status).to.equal(2);
        expect(notInstalled.stderr).to.match(/needs the optional package @ngrok\/ngrok, which is not installed/);
        expect(notInstalled.stderr).to.not.match(/Listening on/);
      } finally {
        await withoutNgrok.close();
      }
    });

    it('opens the tunnel through the @ngrok/ngrok package, verifies against its URL and closes it on Ctrl-C', async () => {
      // A stand-in for the package at its boundary, forward(): there is no internet to reach ngrok.
      const journal = join(scratch, 'ngrok-journal.txt');
      const fakeNgrok = {
        'package.json': JSON.stringify({ name: '@ngrok/ngrok', main: 'index.js' }),
        'index.js': `const fs = require('fs');
exports.forward = async (config) => {
  fs.appendFileSync(${JSON.stringify(journal)}, 'forward ' + config.addr + ' ' + config.authtoken + '\\n');
  return { url: () => 'https://fake-1234.ngrok.test', close: async () => fs.appendFileSync(${JSON.stringify(journal)}, 'close\\n') };
};`,
      };
      const ngrokWorld = await TwilioWorld.start(
        {},
        { pluginRoot: pluginCopy(['@ngrok/ngrok'], { '@ngrok/ngrok': fakeNgrok }) },
      );
      try {
        const listener = await RunningListener.start(ngrokWorld, ['--tunnel', 'ngrok'], {
          ...ngrokWorld.authTokenEnv,
          NGROK_AUTHTOKEN: 'tok_fake',
        });
        expect(listener.callbackUrl).to.equal('https://fake-1234.ngrok.test/recording-status');
        const params = callbackParams();
        const signature = twilio.getExpectedTwilioSignature(
          ngrokWorld.sandbox.account.authToken,
          listener.callbackUrl,
          params,
        );
        const body = new URLSearchParams(params).toString();
        const answer = await send(
          listener.localUrl,
          'POST',
          { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body,
        );
        expect(answer.status).to.equal(204);
        const stopped = await listener.stop();
        expect(stopped.status).to.equal(0);
        const port = new URL(listener.localUrl).port;
        expect(readFileSync(journal, 'utf8')).to.equal(`forward 127.0.0.1:${port} tok_fake\nclose\n`);
        expect(stopped.stderr).to.match(/Received 1 request: 1 verified/);
      } finally {
        await ngrokWorld.close();
      }
    });
  });
});
