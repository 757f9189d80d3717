import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { listenForCallbacks, type ListenOptions } from '../../../src/callbacks/listen-session';
import { BadInputError } from '../../../src/errors';
import type { TwilioApi } from '../../../src/twilio/twilio-api';
import { AC, TOKEN } from './callback-fixtures';

describe('listenForCallbacks', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'listen-session-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const options: ListenOptions = {
    host: '127.0.0.1',
    port: 0,
    path: '/recording-status',
    authToken: { token: TOKEN, source: '--auth-token' },
    verify: true,
    deleteAfterDownload: false,
    output: 'none',
  };

  function run(overrides: Partial<ListenOptions>, info: string[] = []) {
    return listenForCallbacks(
      { ...options, ...overrides },
      {
        // Nothing here reaches the API: no callback arrives and nothing is downloaded.
        api: { accountSid: AC, baseUrl: 'https://api.twilio.com' } as TwilioApi,
        writeLine: () => undefined,
        info: (line) => info.push(line),
        warn: () => undefined,
        stopRequested: Promise.resolve(),
      },
    );
  }

  it('refuses a --log file it cannot open, before listening', async () => {
    const info: string[] = [];
    const logFile = join(dir, 'no-such-folder', 'callbacks.jsonl');
    const error = await run({ logFile }, info).then(
      () => expect.fail('listened without its log'),
      (failure: unknown) => failure,
    );
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as Error).message).to.match(/Cannot open --log file ".*callbacks\.jsonl" \(ENOENT\)/);
    expect(info.join('\n')).to.not.match(/Listening on/);
  });

  for (const [name, overrides, message] of [
    [
      '--path /healthz (where health checks are answered)',
      { path: '/healthz' },
      /Invalid --path "\/healthz": the listener answers health checks there/,
    ],
    [
      '--catch-up without --download-dir',
      { catchUp: { intervalMs: 600_000, settleMs: 120_000, since: new Date(0), includeSubaccounts: false } },
      /--catch-up saves the recordings whose callbacks were lost: add --download-dir DIR\./,
    ],
  ] as const) {
    it(`refuses ${name} before listening`, async () => {
      const error = await run(overrides).then(
        () => expect.fail('listened'),
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(message);
    });
  }

  it('creates the --log file when it can, and says so', async () => {
    const info: string[] = [];
    const logFile = join(dir, 'callbacks.jsonl');
    const tally = await run({ logFile }, info);
    expect(tally.received).to.equal(0);
    expect(existsSync(logFile)).to.equal(true);
    expect(info.join('\n')).to.include(`Logging every request to ${logFile}`);
  });

  it('refuses a port in use before creating the --log file or the download folder', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const info: string[] = [];
      const logFile = join(dir, 'callbacks.jsonl');
      const downloads = join(dir, 'recordings');
      const error = await run(
        {
          port: (taken.address() as AddressInfo).port,
          logFile,
          download: { dir: downloads, format: 'wav', layout: '{sid}.{ext}' },
        },
        info,
      ).then(
        () => expect.fail('listened on a port in use'),
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(/another program is using port \d+/);
      expect(existsSync(logFile)).to.equal(false);
      expect(existsSync(downloads)).to.equal(false);
      expect(info).to.deep.equal([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('keeps each line it prints on one line, whatever the flags it quotes hold', async () => {
    const info: string[] = [];
    await run({ logFile: join(dir, 'a\nFake line\u001b[2J.jsonl') }, info);
    expect(info.join('\n')).to.include('a\\nFake line\\x1b[2J.jsonl').and.not.include('\u001b');
  });
});
