import { expect } from 'chai';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTree, expectedSha256, filesUnder, manifestLines, sha256Of } from './download-tree';
import { TWILIO_BIN, TwilioWorld } from './twilio-world';
import { expectOneLineFailure } from './one-line-failure';
import { DAY } from '../support/time';

const NOTES = 'my own notes\nthe last line, with no newline';

describe('files on disk: the output folder, its manifest and logs', function () {
  this.timeout(120_000);
  let world: TwilioWorld;
  let scratch: string;

  before(async () => {
    world = await TwilioWorld.start({
      recordings: { count: 6, statusMix: { completed: 1 }, maxDurationSeconds: 3, seed: 5 },
      subaccounts: 0,
    });
    scratch = mkdtempSync(join(tmpdir(), 'files-e2e-'));
  });

  after(async () => {
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  beforeEach(() => world.sandbox.resetCounters());

  const twilio = (args: string[], cwd?: string) => world.run(args, { env: world.authTokenEnv, cwd });
  const folder = (name: string) => mkdtempSync(join(scratch, `${name}-`));
  const live = () => world.sandbox.store.recordings().filter((r) => r.status === 'completed');
  const addOld = () => world.sandbox.store.addRecording({ dateCreated: Date.now() - 60 * DAY, durationSeconds: 2 }).sid;
  const nothingFetched = () => {
    expect(world.sandbox.counters.requests.media, 'media requests').to.equal(0);
    expect(world.sandbox.counters.requests.delete, 'delete requests').to.equal(0);
  };

  describe('symbolic links inside the output folder', () => {
    it('download refuses a linked subfolder before fetching anything; the folder it points to stays empty', async () => {
      const root = folder('linked-subfolder');
      const outside = folder('outside');
      const date = new Date(live()[0]!.dateCreatedMs).toISOString().slice(0, 10);
      symlinkSync(outside, join(root, date));
      const run = await twilio(['recordings:download', '--output-dir', root]);
      expectOneLineFailure(
        run,
        2,
        new RegExp(`${date} inside it is a symbolic link.*remove the link or choose another folder`),
      );
      expect(readdirSync(outside)).to.deep.equal([]);
      expect(world.sandbox.counters.requests.list).to.equal(0);
      nothingFetched();
    });

    it('download refuses a manifest.jsonl that is a link, a dangling link or a folder; a linked file keeps every byte', async () => {
      const outside = folder('outside');
      const target = join(outside, 'notes.txt');
      writeFileSync(target, NOTES);
      const cases: Array<[string, (manifest: string) => void, RegExp]> = [
        ['link', (manifest) => symlinkSync(target, manifest), /manifest\.jsonl inside it is a symbolic link/],
        [
          'dangling link',
          (manifest) => symlinkSync(join(outside, 'gone'), manifest),
          /manifest\.jsonl inside it is a symbolic link/,
        ],
        ['folder', (manifest) => mkdirSync(manifest), /its manifest\.jsonl is not a file; move it away/],
      ];
      for (const [what, make, message] of cases) {
        const root = folder(`manifest-${what.replace(' ', '-')}`);
        make(join(root, 'manifest.jsonl'));
        const run = await twilio(['recordings:download', '--output-dir', root]);
        expectOneLineFailure(run, 2, message);
        expect(
          filesUnder(root).filter((file) => file !== 'manifest.jsonl'),
          what,
        ).to.deep.equal([]);
      }
      expect(readFileSync(target, 'utf8')).to.equal(NOTES);
      expect(readdirSync(outside)).to.deep.equal(['notes.txt']);
      nothingFetched();
    });

    it('purge refuses an archive with a linked subfolder before the plan, and deletes nothing', async () => {
      const sid = addOld();
      const root = folder('archive-linked');
      const outside = folder('outside');
      symlinkSync(outside, join(root, 'elsewhere'));
      const run = await twilio(['recordings:purge', '--sid', sid, '--archive-dir', root, '--force']);
      expectOneLineFailure(run, 2, /elsewhere inside it is a symbolic link/);
      expect(run.stderr).to.not.match(/Plan/i);
      expect(world.sandbox.store.getRecording(sid)!.status).to.equal('completed');
      expect(readdirSync(outside)).to.deep.equal([]);
      nothingFetched();
    });

    it('saves into an output folder that is itself a link the user chose', async () => {
      const target = folder('link-target');
      const linked = join(folder('link-parent'), 'recordings');
      symlinkSync(target, linked);
      const run = await twilio(['recordings:download', '--output-dir', linked]);
      expect(run.status, run.stderr).to.equal(0);
      const tree = checkTree(world.sandbox, target);
      expect(tree.problems).to.deep.equal([]);
      expect(tree.sids.sort()).to.deep.equal(
        live()
          .map((r) => r.sid)
          .sort(),
      );
    });
  });

  describe('a file whose name looks like a temporary file', () => {
    it('survives later runs of download and purge, byte for byte', async () => {
      const root = folder('temp-like');
      const layout = '{date}/.{sid}.part-99999-{day}';
      const first = await twilio(['recordings:download', '--output-dir', root, '--layout', layout]);
      expect(first.status, first.stderr).to.equal(0);
      const saved = manifestLines(root);
      expect(saved.length).to.equal(live().length);
      for (const line of saved) expect(line.path).to.match(/\/\.RE[0-9a-f]{32}\.part-99999-\d\d$/);

      // The archive run deletes the recordings from Twilio: these files become the only copies.
      const sids = saved.flatMap((line) => ['--sid', line.sid]);
      const purge = await twilio(['recordings:purge', ...sids, '--archive-dir', root, '--layout', layout, '--force']);
      expect(purge.status, purge.stderr).to.equal(0);
      const again = await twilio(['recordings:download', '--output-dir', root]);
      expect(again.status, again.stderr).to.equal(0);

      for (const line of saved) {
        expect(sha256Of(join(root, ...line.path.split('/'))), line.path).to.equal(
          expectedSha256(world.sandbox, line.sid, 'wav'),
        );
      }
      expect(filesUnder(root).filter((file) => file.startsWith('.partial'))).to.deep.equal([]);
    });

    it('a layout whose first folder could be the temporary folder is refused', async () => {
      const root = folder('reserved');
      const run = await twilio(['recordings:download', '--output-dir', root, '--layout', '.partial/{sid}.{ext}']);
      expectOneLineFailure(
        run,
        2,
        /Invalid --layout ".partial\/\{sid\}\.\{ext\}": its first folder could be ".partial"/,
      );
      expect(readdirSync(root)).to.deep.equal([]);
      nothingFetched();
    });
  });

  describe('a log file the user names', () => {
    it('purge --log on a file without a final newline keeps its last line byte for byte', async () => {
      const sid = addOld();
      const notes = join(folder('notes'), 'notes.txt');
      writeFileSync(notes, NOTES);
      const run = await twilio(['recordings:purge', '--sid', sid, '--force', '--log', notes]);
      expect(run.status, run.stderr).to.equal(0);
      const text = readFileSync(notes, 'utf8');
      expect(text.startsWith(`${NOTES}\n`), text).to.equal(true);
      const added = text
        .slice(NOTES.length + 1)
        .split('\n')
        .filter(Boolean);
      const events = added.map((line) => JSON.parse(line) as { event: string; sid?: string });
      expect(events.map((line) => [line.event, line.sid])).to.deep.equal([
        ['run-started', undefined],
        ['delete-intent', sid],
        ['deleted', sid],
      ]);
    });

    it('purge --log refuses a folder, a link or a dangling link before the plan, and deletes nothing', async () => {
      const sid = addOld();
      const dir = folder('log-refused');
      const target = join(dir, 'notes.txt');
      writeFileSync(target, NOTES);
      mkdirSync(join(dir, 'a-folder'));
      symlinkSync(target, join(dir, 'link.jsonl'));
      symlinkSync(join(dir, 'gone.jsonl'), join(dir, 'dangling.jsonl'));
      for (const [name, reason] of [
        ['a-folder', 'it is a folder'],
        ['link.jsonl', 'it is a symbolic link'],
        ['dangling.jsonl', 'it is a symbolic link'],
      ] as const) {
        const run = await twilio(['recordings:purge', '--sid', sid, '--force', '--log', join(dir, name)]);
        expectOneLineFailure(
          run,
          2,
          new RegExp(`Cannot use ".*${name}": ${reason}; give the path of a regular file instead`),
        );
      }
      expect(world.sandbox.store.getRecording(sid)!.status).to.equal('completed');
      expect(readFileSync(target, 'utf8')).to.equal(NOTES);
      expect(readdirSync(dir).sort()).to.deep.equal(['a-folder', 'dangling.jsonl', 'link.jsonl', 'notes.txt']);
      nothingFetched();
    });

    it('listen --log on a file without a final newline leaves it byte for byte when no request came', async () => {
      const notes = join(folder('listen-notes'), 'notes.txt');
      writeFileSync(notes, NOTES);
      const child = spawn(TWILIO_BIN, ['recordings:callbacks:listen', '--port', '0', '--log', notes], {
        env: world.environment(world.authTokenEnv),
      });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await new Promise<void>((resolve, reject) => {
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          if (stderr.includes('Press Ctrl-C to stop.')) resolve();
        });
        void exited.then(() => reject(new Error(`listen exited early: ${stderr}`)));
      });
      child.kill('SIGINT');
      expect(await exited, stderr).to.equal(0);
      expect(readFileSync(notes, 'utf8')).to.equal(NOTES);
    });

    it('listen refuses a linked --log and a --download-dir with a linked subfolder', async () => {
      const dir = folder('listen-refused');
      const target = join(dir, 'notes.txt');
      writeFileSync(target, NOTES);
      symlinkSync(target, join(dir, 'link.jsonl'));
      const linkedLog = await twilio(['recordings:callbacks:listen', '--port', '0', '--log', join(dir, 'link.jsonl')]);
      expectOneLineFailure(linkedLog, 2, /link\.jsonl": it is a symbolic link/);

      const root = folder('listen-download');
      symlinkSync(folder('outside'), join(root, 'sub'));
      const log = join(dir, 'callbacks.jsonl');
      const linkedDir = await twilio([
        'recordings:callbacks:listen',
        '--port',
        '0',
        '--download-dir',
        root,
        '--log',
        log,
      ]);
      expectOneLineFailure(linkedDir, 2, /sub inside it is a symbolic link/);
      expect(existsSync(log), 'a log created before the folder was refused').to.equal(false);
      expect(readFileSync(target, 'utf8')).to.equal(NOTES);
    });
  });

  describe('an empty path', () => {
    const cases: Array<[string, string[]]> = [
      ['--output-dir', ['recordings:download', '--output-dir', '']],
      ['--output-dir', ['recordings:download', '--output-dir=']],
      ['--archive-dir', ['recordings:purge', '--older-than', '1d', '--force', '--archive-dir', '']],
      ['--log', ['recordings:purge', '--older-than', '1d', '--force', '--log', '']],
      ['--download-dir', ['recordings:callbacks:listen', '--port', '0', '--download-dir', '']],
      ['--log', ['recordings:callbacks:listen', '--port', '0', '--log', ' ']],
    ];
    for (const [flag, args] of cases) {
      it(`${args[0]} ${args.slice(1).join(' ')}: refused, nothing written or deleted`, async () => {
        const cwd = folder('empty');
        const before = live().length;
        const run = await twilio(args, cwd);
        expectOneLineFailure(run, 2, new RegExp(`${flag} is empty: give a path, e\\.g\\. ${flag} `));
        expect(readdirSync(cwd)).to.deep.equal([]);
        expect(live().length).to.equal(before);
        nothingFetched();
      });
    }
  });
});
