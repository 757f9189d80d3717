import { expect } from 'chai';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandClasses } from '../support/command-classes';
import { LOCAL_STORE_CREDENTIALS, LocalObjectStore } from '../support/object-store-server';
import { keyFiles } from './encryption-keys';
import { killRunningListeners, RunningListener } from './running-listener';
import { TwilioWorld, type TwilioRun } from './twilio-world';

/**
 * Every example in every command's help, run as a user would paste it: the `$ twilio …` line
 * against the sandbox, in a fresh folder (so `./recordings`, `plan.json` and the like land
 * there), with the sandbox's credentials. Placeholders become real things of the sandbox: `RExx…`,
 * `CAxx…`, `CFxx…` and `CRxx…` SIDs, the handler URLs, `/shared/holds.json`, and the bucket
 * `my-recordings` on a local S3 server. The cases share one world and run in order, as one
 * user's session: what one example downloads or plans, a later one decrypts or runs.
 */

/** A callback handler that answers 200 to anything and remembers what it was sent. */
interface Handler {
  origin: string;
  received: Array<{ method: string; url: string }>;
  close(): Promise<void>;
}

async function startHandler(): Promise<Handler> {
  const received: Handler['received'] = [];
  const server: Server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '' });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Splits a command line as a POSIX shell would, for the quoting the examples use (double quotes). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2]);
  return words;
}

interface Session {
  world: TwilioWorld;
  folder: string;
  handler: Handler;
  env: Record<string, string | undefined>;
  recordingSid: string;
  callSid: string;
  conferenceSid: string;
  keySid: string;
  sharedHolds: string;
  /** The id of a hold added for an example that lifts a hold by its id. */
  holdId?: string;
  store(): LocalObjectStore;
}

/** What an example's run must show, beyond its exit status. */
type Check = (run: TwilioRun, session: Session) => unknown;

interface ExampleCase {
  /** Exactly as in the command's `examples`. */
  example: string;
  /** The exit status the README gives for what the example does here. */
  status: number;
  /** A listener: runs until stopped with Ctrl-C; `whileRunning` acts on it first. */
  whileRunning?: (listener: RunningListener, session: Session) => Promise<unknown>;
  /** What must be so before the example runs, as a user would have done it. */
  before?: (session: Session) => Promise<void>;
  check?: Check;
}

const NO_TERMINAL = /no terminal to confirm on/;

/**
 * `--tunnel ngrok` opens a tunnel through ngrok's service, which needs an ngrok account and the
 * internet; the tests have neither. These examples run up to where the tunnel would open: without
 * NGROK_AUTHTOKEN each stops before listening, in one line that says what to set (exit 2).
 */
const needsNgrok: Check = (run) => {
  expect(run.stderr.trim().split('\n')).to.have.length(1);
  expect(run.stderr).to.match(/--tunnel ngrok needs an ngrok authtoken: set NGROK_AUTHTOKEN/);
  expect(run.stdout).to.equal('');
};

