import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwilioWorld, type TwilioRun } from './twilio-world';
import { expectOneLineFailure } from './one-line-failure';
import { DAY } from '../support/time';

const MISSING_SID = 'RE' + '0'.repeat(32);

/** Stdout is exactly one JSON document, an array; returns it. */
function onlyJsonArray(run: TwilioRun): Array<Record<string, unknown>> {
  const parsed = JSON.parse(run.stdout) as unknown;
  expect(parsed, run.stdout).to.be.an('array');
  return parsed as Array<Record<string, unknown>>;
}

describe('-o json: stdout holds one JSON document, errors go to stderr', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let scratch: string;

  before(async () => {
    world = await TwilioWorld.start({
      subaccounts: 1,
      recordings: {
        count: 24,
        statusMix: { completed: 1 },
        minDurationSeconds: 1,
        maxDurationSeconds: 4,
        from: Date.now() - 300 * DAY,
        to: Date.now() - 40 * DAY,
      },
    });
    scratch = mkdtempSync(join(tmpdir(), 'json-output-'));
  });
  after(async () => {
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  });
  afterEach(() => {
    world.sandbox.setKnobs({ truncateRate: 0 });
    world.sandbox.setAccountStatus(world.sandbox.account.sid, 'active');
    for (const sub of world.sandbox.subaccounts) world.sandbox.setAccountStatus(sub.sid, 'active');
  });

  const twilio = (args: string[]) => world.run(args, { env: world.authTokenEnv });
  const parentRecordings = () => world.sandbox.store.recordings(world.sandbox.account.sid);

  describe('recordings:list', () => {
    it('prints the array of recordings, and [] when nothing matches', async () => {
      const all = await twilio(['recordings:list', '--no-limit', '-o', 'json']);
      expect(all.status, all.stderr).to.equal(0);
      expect(onlyJsonArray(all)).to.have.length(parentRecordings().length);

      const none = await twilio(['recordings:list', '--sid', MISSING_SID, '-o', 'json']);
      expect(none.status, none.stderr).to.equal(0);
      expect(onlyJsonArray(none)).to.deep.equal([]);
    });

    it('prints nothing on stdout for bad input or an unknown flag (exit 2)', async () => {
      expectOneLineFailure(await twilio(['recordings:list', '--limit', 'many', '-o', 'json']), 2, /Invalid --limit/);
      const unknown = await twilio(['recordings:list', '--no-such-flag', '-o', 'json']);
      expect(unknown.status).to.equal(2);
      expect(unknown.stdout).to.equal('');
      expect(unknown.stderr).to.include('--no-such-flag');
    });

    it('prints nothing on stdout when Twilio refuses the account before any result (exit 4)', async () => {
      world.sandbox.setAccountStatus(world.sandbox.account.sid, 'suspended');
      expectOneLineFailure(
        await twilio(['recordings:list', '-o', 'json']),
        4,
        /Twilio refused .* access to account AC[0-9a-f]{32} \(403, error 20005\)/,
      );
    });

    it('closes the array of what was listed when a later page fails (exit 1), with the error on stderr', async () => {
      const [sub] = world.sandbox.subaccounts;
      world.sandbox.setAccountStatus(sub!.sid, 'suspended');
      const run = await twilio(['recordings:list', '--subaccounts', '--no-limit', '-o', 'json']);
      expect(run.status, run.stderr).to.equal(1);
      const listed = onlyJsonArray(run).map((recording) => recording.sid);
      expect(listed).to.have.members(parentRecordings().map((recording) => recording.sid));
      expect(run.stderr).to.match(new RegExp(`Twilio answered 403 to GET /2010-04-01/Accounts/${sub!.sid}/`));
      expect(run.stderr).not.to.include('"error"');
    });
  });

  describe('recordings:download', () => {
    it('prints the array of results, failed ones included, when some fail (exit 1)', async () => {
      world.sandbox.setKnobs({ truncateRate: 1, truncateStyle: 'chunked-clean' });
      const [a, b] = parentRecordings();
      const run = await twilio([
        'recordings:download',
        '--sid',
        a!.sid,
        '--sid',
        b!.sid,
        '--output-dir',
        join(scratch, 'download'),
        '-o',
        'json',
      ]);
      expect(run.status, run.stderr).to.equal(1);
      const results = onlyJsonArray(run);
      expect(results.map((result) => [result.sid, result.outcome])).to.have.deep.members([
        [a!.sid, 'failed'],
        [b!.sid, 'failed'],
      ]);
      expect(run.stderr).to.include('2 of 2 recordings could not be downloaded');
    });

    it('prints the array of what would be downloaded with --dry-run', async () => {
      const run = await twilio([
        'recordings:download',
        '--dry-run',
        '--output-dir',
        join(scratch, 'dry'),
        '-o',
        'json',
      ]);
      expect(run.status, run.stderr).to.equal(0);
      expect(onlyJsonArray(run)).to.have.length(parentRecordings().length);
    });
  });

  describe('recordings:purge', () => {
    it('prints the selection with --dry-run, and [] when there is nothing to delete', async () => {
      const dry = await twilio(['recordings:purge', '--older-than', '30d', '--dry-run', '-o', 'json']);
      expect(dry.status, dry.stderr).to.equal(0);
      expect(onlyJsonArray(dry)).to.have.length(parentRecordings().length);

      const nothing = await twilio(['recordings:purge', '--sid', MISSING_SID, '--force', '-o', 'json']);
      expect(nothing.status, nothing.stderr).to.equal(0);
      expect(onlyJsonArray(nothing)).to.deep.equal([]);
    });

    it('prints nothing on stdout when the purge is not confirmed (exit 3)', async () => {
      expectOneLineFailure(
        await twilio(['recordings:purge', '--older-than', '30d', '-o', 'json']).then((run) => ({
          ...run,
          // The plan is printed on stderr before the refusal; only the refusal is the error.
          stderr: run.stderr
            .split('\n')
            .filter((line) => line.startsWith(' »'))
            .join('\n'),
        })),
        3,
        /Nothing deleted: there is no terminal to confirm on/,
      );
    });

    it('prints the array of results when some recordings fail (exit 1)', async () => {
      world.sandbox.setKnobs({ truncateRate: 1, truncateStyle: 'chunked-clean' });
      const [a] = parentRecordings();
      const run = await twilio([
        'recordings:purge',
        '--sid',
        a!.sid,
        '--force',
        '--archive-dir',
        join(scratch, 'archive'),
        '-o',
        'json',
      ]);
      expect(run.status, run.stderr).to.equal(1);
      expect(onlyJsonArray(run).map((result) => [result.sid, result.outcome])).to.deep.equal([[a!.sid, 'failed']]);
      expect(world.sandbox.store.getRecording(a!.sid)!.status).to.equal('completed');
    });
  });

  describe('recordings:callbacks:send', () => {
    it('prints the array of results when the handler cannot be reached (exit 1)', async () => {
      const closedPort = await freePort();
      const run = await twilio(['recordings:callbacks:send', `http://127.0.0.1:${closedPort}/hook`, '-o', 'json']);
      expect(run.status, run.stderr).to.equal(1);
      const [result] = onlyJsonArray(run);
      expect(result).to.include({ event: 'completed', status: null });
      expect(run.stderr).to.include(`Could not reach http://127.0.0.1:${closedPort}/hook`);
    });

    it('prints nothing on stdout for bad input (exit 2)', async () => {
      expectOneLineFailure(
        await twilio([
          'recordings:callbacks:send',
          'http://127.0.0.1:9/hook',
          '--replay',
          join(scratch, 'no-such.jsonl'),
          '-o',
          'json',
        ]),
        2,
        /no-such\.jsonl/,
      );
    });
  });

  describe('recordings:callbacks:listen', () => {
    let taken: Server;
    before(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    });
    after(() => new Promise<void>((resolve) => taken.close(() => resolve())));

    it('prints nothing on stdout, and one line on stderr, when its port is taken (exit 2)', async () => {
      const port = (taken.address() as { port: number }).port;
      expectOneLineFailure(
        await twilio(['recordings:callbacks:listen', '--port', String(port), '-o', 'json']),
        2,
        new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: another program is using port ${port}`),
      );
    });
  });
});

/** A port nothing listens on: bound once by the system, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
