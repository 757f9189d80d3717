import { expect } from 'chai';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  promises as fsPromises,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { expectedMedia, startSandbox, type Sandbox } from '../../../sandbox';
import { BadInputError, DiskFullError, MediaSaveError } from '../../../src/errors';
import type { MediaFileSystem } from '../../../src/media/media-file-system';
import { MANIFEST_FILE, MediaStore, type ManifestEntry } from '../../../src/media/media-store';
import type { Recording } from '../../../src/recordings/recording';
import type { TwilioApi } from '../../../src/twilio/twilio-api';
import { allRecordings, temporaryFolder } from '../../unit/media/media-test-kit';
import { sandboxApi } from '../../support/sandbox-api';

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function manifestLines(root: string): ManifestEntry[] {
  return readFileSync(join(root, MANIFEST_FILE), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ManifestEntry);
}

/** Every file under `folder`, relative, with forward slashes. */
function filesUnder(folder: string, prefix = ''): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(folder, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe('MediaStore', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let api: TwilioApi;
  let recordings: Recording[];
  let root: string;

  before(async () => {
    sandbox = await startSandbox({
      recordings: {
        count: 12,
        statusMix: { completed: 1 },
        maxDurationSeconds: 8,
      },
      subaccounts: 0,
    });
    api = sandboxApi(sandbox, { asTwilio: true, maxAttempts: 8 });
    recordings = await allRecordings(api);
  });

  after(() => sandbox.close());

  beforeEach(() => {
    root = join(temporaryFolder(), 'recordings');
    sandbox.resetCounters();
    sandbox.setKnobs({ redirectMedia: false, errorRate: 0, dropRate: 0, truncateRate: 0 });
  });

  const expected = (recording: Recording, format: 'wav' | 'mp3' = 'wav') =>
    expectedMedia(sandbox.store.getRecording(recording.sid)!, format);

  it('saves each format byte for byte, with a manifest line, files 0600 and folders 0700', async () => {
    for (const format of ['wav', 'mp3'] as const) {
      const store = await MediaStore.open({ root, format, layout: '{date}/{sid}.{ext}', api });
      const recording = recordings[0]!;
      const saved = await store.save(recording);
      await store.close();

      expect(saved.outcome).to.equal('downloaded');
      expect(saved.path).to.equal(`${recording.dateCreated.toISOString().slice(0, 10)}/${recording.sid}.${format}`);
      expect(saved.sha256).to.equal(expected(recording, format).sha256);
      expect(sha256(saved.absolutePath)).to.equal(saved.sha256);
      expect(statSync(saved.absolutePath).mode & 0o777).to.equal(0o600);
      expect(statSync(join(root, saved.path.split('/')[0]!)).mode & 0o777).to.equal(0o700);
      expect(statSync(root).mode & 0o777).to.equal(0o700);
    }
    const lines = manifestLines(root);
    expect(lines).to.have.length(2);
    expect(lines[1]).to.include({ event: 'downloaded', sid: recordings[0]!.sid, format: 'mp3', status: 'completed' });
    expect(lines[1]).to.have.keys([
      'event',
      'sid',
      'accountSid',
      'callSid',
      'conferenceSid',
      'dateCreated',
      'duration',
      'channels',
      'source',
      'status',
      'format',
      'path',
      'bytes',
      'sha256',
      'downloadedAt',
    ]);
    expect(statSync(join(root, MANIFEST_FILE)).mode & 0o777).to.equal(0o600);
  });

  it('skips what the manifest and the disk agree on, and fetches again what they do not', async () => {
    let store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    const [first, second, third] = recordings as [Recording, Recording, Recording];
    for (const recording of [first, second, third]) await store.save(recording);
    await store.close();

    // Same size, one byte changed: only a hash notices.
    const corrupted = join(root, `${second.sid}.wav`);
    const bytes = readFileSync(corrupted);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(corrupted, bytes);
    rmSync(join(root, `${third.sid}.wav`));

    store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    const outcomes = [];
    for (const recording of [first, second, third]) outcomes.push((await store.save(recording)).outcome);
    await store.close();

    expect(outcomes).to.deep.equal(['already-present', 'downloaded', 'downloaded']);
    expect(sandbox.counters.mediaFetchesPerSid).to.deep.equal({ [first.sid]: 1, [second.sid]: 2, [third.sid]: 2 });
    expect(sha256(corrupted)).to.equal(expected(second).sha256);
  });

  it('with a size-only recheck, trusts a file of the right size', async () => {
    let store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    const saved = await store.save(recordings[0]!);
    await store.close();
    const bytes = readFileSync(saved.absolutePath);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(saved.absolutePath, bytes);

    store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api, recheck: 'size' });
    expect((await store.save(recordings[0]!)).outcome).to.equal('already-present');
    await store.close();
  });

  it('loads a manifest whose last line was torn by a crash, keeps that line and appends after it', async () => {
    let store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    await store.save(recordings[0]!);
    await store.save(recordings[1]!);
    await store.close();
    const manifest = join(root, MANIFEST_FILE);
    const torn = `{"event":"downloaded","sid":"${recordings[2]!.sid}","pa`;
    const before = `${readFileSync(manifest, 'utf8')}${torn}`;
    writeFileSync(manifest, before);

    sandbox.resetCounters();
    store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    const outcomes = [];
    for (const recording of recordings.slice(0, 3)) outcomes.push((await store.save(recording)).outcome);
    await store.close();

    expect(outcomes).to.deep.equal(['already-present', 'already-present', 'downloaded']);
    const after = readFileSync(manifest, 'utf8');
    expect(after.startsWith(`${before}\n`)).to.equal(true);
    const added = after
      .slice(before.length + 1)
      .split('\n')
      .filter(Boolean);
    expect(added.map((line) => (JSON.parse(line) as ManifestEntry).sid)).to.deep.equal([recordings[2]!.sid]);
  });

  it('keeps other kinds of manifest lines without counting them as saved media', async () => {
    const store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    await store.appendToManifest({ event: 'deleted', sid: recordings[0]!.sid });
    await store.close();
    const reopened = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    expect(await reopened.presentCopy(recordings[0]!)).to.equal(undefined);
    expect((await reopened.save(recordings[0]!)).outcome).to.equal('downloaded');
    await reopened.close();
    expect(manifestLines(root).map((line) => line.event)).to.deep.equal(['deleted', 'downloaded']);
  });

  it('follows a redirect to the CDN without sending it the credentials', async () => {
    sandbox.setKnobs({ redirectMedia: true });
    const store = await MediaStore.open({ root, format: 'mp3', layout: '{sid}.{ext}', api });
    for (const recording of recordings.slice(0, 4)) {
      const saved = await store.save(recording);
      expect(saved.sha256).to.equal(expected(recording, 'mp3').sha256);
    }
    await store.close();
    expect(sandbox.counters.requests.cdn).to.equal(4);
    expect(sandbox.counters.cdnAuthorizationHeaders).to.equal(0);
  });

  it('retries dropped, failed and truncated answers, and never leaves a partial file', async () => {
    sandbox.setKnobs({
      errorRate: 0.15,
      dropRate: 0.1,
      truncateRate: 0.3,
      truncateStyle: 'chunked-clean',
      faultSeed: 7,
    });
    const store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    const results = await Promise.allSettled(recordings.map((recording) => store.save(recording)));
    await store.close();
    expect(sandbox.counters.truncated).to.be.greaterThan(0);
    for (const [index, result] of results.entries()) {
      const recording = recordings[index]!;
      if (result.status === 'fulfilled') {
        expect(sha256(result.value.absolutePath)).to.equal(expected(recording).sha256);
      } else {
        expect(result.reason).to.be.instanceOf(MediaSaveError);
        expect(existsSync(join(root, `${recording.sid}.wav`))).to.equal(false);
      }
    }
    expect(filesUnder(root).filter((name) => name.includes('.part-'))).to.deep.equal([]);
  });

  it('reports a recording without media as failed, without retrying', async () => {
    const gone = { ...recordings[0]!, sid: 'RE00000000000000000000000000000000' };
    const store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    const error = await store.save(gone).catch((caught: unknown) => caught);
    await store.close();
    expect(error).to.be.instanceOf(MediaSaveError);
    expect((error as MediaSaveError).reason).to.match(/404/);
    expect(sandbox.counters.requests.media).to.equal(1);
  });

  it('on a full disk, removes the temporary file, keeps earlier files and lines, and says so', async () => {
    const store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    const kept = await store.save(recordings[0]!);
    await store.close();

    let partialPath = '';
    const fullDisk: MediaFileSystem = {
      ...fsPromises,
      open: (async (path: string, flags: string, mode?: number) => {
        const handle = await fsPromises.open(path, flags, mode);
        if (!String(path).includes('.part-')) return handle;
        partialPath = String(path);
        (handle as unknown as { write: unknown }).write = async () => {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        };
        return handle;
      }) as MediaFileSystem['open'],
    };
    const full = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api, fs: fullDisk });
    const big = recordings.reduce((a, b) => (b.duration > a.duration ? b : a));
    const error = await full.save(big).catch((caught: unknown) => caught);
    await full.close();

    expect(error).to.be.instanceOf(DiskFullError);
    expect((error as DiskFullError).reason).to.match(/disk is full \(ENOSPC\)/);
    expect(partialPath).to.not.equal('');
    expect(existsSync(partialPath)).to.equal(false);
    expect(existsSync(join(root, `${big.sid}.wav`))).to.equal(false);
    expect(sha256(kept.absolutePath)).to.equal(kept.sha256);
    expect(manifestLines(root).map((line) => line.sid)).to.deep.equal([recordings[0]!.sid]);
  });

  it('removes temporary files of writers that are gone, and keeps those of live ones', async () => {
    mkdirSync(join(root, '.partial'), { recursive: true });
    const abandoned = join(root, '.partial', `RE1.wav.part-${2 ** 22 + 12345}-abcdef`);
    const live = join(root, '.partial', `RE2.wav.part-${process.pid}-abcdef`);
    const unrelated = join(root, '.partial', 'notes');
    for (const path of [abandoned, live, unrelated]) writeFileSync(path, 'x');
    const store = await MediaStore.open({ root, format: 'wav', layout: '{date}/{sid}.{ext}', api });
    await store.close();
    expect([existsSync(abandoned), existsSync(live), existsSync(unrelated)]).to.deep.equal([false, true, true]);
  });

  it('never removes a saved file whose name looks like a temporary file', async () => {
    const layout = '{date}/.{sid}.part-99999-{day}';
    let store = await MediaStore.open({ root, format: 'wav', layout, api });
    const saved = await store.save(recordings[0]!);
    await store.close();
    expect(saved.path).to.match(/^\d{4}-\d\d-\d\d\/\.RE[0-9a-f]{32}\.part-99999-\d\d$/);

    store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    await store.close();
    expect(sha256(saved.absolutePath)).to.equal(expected(recordings[0]!).sha256);
  });

  it('never removes a temporary-looking file in the temporary folder that the manifest lists', async () => {
    mkdirSync(join(root, '.partial'), { recursive: true });
    const listed = `.partial/RE1.wav.part-${2 ** 22 + 12345}-abcdef`;
    writeFileSync(join(root, ...listed.split('/')), 'audio');
    writeFileSync(
      join(root, MANIFEST_FILE),
      `${JSON.stringify({ event: 'downloaded', sid: 'RE1', format: 'mp3', path: listed, bytes: 5, sha256: 'x' })}\n`,
    );
    const store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    await store.close();
    expect(readFileSync(join(root, ...listed.split('/')), 'utf8')).to.equal('audio');
  });

  it('leaves no temporary folder behind once it is empty', async () => {
    const store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
    await store.save(recordings[0]!);
    expect(existsSync(join(root, '.partial'))).to.equal(true);
    await store.close();
    expect(readdirSync(root).sort()).to.deep.equal([`${recordings[0]!.sid}.wav`, MANIFEST_FILE].sort());
  });

  describe('with symbolic links', () => {
    let outside: string;

    beforeEach(() => {
      outside = temporaryFolder();
      mkdirSync(root, { recursive: true });
    });

    const refusal = (options: { layout?: string } = {}) =>
      MediaStore.open({ root, format: 'wav', layout: options.layout ?? '{date}/{sid}.{ext}', api }).catch(
        (error: unknown) => error,
      );

    it('refuses a linked subfolder before fetching anything, and writes nothing outside', async () => {
      const date = recordings[0]!.dateCreated.toISOString().slice(0, 10);
      symlinkSync(outside, join(root, date));
      const error = await refusal();
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(new RegExp(`${date} inside it is a symbolic link`));
      expect(
        await MediaStore.check({ root, format: 'wav', layout: '{sid}.{ext}', api }).catch((e: unknown) => e),
      ).to.be.instanceOf(BadInputError);
      expect(readdirSync(outside)).to.deep.equal([]);
      expect(sandbox.counters.requests.media).to.equal(0);
    });

    it('refuses a linked or dangling manifest, and a manifest that is a folder, leaving the target as it was', async () => {
      const target = join(outside, 'notes.txt');
      writeFileSync(target, 'line one\nline two, no newline');
      const manifest = join(root, MANIFEST_FILE);
      const setups: Array<[() => void, RegExp]> = [
        [() => symlinkSync(target, manifest), /manifest\.jsonl inside it is a symbolic link/],
        [() => symlinkSync(join(outside, 'missing'), manifest), /manifest\.jsonl inside it is a symbolic link/],
        [() => mkdirSync(manifest), /its manifest\.jsonl is not a file/],
      ];
      for (const [setup, message] of setups) {
        rmSync(manifest, { recursive: true, force: true });
        setup();
        const error = await refusal();
        expect(error).to.be.instanceOf(BadInputError);
        expect((error as Error).message).to.match(message);
      }
      expect(readFileSync(target, 'utf8')).to.equal('line one\nline two, no newline');
      expect(existsSync(join(outside, 'missing'))).to.equal(false);
    });

    it('refuses a linked temporary folder', async () => {
      symlinkSync(outside, join(root, '.partial'));
      expect(await refusal()).to.be.instanceOf(BadInputError);
      expect(readdirSync(outside)).to.deep.equal([]);
    });

    it('fails the save, writing nothing outside, when a link appears after the folder was checked', async () => {
      const store = await MediaStore.open({ root, format: 'wav', layout: '{date}/{sid}.{ext}', api });
      const date = recordings[0]!.dateCreated.toISOString().slice(0, 10);
      symlinkSync(outside, join(root, date));
      const error = await store.save(recordings[0]!).catch((caught: unknown) => caught);
      await store.close();
      expect(error).to.be.instanceOf(MediaSaveError);
      expect((error as MediaSaveError).reason).to.match(/is a symbolic link/);
      expect(readdirSync(outside)).to.deep.equal([]);
    });

    it("replaces a link standing under a recording's name instead of writing through it", async () => {
      const target = join(outside, 'kept.txt');
      writeFileSync(target, 'kept');
      const store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api });
      symlinkSync(target, join(root, `${recordings[0]!.sid}.wav`));
      const saved = await store.save(recordings[0]!);
      await store.close();
      expect(lstatSync(saved.absolutePath).isFile()).to.equal(true);
      expect(sha256(saved.absolutePath)).to.equal(expected(recordings[0]!).sha256);
      expect(readFileSync(target, 'utf8')).to.equal('kept');
    });

    it('accepts an output folder that is itself a link', async () => {
      const linked = join(temporaryFolder(), 'linked');
      symlinkSync(outside, linked);
      const store = await MediaStore.open({ root: linked, format: 'wav', layout: '{sid}.{ext}', api });
      await store.save(recordings[0]!);
      await store.close();
      expect(readdirSync(outside).sort()).to.deep.equal([`${recordings[0]!.sid}.wav`, MANIFEST_FILE].sort());
    });
  });

  it('creates a missing folder whose parent exists, and refuses one that cannot be used', async () => {
    const parent = temporaryFolder();
    await (await MediaStore.open({ root: join(parent, 'new'), format: 'wav', layout: '{sid}.{ext}', api })).close();
    expect(statSync(join(parent, 'new')).isDirectory()).to.equal(true);

    writeFileSync(join(parent, 'file'), 'x');
    const unwritable: MediaFileSystem = {
      ...fsPromises,
      access: async () => {
        throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
      },
    };
    const attempts: Array<[string, MediaFileSystem, RegExp]> = [
      [join(parent, 'missing', 'deeper'), fsPromises, /parent folder .* does not exist/],
      [join(parent, 'file'), fsPromises, /is a file/],
      [join(parent, 'file', 'below'), fsPromises, /parent folder .* does not exist/],
      [join(parent, 'locked'), unwritable, /is not writable/],
      ['', fsPromises, /folder path is empty/],
    ];
    for (const [folder, fs, message] of attempts) {
      const error = await MediaStore.open({ root: folder, format: 'wav', layout: '{sid}.{ext}', api, fs }).catch(
        (e: unknown) => e,
      );
      expect(error, folder).to.be.instanceOf(BadInputError);
      expect((error as Error).message, folder).to.match(message);
    }
    expect(existsSync(join(parent, 'locked'))).to.equal(false);
    expect(existsSync(join(parent, 'missing'))).to.equal(false);
  });

  it('opened read-only, creates nothing and refuses to save', async () => {
    const store = await MediaStore.open({ root, format: 'wav', layout: '{sid}.{ext}', api, readOnly: true });
    expect(store.plannedPath(recordings[0]!)).to.equal(`${recordings[0]!.sid}.wav`);
    expect(await store.presentCopy(recordings[0]!)).to.equal(undefined);
    const error = await store.save(recordings[0]!).catch((e: unknown) => e);
    await store.close();
    expect(error).to.be.instanceOf(Error);
    expect(existsSync(root)).to.equal(false);
  });
});