const CASES: ExampleCase[] = [
  // Listing and usage
  {
    example: '$ twilio recordings:list --older-than 30d',
    status: 0,
    check: (run) => expect(run.stdout).to.match(/RE[0-9a-f]{32}/),
  },
  {
    example: '$ twilio recordings:list --after 2026-01-01 --before 2026-02-01 --status completed --no-limit -o json',
    status: 0,
    check: (run) => {
      const rows = JSON.parse(run.stdout) as Array<{ status: string; dateCreated: string }>;
      expect(rows).to.have.length.greaterThan(0);
      expect(rows.every((row) => row.status === 'completed')).to.equal(true);
    },
  },
  {
    example:
      '$ twilio recordings:list --call-sid CAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --properties sid,duration,dateCreated',
    status: 0,
    check: (run, session) => expect(run.stdout).to.include(session.recordingSid),
  },
  { example: '$ twilio recordings:list --subaccounts --older-than 6mo --no-limit', status: 0 },
  { example: '$ twilio recordings:usage', status: 0 },
  { example: '$ twilio recordings:usage --subaccounts --months 6', status: 0 },
  { example: '$ twilio recordings:usage --policy retention.yml', status: 0 },
  { example: '$ twilio recordings:usage --by source -o json', status: 0, check: (run) => JSON.parse(run.stdout) },

  // Downloading, then decrypting what was saved encrypted
  {
    example: '$ twilio recordings:download --older-than 30d --output-dir ./recordings',
    status: 0,
    check: (_run, session) => {
      const files = filesUnder(join(session.folder, 'recordings'));
      expect(files.some((file) => file.endsWith('.wav'))).to.equal(true);
      expect(files.some((file) => file.endsWith('.wav.enc'))).to.equal(true);
    },
  },
  {
    example:
      '$ twilio recordings:download --after 2026-01-01 --format mp3 --layout "{year}/{month}/{callSid}/{sid}.{ext}"',
    status: 0,
    check: (_run, session) =>
      expect(filesUnder(join(session.folder, 'recordings')).some((file) => /^2026\/\d\d\/CA/.test(file))).to.equal(
        true,
      ),
  },
  {
    example: '$ twilio recordings:download --subaccounts --status completed --concurrency 10 -o json',
    status: 0,
    check: (run) => expect(JSON.parse(run.stdout)).to.have.length.greaterThan(0),
  },
  { example: '$ twilio recordings:download --older-than 90d --dry-run', status: 0 },
  {
    example:
      '$ twilio recordings:download --newer-than 7d --decrypt-key private.pem --expect-key CRxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    status: 0,
  },
  {
    example:
      '$ twilio recordings:download --older-than 30d --output-dir s3://my-recordings/archive --s3-storage-class STANDARD_IA',
    status: 0,
    check: async (_run, session) => {
      const keys = await session.store().keys('my-recordings');
      expect(keys.some((key) => key.startsWith('archive/') && key.endsWith('.wav'))).to.equal(true);
    },
  },
  {
    example: '$ twilio recordings:decrypt --key private.pem ./recordings',
    status: 0,
    // Every recording saved encrypted now has a decrypted WAV in the folder.
    check: (_run, session) => {
      const files = filesUnder(join(session.folder, 'recordings'));
      const encrypted = files.filter((file) => file.endsWith('.wav.enc'));
      expect(encrypted).to.have.length.greaterThan(0);
      for (const file of encrypted) {
        const sid = /RE[0-9a-f]{32}/.exec(file)![0];
        expect(
          files.some((other) => other.endsWith(`${sid}.wav`)),
          sid,
        ).to.equal(true);
      }
    },
  },
  {
    example:
      '$ twilio recordings:decrypt --key CRxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=old.pem --key new.pem ./recordings -o json',
    status: 0,
    check: (run) => JSON.parse(run.stdout),
  },
  {
    example:
      '$ twilio recordings:decrypt --key private-encrypted.pem --key-passphrase-env RECORDINGS_KEY_PASSPHRASE ./recordings',
    status: 0,
  },

  // Legal holds
  {
    example: '$ twilio recordings:holds:add --sid RExxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --reason "case 2026-114"',
    status: 0,
  },
  {
    example:
      '$ twilio recordings:holds:add --call-sid CAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --reason "complaint review" --until 2027-01-31',
    status: 0,
  },
  {
    example:
      '$ twilio recordings:holds:add --conference-sid CFxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --reason "audit" --holds /shared/holds.json',
    status: 0,
    check: (_run, session) => expect(existsSync(session.sharedHolds)).to.equal(true),
  },
  {
    example: '$ twilio recordings:holds:list',
    status: 0,
    check: (run, session) => expect(run.stdout).to.include(session.recordingSid).and.to.include(session.callSid),
  },
  {
    example: '$ twilio recordings:holds:list --holds /shared/holds.json -o json',
    status: 0,
    check: (run, session) => expect(JSON.stringify(JSON.parse(run.stdout))).to.include(session.conferenceSid),
  },
  { example: '$ twilio recordings:holds:remove --sid RExxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', status: 0 },
  {
    example: '$ twilio recordings:holds:remove --id 3f9a0c1e',
    status: 0,
    // A hold of its own to lift, whose id holds:add printed.
    before: async (session) => {
      const added = await session.world.run(
        ['recordings:holds:add', '--sid', session.recordingSid, '--reason', 'second look', '-o', 'json'],
        { env: session.env, cwd: session.folder },
      );
      expect(added.status, added.stderr).to.equal(0);
      session.holdId = (JSON.parse(added.stdout) as Array<{ id: string }>)[0].id;
    },
    check: (run, session) => expect(run.stdout).to.include(session.holdId),
  },
  {
    example:
      '$ twilio recordings:holds:remove --conference-sid CFxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --holds /shared/holds.json',
    status: 0,
  },

  // Recording status callbacks
  { example: '$ twilio recordings:callbacks:listen --tunnel ngrok', status: 2, check: needsNgrok },
  {
    example:
      '$ twilio recordings:callbacks:listen --public-url https://hooks.example.com --forward-to http://localhost:8080/recording-status',
    status: 0,
    whileRunning: async (listener) =>
      expect(listener.callbackUrl).to.equal('https://hooks.example.com/recording-status'),
  },
  {
    example: '$ twilio recordings:callbacks:listen --tunnel ngrok --download-dir ./recordings --delete-after-download',
    status: 2,
    check: needsNgrok,
  },
  {
    example: '$ twilio recordings:callbacks:listen --port 0 --log callbacks.jsonl -o json',
    status: 0,
    // A signed callback to the listener, so that the log has a request to replay below.
    whileRunning: async (listener, session) => {
      const sent = await session.world.run(['recordings:callbacks:send', listener.localUrl], {
        env: session.env,
      });
      expect(sent.status, sent.stderr).to.equal(0);
      await listener.waitForStdout(/"RecordingSid"|"recordingSid"/);
    },
    check: (_run, session) =>
      expect(readFileSync(join(session.folder, 'callbacks.jsonl'), 'utf8').trim().split('\n')).to.have.length(1),
  },
  {
    example:
      '$ twilio recordings:callbacks:listen --tunnel ngrok --download-dir ./recordings --decrypt-key private.pem',
    status: 2,
    check: needsNgrok,
  },
  {
    example: '$ twilio recordings:callbacks:listen --forward-to http://localhost:8080/recording-status --inspect',
    status: 0,
    whileRunning: async (listener) => expect(listener.inspectorUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/),
  },
  {
    example:
      '$ twilio recordings:callbacks:listen --tunnel ngrok --download-dir s3://my-recordings/archive --delete-after-download',
    status: 2,
    check: needsNgrok,
  },
  {
    example:
      '$ twilio recordings:callbacks:listen --public-url https://hooks.example.com --download-dir ./archive --delete-after-download --catch-up 10m',
    status: 0,
    // The first scan reaches back 24 hours: the recordings of the fixed past stay where they are.
    whileRunning: async (listener) => {
      await listener.waitForStdout(/catch-up +since .*: \d+ listed, 0 missing/);
      expect(listener.callbackUrl).to.equal('https://hooks.example.com/recording-status');
    },
  },
  {
    example: '$ twilio recordings:callbacks:send http://localhost:8080/recording-status',
    status: 0,
    check: (_run, session) => expect(session.handler.received.at(-1)?.url).to.equal('/recording-status'),
  },
  {
    example: '$ twilio recordings:callbacks:send https://example.com/hooks/recording --event all --method GET',
    status: 0,
    check: (_run, session) =>
      expect(session.handler.received.slice(-4).map((request) => request.method)).to.deep.equal([
        'GET',
        'GET',
        'GET',
        'GET',
      ]),
  },
  {
    example:
      '$ twilio recordings:callbacks:send http://localhost:8080/recording-status --event absent --param ErrorCode=16102',
    status: 0,
  },
  {
    example:
      '$ twilio recordings:callbacks:send http://localhost:8080/recording-status --recording-sid REXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
    status: 0,
  },
  {
    example:
      '$ twilio recordings:callbacks:send http://localhost:8080/recording-status --replay callbacks.jsonl -o json',
    status: 0,
    check: (run) => expect(JSON.parse(run.stdout)).to.have.length(1),
  },

  // Purging: looking first, then the refusals without a terminal, then deleting for real
  { example: '$ twilio recordings:purge --older-than 90d --dry-run', status: 0 },
  {
    example: '$ twilio recordings:purge --older-than 90d',
    status: 3,
    check: (run) => expect(run.stderr).to.match(NO_TERMINAL),
  },
  {
    example:
      '$ twilio recordings:purge --older-than 1y --archive-dir ./archive --format mp3 --layout "{year}/{month}/{sid}.{ext}"',
    status: 3,
    check: (run) => expect(run.stderr).to.match(NO_TERMINAL),
  },
  {
    example:
      '$ twilio recordings:purge --older-than 90d --archive-dir ./archive --decrypt-key private.pem --expect-key CRxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    status: 3,
    check: (run) => expect(run.stderr).to.match(NO_TERMINAL),
  },
  {
    example:
      '$ twilio recordings:purge --older-than 1y --archive-dir s3://my-recordings/archive --s3-storage-class GLACIER_IR',
    status: 3,
    check: (run) => expect(run.stderr).to.match(NO_TERMINAL),
  },
  { example: '$ twilio recordings:purge --policy retention.yml --dry-run', status: 0 },
  {
    example: '$ twilio recordings:purge --policy retention.yml --plan-out plan.json',
    status: 0,
    check: (_run, session) => expect(existsSync(join(session.folder, 'plan.json'))).to.equal(true),
  },
  {
    example: '$ twilio recordings:purge --plan plan.json --force --report report.md',
    status: 0,
    check: (_run, session) => expect(readFileSync(join(session.folder, 'report.md'), 'utf8')).to.match(/deleted/i),
  },
  {
    example: '$ twilio recordings:purge --call-sid CAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --force -o json',
    status: 0,
    // The call is held (holds:add --call-sid above): its recordings stay on Twilio.
    check: (run, session) => {
      JSON.parse(run.stdout);
      expect(session.world.sandbox.store.getRecording(session.recordingSid)?.status).to.equal('completed');
    },
  },
  {
    example: '$ twilio recordings:purge --before 2026-01-01 --subaccounts --force --log purge.jsonl',
    status: 0,
    check: (_run, session) => expect(readFileSync(join(session.folder, 'purge.jsonl'), 'utf8')).to.include('"deleted"'),
  },
];

