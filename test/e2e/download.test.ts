import { expect } from 'chai';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTree, filesUnder, foldersUnder, manifestLines } from './download-tree';
import { TwilioWorld } from './twilio-world';

interface JsonResult {
  sid: string;
  accountSid: string;
  path: string;
  bytes: number;
  sha256: string | null;
  outcome: string;
  reason?: string;
}

describe('twilio recordings:download', function () {
  this.timeout(120_000);
  let world: TwilioWorld;
  let scratch: string;

  before(async () => {
    world = await TwilioWorld.start({ recordings: { count: 40, maxDurationSeconds: 6, seed: 11 }, subaccounts: 1 });
    scratch = mkdtempSync(join(tmpdir(), 'download-e2e-'));
  });

  after(() => world.close());

  beforeEach(() => world.sandbox.resetCounters());

  const download = (args: string[], cwd?: string) =>
    world.run(['recordings:download', ...args], { env: world.authTokenEnv, cwd });
  const completed = (accountSid?: string) =>
    world.sandbox.store.recordings(accountSid).filter((r) => r.status === 'completed');

  it('downloads every selected recording into ./recordings, byte for byte, with a manifest', async () => {
    const cwd = mkdtempSync(join(scratch, 'default-'));
    const run = await download([], cwd);
    expect(run.status, run.stderr).to.equal(0);
    const root = join(cwd, 'recordings');
    const expected = completed(world.sandbox.account.sid);

    const tree = checkTree(world.sandbox, root);
    expect(tree.problems).to.deep.equal([]);
    expect(tree.sids.sort()).to.deep.equal(expected.map((r) => r.sid).sort());
    for (const recording of expected) {
      const date = new Date(recording.dateCreatedMs).toISOString().slice(0, 10);
      expect(existsSync(join(root, date, `${recording.sid}.wav`)), recording.sid).to.equal(true);
    }
    for (const folder of foldersUnder(root)) expect(statSync(folder).mode & 0o777, folder).to.equal(0o700);

    const lines = manifestLines(root);
    expect(lines.map((line) => line.sid).sort()).to.deep.equal(expected.map((r) => r.sid).sort());
    const line = lines.find((l) => l.sid === expected[0]!.sid)!;
    expect(line).to.include({
      event: 'downloaded',
      format: 'wav',
      accountSid: expected[0]!.accountSid,
      status: 'completed',
    });
    expect(line).to.include.keys([
      'callSid',
      'conferenceSid',
      'dateCreated',
      'duration',
      'channels',
      'source',
      'downloadedAt',
    ]);

    expect(run.stdout).to.match(/^SID\s+Path\s+Bytes\s+Outcome/);
    for (const recording of expected) expect(run.stdout).to.include(recording.sid);
    expect(run.stderr).to.match(new RegExp(`Downloaded ${expected.length} recordings .* 0 failed`));

    // A second run fetches nothing and says so.
    world.sandbox.resetCounters();
    const again = await download([], cwd);
    expect(again.status, again.stderr).to.equal(0);
    expect(world.sandbox.counters.requests.media).to.equal(0);
    expect(again.stderr).to.match(new RegExp(`Downloaded 0 recordings .* ${expected.length} already present`));
  });

  it('downloads MP3 from every account into a custom layout, one folder tree per account, with JSON results', async () => {
    const root = join(scratch, 'mp3');
    const layout = '{year}/{month}/{conferenceSid}/{sid}.{ext}';
    const run = await download([
      '--output-dir',
      root,
      '--format',
      'mp3',
      '--layout',
      layout,
      '--subaccounts',
      '-o',
      'json',
    ]);
    expect(run.status, run.stderr).to.equal(0);
    const results = JSON.parse(run.stdout) as JsonResult[];
    const all = world.sandbox.store.recordings();
    expect(results.map((r) => r.sid).sort()).to.deep.equal(all.map((r) => r.sid).sort());

    const tree = checkTree(world.sandbox, root);
    expect(tree.problems).to.deep.equal([]);
    expect(tree.sids.sort()).to.deep.equal(
      completed()
        .map((r) => r.sid)
        .sort(),
    );
    for (const result of results) {
      const recording = world.sandbox.store.getRecording(result.sid)!;
      if (recording.status !== 'completed') {
        expect(result).to.include({ outcome: 'skipped', bytes: 0, sha256: null });
        expect(result.reason).to.match(/status is/);
        continue;
      }
      const created = new Date(recording.dateCreatedMs).toISOString();
      const folder = recording.conferenceSid ?? 'none';
      expect(result.path).to.equal(
        `${recording.accountSid}/${created.slice(0, 4)}/${created.slice(5, 7)}/${folder}/${recording.sid}.mp3`,
      );
      expect(result).to.include({ outcome: 'downloaded', accountSid: recording.accountSid });
      expect(result.bytes).to.equal(statSync(join(root, result.path)).size);
    }
    expect(new Set(results.map((r) => r.path.split('/')[0]))).to.have.property('size', 2);
  });

  it('with --dry-run, estimates the size and fetches and creates nothing', async () => {
    const root = join(scratch, 'dry');
    const run = await download(['--output-dir', root, '--dry-run', '--format', 'mp3']);
    expect(run.status, run.stderr).to.equal(0);
    expect(existsSync(root)).to.equal(false);
    expect(world.sandbox.counters.requests.media).to.equal(0);
    const expected = completed(world.sandbox.account.sid);
    const estimate = expected.reduce((sum, r) => sum + r.durationSeconds * 4000, 0);
    expect(run.stderr).to.include(
      `Would download ${expected.length} recordings, about ${(estimate / 1000).toFixed(1)} KB`,
    );
    expect(run.stdout).to.include('would-download');
  });

  describe('refuses bad input with exit status 2 before writing anything', () => {
    const file = () => join(scratch, 'a-file');
    const cases: Array<[string, () => string[], RegExp]> = [
      ['an unknown format', () => ['--format', 'ogg'], /Expected --format=ogg to be one of: wav, mp3/],
      ['a layout that climbs out', () => ['--layout', '../{sid}.{ext}'], /Invalid --layout/],
      ['an absolute layout', () => ['--layout', '/tmp/{sid}.{ext}'], /Invalid --layout .*relative/],
      ['a layout without {sid}', () => ['--layout', '{date}/{callSid}.{ext}'], /must contain \{sid\}/],
      ['an unknown layout field', () => ['--layout', '{who}/{sid}'], /unknown field \{who\}/],
      ['a concurrency of 0', () => ['--concurrency', '0'], /Invalid --concurrency/],
      ['a concurrency of 101', () => ['--concurrency', '101'], /Invalid --concurrency/],
      ['a bad duration', () => ['--older-than', 'soon'], /--older-than/],
      [
        'a folder whose parent is missing',
        () => ['--output-dir', join(scratch, 'missing', 'deeper')],
        /does not exist/,
      ],
      ['a folder that is a file', () => ['--output-dir', file()], /is a file/],
    ];
    for (const [what, args, message] of cases) {
      it(`refuses ${what}`, async () => {
        writeFileSync(file(), 'not a folder');
        const cwd = mkdtempSync(join(scratch, 'bad-'));
        const run = await download(args(), cwd);
        expect(run.status, run.stderr).to.equal(2);
        expect(run.stderr).to.match(message);
        expect(run.stderr.trim().split('\n')).to.have.length(1);
        expect(run.stdout).to.equal('');
        expect(filesUnder(cwd)).to.deep.equal([]);
        expect(existsSync(join(scratch, 'missing'))).to.equal(false);
        expect(world.sandbox.counters.requests.media).to.equal(0);
        expect(world.sandbox.counters.requests.list).to.equal(0);
      });
    }
  });
});
