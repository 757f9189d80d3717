import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordingSource } from '../../sandbox';
import {
  close,
  listen,
  postSigned,
  startExpressHandler,
  type ExpressHandler,
} from '../unit/callbacks/callback-fixtures';
import { completedCallbackParams, killRunningListeners, RunningListener } from './running-listener';
import { TwilioWorld, type TwilioRun } from './twilio-world';

/** What a terminal acts on instead of showing; stdout and stderr may hold only \t and \n of these. */
// eslint-disable-next-line no-control-regex -- these are the characters the output must not hold
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Clears the screen, sets the window title, and starts a line that looks like a callback the listener took. */
const HOSTILE =
  '\u001b[2J\u001b[H\u001b]0;pwned\u0007\r\n2026-01-14T09:30:05Z  completed    RE00000000000000000000000000000000  fake\u202e\u009b31m';

function expectPrintable(run: Pick<TwilioRun, 'stdout' | 'stderr'>): void {
  expect(run.stdout, 'stdout').to.not.match(UNSAFE);
  expect(run.stderr, 'stderr').to.not.match(UNSAFE);
}

/** A handler that answers every request 200 with a hostile body. */
async function startHostileHandler(): Promise<{ url: string; server: Server }> {
  const server = await listen(
    createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${HOSTILE}`));
    }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

describe('recordings:callbacks safety (real twilio binary)', function () {
  this.timeout(120_000);
  let world: TwilioWorld;
  let tokenEnv: Record<string, string>;
  let token: string;
  let scratch: string;
  const handlers: ExpressHandler[] = [];

  before(async () => {
    world = await TwilioWorld.start();
    tokenEnv = world.authTokenEnv;
    token = world.sandbox.account.authToken;
    scratch = mkdtempSync(join(tmpdir(), 'callbacks-safety-'));
  });

  afterEach(async () => {
    killRunningListeners();
    for (const handler of handlers.splice(0)) await handler.close();
  });

  after(async () => {
    await world?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function validatingHandler(): Promise<ExpressHandler> {
    const handler = await startExpressHandler(token);
    handlers.push(handler);
    return handler;
  }

  const params = (overrides: Record<string, string> = {}) =>
    completedCallbackParams(world.sandbox.account.sid, overrides);

  describe('listen --no-verify --forward-to', () => {
    it('forwards every request unsigned and marked, so a twilio.webhook() handler refuses forged and genuine alike', async () => {
      const handler = await validatingHandler();
      const listener = await RunningListener.start(world, ['--no-verify', '--forward-to', handler.url], tokenEnv);
      const url = listener.localUrl;
      const answers = [
        await postSigned(url, params(), { signature: null }),
        await postSigned(url, params(), { token: '0'.repeat(32) }),
        await postSigned(url, params(), { token }),
      ];
      const stopped = await listener.stop();
      expect(stopped.status, stopped.stderr).to.equal(0);
      // The handler's own validation decided: no signature, 400; nothing got through to its code.
      expect(answers.map((answer) => answer.status)).to.deep.equal([400, 400, 400]);
      expect(handler.answered.map((answer) => answer.status)).to.deep.equal([400, 400, 400]);
      expect(handler.received).to.deep.equal([]);
      for (const { headers } of handler.answered) {
        expect(headers).to.not.have.property('x-twilio-signature');
        expect(headers['x-unverified-callback']).to.match(/signature not checked/);
      }
      expect(stopped.stdout.match(/completed .*\(unverified\)/g)).to.have.length(3);
      expect(stopped.stdout.match(/→ handler answered 400/g)).to.have.length(3);
      expect(stopped.stderr).to.match(/Forwarding each callback, unsigned, to /);
      expect(stopped.stderr).to.match(/forwarded without X-Twilio-Signature \(marked X-Unverified-Callback\)/);
    });
  });

  describe('send --replay', () => {
    it('resends the verified callbacks only, the unverified ones with --include-unverified, and the rejected ones never', async () => {
      const log = join(scratch, 'mixed.jsonl');
      const verifying = await RunningListener.start(world, ['--log', log], tokenEnv);
      expect((await postSigned(verifying.localUrl, params(), { token })).status).to.equal(204);
      const forged = params({ RecordingStatus: 'absent', ErrorCode: '16101' });
      expect((await postSigned(verifying.localUrl, forged, { token: '0'.repeat(32) })).status).to.equal(403);
      expect((await verifying.stop()).status).to.equal(0);
      const unverifying = await RunningListener.start(world, ['--no-verify', '--log', log], tokenEnv);
      const unchecked = params({ RecordingStatus: 'in-progress', RecordingDuration: '-1' });
      expect((await postSigned(unverifying.localUrl, unchecked, { signature: null })).status).to.equal(204);
      expect((await unverifying.stop()).status).to.equal(0);

      const handler = await validatingHandler();
      const verifiedOnly = await world.run(['recordings:callbacks:send', handler.url, '--replay', log, '-o', 'json'], {
        env: tokenEnv,
      });
      expect(verifiedOnly.status, verifiedOnly.stderr).to.equal(0);
      const sent = JSON.parse(verifiedOnly.stdout) as Array<{ event: string; status: number }>;
      expect(sent.map((r) => [r.event, r.status])).to.deep.equal([['replay 1 (completed)', 200]]);
      expect(verifiedOnly.stderr).to.match(
        /1 unverified \(taken with --no-verify\) left out; add --include-unverified to resend them/,
      );
      expect(handler.received.map((r) => r.params.RecordingStatus)).to.deep.equal(['completed']);

      const withUnverified = await world.run(
        ['recordings:callbacks:send', handler.url, '--replay', log, '--include-unverified', '-o', 'json'],
        { env: tokenEnv },
      );
      expect(withUnverified.status, withUnverified.stderr).to.equal(0);
      expect(
        (JSON.parse(withUnverified.stdout) as Array<{ event: string; status: number }>).map((r) => [r.event, r.status]),
      ).to.deep.equal([
        ['replay 1 (completed)', 200],
        ['replay 2 (in-progress, unverified)', 200],
      ]);
      // The forged "absent" callback was never resent, with or without the flag.
      expect(handler.answered.map((r) => r.params.RecordingStatus)).to.deep.equal([
        'completed',
        'completed',
        'in-progress',
      ]);
    });

    it('exits 2 saying how to resend a log that holds only unverified callbacks, sending nothing', async () => {
      const log = join(scratch, 'unverified.jsonl');
      const listener = await RunningListener.start(world, ['--no-verify', '--log', log], tokenEnv);
      expect((await postSigned(listener.localUrl, params(), { signature: null })).status).to.equal(204);
      expect((await listener.stop()).status).to.equal(0);
      const handler = await validatingHandler();
      const run = await world.run(['recordings:callbacks:send', handler.url, '--replay', log], { env: tokenEnv });
      expect(run.status).to.equal(2);
      expect(run.stderr.trim()).to.match(
        /holds no verified callbacks to resend: 1 unverified \(taken with --no-verify\) left out; add --include-unverified to resend them\.$/,
      );
      expect(handler.answered).to.deep.equal([]);
    });

    for (const [what, line] of [
      ['null', 'null'],
      ['a number', '42'],
      ['an array', '[1]'],
      ['an object without a body', '{"method":"POST","target":"/recording-status","verdict":"accepted"}'],
    ]) {
      it(`exits 2 with one line, sending nothing, when a line of the file is ${what}`, async () => {
        const handler = await validatingHandler();
        const file = join(scratch, 'bad.jsonl');
        const good = {
          time: '2026-01-14T09:30:00.000Z',
          method: 'POST',
          url: 'http://127.0.0.1/recording-status',
          target: '/recording-status',
          headers: {},
          body: new URLSearchParams(params()).toString(),
          verdict: 'accepted',
          status: 204,
        };
        writeFileSync(file, `${JSON.stringify(good)}\n${line}\n`);
        const run = await world.run(['recordings:callbacks:send', handler.url, '--replay', file], { env: tokenEnv });
        expect(run.status).to.equal(2);
        expect(run.stderr.trim().split('\n')).to.have.length(1);
        expect(run.stderr).to.match(/Line 2 of --replay file ".*bad\.jsonl" (is|has)/);
        expect(run.stderr).to.not.match(/unexpected error|TypeError|at .*\.js:\d+/);
        expect(handler.answered).to.deep.equal([]);
      });
    }

    it('refuses --include-unverified without --replay', async () => {
      const run = await world.run(['recordings:callbacks:send', 'http://127.0.0.1:9/hook', '--include-unverified'], {
        env: tokenEnv,
      });
      expect(run.status).to.equal(2);
      expect(run.stderr).to.match(/--replay/);
    });
  });

  describe('fields from outside', () => {
    it('listen prints each callback on one line with its fields escaped, signed or not, and the handler answer too', async () => {
      const hostile = await startHostileHandler();
      try {
        const listener = await RunningListener.start(world, ['--forward-to', hostile.url], tokenEnv);
        const url = listener.localUrl;
        const fields = params({ RecordingSource: HOSTILE, RecordingTrack: HOSTILE, Extra: HOSTILE });
        expect((await postSigned(url, fields, { token })).status).to.equal(200);
        const badSid = params({ RecordingSid: `RE${HOSTILE}` });
        expect((await postSigned(url, badSid, { token })).status).to.equal(400);
        expect((await postSigned(url, fields, { token: '0'.repeat(32) })).status).to.equal(403);
        const stopped = await listener.stop();
        expect(stopped.status, stopped.stderr).to.equal(0);
        expectPrintable(stopped);
        const eventLines = stopped.stdout.split('\n').filter((line) => /^\S+Z {2}completed /.test(line));
        expect(eventLines).to.have.length(1);
        expect(eventLines[0]).to.include('\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07\\r\\n2026-01-14T09:30:05Z');
        expect(stopped.stdout).to.match(/→ handler answered 200 in \d+ ms: ok \\x1b\[2J/);
        expect(stopped.stdout).to.match(/invalid .*RecordingSid "RE\\x1b\[2J/);
      } finally {
        await close(hostile.server);
      }
    });

    it('listen -o json writes the fields unchanged to a JSON parser and harmless to a terminal', async () => {
      const listener = await RunningListener.start(world, ['-o', 'json'], tokenEnv);
      const fields = params({ RecordingSource: HOSTILE, Extra: HOSTILE });
      expect((await postSigned(listener.localUrl, fields, { token })).status).to.equal(204);
      const stopped = await listener.stop();
      expect(stopped.status, stopped.stderr).to.equal(0);
      expectPrintable(stopped);
      const lines = stopped.stdout.trim().split('\n');
      expect(lines).to.have.length(1);
      const entry = JSON.parse(lines[0]!) as { event: { source: string; params: Record<string, string> } };
      expect(entry.event.source).to.equal(HOSTILE);
      expect(entry.event.params.Extra).to.equal(HOSTILE);
    });

    it("send shows the handler's answer and the fields it quotes escaped, in columns, TSV and JSON", async () => {
      const hostile = await startHostileHandler();
      try {
        const args = ['recordings:callbacks:send', hostile.url, '--param', `RecordingSid=${HOSTILE}`];
        for (const format of ['columns', 'tsv']) {
          const run = await world.run([...args, '-o', format], { env: tokenEnv });
          expect(run.status, run.stderr).to.equal(0);
          expectPrintable(run);
          expect(run.stdout).to.include('ok \\x1b[2J\\x1b[H\\x1b]0;pwned\\x07');
          expect(run.stdout.trim().split('\n')).to.have.length(2);
        }
        const json = await world.run([...args, '-o', 'json'], { env: tokenEnv });
        expect(json.status, json.stderr).to.equal(0);
        expectPrintable(json);
        const [result] = JSON.parse(json.stdout) as Array<{ recordingSid: string; body: string }>;
        expect(result!.recordingSid).to.equal(HOSTILE);
      } finally {
        await close(hostile.server);
      }
    });

    it("list shows the API's strings escaped in columns and TSV", async () => {
      const recording = world.sandbox.store.addRecording({
        accountSid: world.sandbox.account.sid,
        status: 'completed',
        durationSeconds: 3,
        source: HOSTILE as RecordingSource,
      });
      for (const format of ['columns', 'tsv']) {
        const run = await world.run(['recordings:list', '--sid', recording.sid, '-o', format], { env: tokenEnv });
        expect(run.status, run.stderr).to.equal(0);
        expectPrintable(run);
        expect(run.stdout).to.include('\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07\\r\\n');
        expect(run.stdout.trim().split('\n')).to.have.length(2);
      }
    });
  });

  describe('listen on an address it cannot use', () => {
    it('exits 2 with one line naming a port in use, before creating its log', async () => {
      const taken = createNetServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const port = (taken.address() as AddressInfo).port;
      try {
        const log = join(scratch, 'in-use.jsonl');
        const run = await world.run(['recordings:callbacks:listen', '--port', String(port), '--log', log], {
          env: tokenEnv,
        });
        expect(run.status).to.equal(2);
        expect(run.stderr.trim().split('\n')).to.have.length(1);
        expect(run.stderr).to.include(
          `Cannot listen on 127.0.0.1:${port}: another program is using port ${port}. Stop it, or pick another port with --port (0 for any free port).`,
        );
        expect(existsSync(log)).to.equal(false);
      } finally {
        await new Promise((resolve) => taken.close(resolve));
      }
    });

    for (const host of ['999.1.1.1', '192.0.2.1']) {
      it(`exits 2 with one line saying --host ${host} is not an address of this machine`, async () => {
        const log = join(scratch, `host-${host}.jsonl`);
        const run = await world.run(['recordings:callbacks:listen', '--host', host, '--port', '0', '--log', log], {
          env: tokenEnv,
        });
        expect(run.status).to.equal(2);
        expect(run.stderr.trim().split('\n')).to.have.length(1);
        expect(run.stderr).to.include(`Cannot listen on ${host}:0`);
        expect(run.stderr).to.match(/give --host an address of this machine: 127\.0\.0\.1 .* or 0\.0\.0\.0/);
        expect(run.stderr).to.not.match(/Could not reach Twilio/);
        expect(existsSync(log)).to.equal(false);
      });
    }
  });

  it("listen --help describes --layout without download's {accountSid}/ prefix, which listen does not add", async () => {
    const help = await world.run(['recordings:callbacks:listen', '--help']);
    expect(help.status).to.equal(0);
    const layout = (/--layout=TEMPLATE[\s\S]*?(?=\n\s+--log)/.exec(help.stdout)?.[0] ?? '').replace(/\s+/g, ' ');
    expect(layout).to.match(/must contain \{sid\}/);
    expect(layout).to.match(/add \{accountSid\}\/ to keep subaccounts' recordings apart/);
    expect(layout).to.not.match(/--subaccounts|is put in front/);
  });
});