function filesUnder(root: string, prefix = ''): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(root, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** The example's command line with the sandbox's things in place of its placeholders. */
function commandLine(example: string, session: Session): string[] {
  const line = example
    .replace(/^\$ twilio /, '')
    .replace(/\bRE[xX]{32}\b/g, session.recordingSid)
    .replace(/\bCA[xX]{32}\b/g, session.callSid)
    .replace(/\bCF[xX]{32}\b/g, session.conferenceSid)
    .replace(/\bCR[xX]{32}\b/g, session.keySid)
    .replace('/shared/holds.json', session.sharedHolds)
    .replace(/--id \S+/, `--id ${session.holdId}`)
    .replace('http://localhost:8080', session.handler.origin)
    .replace('https://example.com', session.handler.origin)
    // A hold must end in the future: the example's date is moved a year past today.
    .replace(/--until \S+/, `--until ${new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10)}`);
  const argv = shellWords(line);
  // The listener's default port (3000) may be taken on a shared machine: any free port instead.
  if (argv[0] === 'recordings:callbacks:listen' && !argv.includes('--port')) argv.push('--port', '0');
  return argv;
}

describe('the examples in every command’s help', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let store: LocalObjectStore;
  let handler: Handler;
  let session: Session;

  before(async () => {
    // Recordings of a fixed past, so that the examples' dates select the same recordings on any day.
    world = await TwilioWorld.start({
      subaccounts: 2,
      recordings: { count: 60, from: '2025-06-01T00:00:00Z', to: '2026-03-01T00:00:00Z', conferenceShare: 0.3 },
    });
    store = await LocalObjectStore.start();
    await store.createBucket('my-recordings');
    handler = await startHandler();
    const folder = mkdtempSync(join(tmpdir(), 'examples-'));
    const keys = keyFiles(folder, 'private');
    copyFileSync(keys.privatePath, join(folder, 'old.pem'));
    keyFiles(folder, 'new');
    const parent = world.sandbox.account.sid;
    const keySid = world.sandbox.registerPublicKey(keys.publicPem);
    const completed = world.sandbox.store.recordings(parent).filter((r) => r.status === 'completed' && r.callSid);
    const plain = completed[0];
    const conference = world.sandbox.store.recordings(parent).find((r) => r.conferenceSid)!;
    world.sandbox.encryptRecordings(parent, { keySid, sids: completed.slice(-3).map((r) => r.sid) });
    writeFileSync(
      join(folder, 'retention.yml'),
      [
        'version: 1',
        'rules:',
        '  - name: short calls',
        '    match: { maxDuration: 30s }',
        '    keep: 7d',
        '  - name: default',
        '    keep: forever',
        '',
      ].join('\n'),
    );
    mkdirSync(join(folder, 'shared'));
    session = {
      world,
      folder,
      handler,
      env: {
        ...world.authTokenEnv,
        RECORDINGS_KEY_PASSPHRASE: keys.passphrase,
        NGROK_AUTHTOKEN: undefined,
        TWILIO_RECORDINGS_HOLDS: undefined,
        AWS_ENDPOINT_URL_S3: store.endpoint,
        AWS_ENDPOINT_URL: undefined,
        AWS_ACCESS_KEY_ID: LOCAL_STORE_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_STORE_CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_REGION: 'us-east-1',
      },
      recordingSid: plain.sid,
      callSid: plain.callSid!,
      conferenceSid: conference.conferenceSid!,
      keySid,
      sharedHolds: join(folder, 'shared', 'holds.json'),
      store: () => store,
    };
  });

  after(async () => {
    await handler?.close();
    await store?.stop();
    await world?.close();
  });

  afterEach(killRunningListeners);

  it('covers every example of every command, and only those', () => {
    const examples = commandClasses().flatMap((command) => command.examples ?? []);
    expect(CASES.map((c) => c.example).sort()).to.deep.equal([...examples].sort());
  });

  for (const testCase of CASES) {
    it(`${testCase.example.replace(/^\$ /, '')} exits ${testCase.status}`, async () => {
      await testCase.before?.(session);
      const argv = commandLine(testCase.example, session);
      let run: TwilioRun;
      if (testCase.whileRunning) {
        const listener = await RunningListener.run(world, argv, session.env, session.folder);
        await testCase.whileRunning(listener, session);
        run = await listener.stop();
      } else {
        run = await world.run(argv, { env: session.env, cwd: session.folder });
      }
      expect(run.status, `stderr: ${run.stderr}`).to.equal(testCase.status);
      await testCase.check?.(run, session);
    });
  }
});
