import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMedia, servedMedia } from '../../sandbox';
import { filesUnder, manifestLines, sha256Of } from './download-tree';
import { keyFiles, type KeyFiles } from './encryption-keys';
import { TwilioWorld } from './twilio-world';
import { createHash } from 'node:crypto';

interface JsonResult {
  sid: string;
  path: string;
  outcome: string;
  reason?: string;
  keySid?: string | null;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('twilio recordings:download of encrypted recordings', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let scratch: string;
  let key: KeyFiles;
  let other: KeyFiles;
  let keySid: string;
  let otherSid: string;
  /** Encrypted for `key`: the first four with the tutorial's names, the next four with the spec's. */
  let tutorial: string[];
  let spec: string[];
  /** Encrypted for `other`: Twilio fell back to it because the configured key was invalid. */
  let fallback: string[];

  before(async () => {
    world = await TwilioWorld.start({
      seed: 5,
      subaccounts: 0,
      recordings: { count: 10, statusMix: { completed: 1 }, maxDurationSeconds: 4 },
    });
    scratch = mkdtempSync(join(tmpdir(), 'encrypted-e2e-'));
    key = keyFiles(scratch, 'main');
    other = keyFiles(scratch, 'other');
    const { sandbox } = world;
    const account = sandbox.account.sid;
    const sids = sandbox.store.recordings(account).map((r) => r.sid);
    [tutorial, spec, fallback] = [sids.slice(0, 4), sids.slice(4, 8), sids.slice(8)];
    keySid = sandbox.registerPublicKey(key.publicPem);
    otherSid = sandbox.registerPublicKey(other.publicPem);
    const revoked = sandbox.registerPublicKey(key.publicPem);
    sandbox.invalidatePublicKey(revoked);
    sandbox.encryptRecordings(account, { keySid, naming: 'tutorial', sids: tutorial });
    sandbox.encryptRecordings(account, { keySid, naming: 'api', sids: spec });
    expect(sandbox.encryptRecordings(account, { keySid: revoked, sids: fallback })).to.equal(otherSid);
  });

  after(() => world.close());
  beforeEach(() => {
    world.sandbox.resetCounters();
    world.sandbox.setKnobs({ tamperEncryptedMedia: null });
  });

  const download = (args: string[], env: Record<string, string> = {}) =>
    world.run(['recordings:download', ...args], { env: { ...world.authTokenEnv, ...env } });
  const only = (sids: string[]) => sids.flatMap((sid) => ['--sid', sid]);
  const plaintextSha = (sid: string) => expectedMedia(world.sandbox.store.getRecording(sid)!).sha256;
  const folder = (name: string) => mkdtempSync(join(scratch, `${name}-`));

  for (const [naming, sids] of [
    ['the tutorial', () => tutorial],
    ['the API spec', () => spec],
  ] as const) {
    it(`decrypts recordings whose details use ${naming}'s names into WAV files identical to the plaintext`, async () => {
      const root = folder('decrypted');
      const run = await download(['--output-dir', root, '--decrypt-key', key.privatePath, ...only(sids())]);
      expect(run.status, run.stderr).to.equal(0);
      const files = filesUnder(root).filter((file) => file !== 'manifest.jsonl');
      expect(files).to.have.length(sids().length);
      for (const file of files) {
        const sid = /(RE[0-9a-f]{32})\.wav$/.exec(file)![1]!;
        expect(sha256Of(join(root, file)), file).to.equal(plaintextSha(sid));
      }
    });
  }

  it('records the key SID and the SHA-256 of the ciphertext and of the plaintext in the manifest', async () => {
    const root = folder('manifest');
    const run = await download(['--output-dir', root, '--decrypt-key', key.pkcs1Path, ...only(tutorial.slice(0, 1))]);
    expect(run.status, run.stderr).to.equal(0);
    const [line] = manifestLines(root);
    const recording = world.sandbox.store.getRecording(tutorial[0]!)!;
    expect(line!.sha256).to.equal(plaintextSha(recording.sid));
    expect(line!.encryption).to.deep.include({
      keySid,
      decrypted: true,
      ciphertextSha256: sha256(servedMedia(recording)),
      ciphertextBytes: servedMedia(recording).length,
    });
  });

  it('decrypts recordings encrypted for different keys with the key each needs', async () => {
    const root = folder('two-keys');
    const run = await download([
      '--output-dir',
      root,
      '--decrypt-key',
      key.privatePath,
      '--decrypt-key',
      other.privatePath,
      '-o',
      'json',
    ]);
    expect(run.status, run.stderr).to.equal(0);
    const results = JSON.parse(run.stdout) as JsonResult[];
    expect(results.filter((r) => r.outcome === 'downloaded')).to.have.length(10);
    expect(results.find((r) => r.sid === fallback[0])!.keySid).to.equal(otherSid);
  });

  it('reports, with --expect-key, the recordings Twilio encrypted with a fallback key (16107)', async () => {
    const root = folder('expect');
    const run = await download(['--output-dir', root, '--expect-key', keySid, '--dry-run']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.include(`2 recordings encrypted with another public key than ${keySid}`);
    for (const sid of fallback) expect(run.stderr).to.include(`${sid}: ${otherSid}`);
    for (const sid of [...tutorial, ...spec]) expect(run.stderr).not.to.include(`${sid}:`);
  });

  it('fails a recording whose key was not given, with one line naming its public key, and saves nothing of it', async () => {
    const root = folder('wrong-key');
    const run = await download(['--output-dir', root, '--decrypt-key', key.privatePath, ...only(fallback)]);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(
      new RegExp(
        `Failed ${fallback[0]}: the private key given does not open its content key: it was encrypted for public key ${otherSid}`,
      ),
    );
    expect(filesUnder(root).filter((file) => file !== 'manifest.jsonl')).to.deep.equal([]);
    expect(world.sandbox.counters.requests.media).to.equal(0);
  });

  for (const tampering of ['flip-byte', 'drop-tag'] as const) {
    it(`refuses media with ${tampering === 'flip-byte' ? 'one byte flipped' : 'the tag cut off'}, and leaves no plaintext`, async () => {
      world.sandbox.setKnobs({ tamperEncryptedMedia: tampering });
      const root = folder(tampering);
      const run = await download([
        '--output-dir',
        root,
        '--decrypt-key',
        key.privatePath,
        ...only(tutorial.slice(0, 2)),
      ]);
      expect(run.status).to.equal(1);
      expect(run.stderr).to.match(/Failed RE[0-9a-f]{32}: cannot decrypt: .*GCM tag/);
      expect(filesUnder(root)).to.deep.equal(existsSync(join(root, 'manifest.jsonl')) ? ['manifest.jsonl'] : []);
    });
  }

  it('opens an encrypted PEM with the passphrase from the environment variable --decrypt-key-passphrase-env names', async () => {
    const root = folder('passphrase');
    const run = await download(
      [
        '--output-dir',
        root,
        '--decrypt-key',
        key.encryptedPath,
        '--decrypt-key-passphrase-env',
        'KEY_PASS',
        ...only(spec.slice(0, 1)),
      ],
      { KEY_PASS: key.passphrase },
    );
    expect(run.status, run.stderr).to.equal(0);
    expect(manifestLines(root)[0]!.sha256).to.equal(plaintextSha(spec[0]!));
  });

  const refusals: Array<[string, () => string[], Record<string, string>, RegExp]> = [
    [
      'a wrong passphrase',
      () => ['--decrypt-key', key.encryptedPath, '--decrypt-key-passphrase-env', 'KEY_PASS'],
      { KEY_PASS: 'not it' },
      /Cannot open the private key .*main-encrypted\.pem: wrong passphrase/,
    ],
    [
      'an encrypted PEM without a terminal or passphrase variable',
      () => ['--decrypt-key', key.encryptedPath],
      {},
      /is encrypted: run on a terminal .*--decrypt-key-passphrase-env/,
    ],
    [
      'a public key given as the private key',
      () => ['--decrypt-key', join(scratch, 'public.pem')],
      {},
      /not the public key/,
    ],
    ['a corrupt PEM', () => ['--decrypt-key', join(scratch, 'corrupt.pem')], {}, /not a readable PEM private key/],
    ['an --expect-key that is not CR…', () => ['--expect-key', 'PK123'], {}, /Invalid --expect-key/],
  ];
  for (const [what, args, env, message] of refusals) {
    it(`refuses ${what} with exit 2 in one line, before fetching anything`, async () => {
      writeFileSync(join(scratch, 'public.pem'), key.publicPem);
      writeFileSync(
        join(scratch, 'corrupt.pem'),
        readFileSync(key.privatePath, 'utf8').slice(0, 300) + '\n-----END PRIVATE KEY-----\n',
      );
      const root = join(scratch, `refused-${what.length}`);
      const run = await download(['--output-dir', root, ...args()], env);
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr).to.match(message);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).not.to.include(key.passphrase);
      expect(run.stderr).not.to.include('not it');
      expect(world.sandbox.counters.requests.total).to.equal(0);
      expect(existsSync(root)).to.equal(false);
    });
  }

  it('skips encrypted recordings asked for as mp3, with the reason, instead of failing them', async () => {
    const root = folder('mp3');
    const run = await download(['--output-dir', root, '--format', 'mp3', '-o', 'json', ...only(tutorial.slice(0, 2))]);
    expect(run.status, run.stderr).to.equal(0);
    const results = JSON.parse(run.stdout) as JsonResult[];
    for (const result of results) {
      expect(result.outcome).to.equal('skipped');
      expect(result.reason).to.match(/WAV only \(error 16109\)/);
    }
    expect(run.stderr).to.include('Skipped 2 encrypted recordings: Twilio serves them as WAV only (16109)');
    expect(world.sandbox.counters.requests.media).to.equal(0);
  });

  describe('saved as served, then twilio recordings:decrypt', () => {
    const decrypt = (args: string[]) => world.run(['recordings:decrypt', ...args]);
    const wavFiles = (root: string) => filesUnder(root).filter((file) => file.endsWith('.wav'));

    async function savedEncrypted(sids: string[]): Promise<string> {
      const root = folder('as-served');
      const run = await download(['--output-dir', root, ...only(sids)]);
      expect(run.status, run.stderr).to.equal(0);
      return root;
    }

    it('saves encrypted media exactly as served under ….wav.enc, with its details in the manifest', async () => {
      const root = await savedEncrypted(spec.slice(0, 2));
      expect(wavFiles(root)).to.deep.equal([]);
      for (const line of manifestLines(root)) {
        const recording = world.sandbox.store.getRecording(line.sid)!;
        expect(line.path).to.match(/\.wav\.enc$/);
        expect(sha256Of(join(root, line.path))).to.equal(sha256(servedMedia(recording)));
        expect(line.encryption).to.deep.include({ keySid, decrypted: false, details: recording.encryptionDetails });
      }
    });

    it('decrypts the folder without credentials into WAV files identical to the plaintext, and a re-run changes nothing', async () => {
      const sids = [...tutorial.slice(0, 2), ...spec.slice(0, 2)];
      const root = await savedEncrypted(sids);
      const first = await decrypt(['--key', key.privatePath, root]);
      expect(first.status, first.stderr).to.equal(0);
      expect(first.stderr).to.include('Decrypted 4 recordings');
      const wavs = wavFiles(root);
      expect(wavs).to.have.length(4);
      for (const file of wavs) {
        const sid = /(RE[0-9a-f]{32})\.wav$/.exec(file)![1]!;
        expect(sha256Of(join(root, file))).to.equal(plaintextSha(sid));
        expect(existsSync(join(root, `${file}.enc`)), 'the encrypted file is kept').to.equal(true);
      }
      const before = readFileSync(join(root, 'manifest.jsonl'), 'utf8');
      const again = await decrypt(['--key', key.privatePath, root, '-o', 'json']);
      expect(again.status, again.stderr).to.equal(0);
      expect((JSON.parse(again.stdout) as JsonResult[]).map((r) => r.outcome)).to.deep.equal(
        Array(4).fill('already-decrypted'),
      );
      expect(readFileSync(join(root, 'manifest.jsonl'), 'utf8')).to.equal(before);

      world.sandbox.resetCounters();
      const redownload = await download(['--output-dir', root, ...only(sids)]);
      expect(redownload.status, redownload.stderr).to.equal(0);
      expect(redownload.stderr).to.include('4 already present');
      expect(world.sandbox.counters.requests.media).to.equal(0);
    });

    it('refuses a file with one byte flipped and a file cut short of its tag, decrypts the rest, and exits 1', async () => {
      const root = await savedEncrypted(tutorial.slice(0, 3));
      const [flipped, cut] = manifestLines(root);
      const flippedPath = join(root, flipped!.path);
      const bytes = readFileSync(flippedPath);
      bytes[bytes.length >> 1]! ^= 0x01;
      writeFileSync(flippedPath, bytes);
      truncateSync(join(root, cut!.path), cut!.bytes - 16);
      const run = await decrypt(['--key', key.privatePath, root]);
      expect(run.status).to.equal(1);
      expect(run.stderr).to.match(new RegExp(`Failed ${flipped!.sid}: cannot decrypt: its GCM tag does not match`));
      expect(run.stderr).to.match(new RegExp(`Failed ${cut!.sid}: cannot decrypt: its GCM tag does not match`));
      expect(run.stderr).to.include('Decrypted 1 recordings');
      expect(wavFiles(root)).to.have.length(1);
      expect(filesUnder(root).some((file) => file.includes('.partial'))).to.equal(false);
    });

    it('refuses to append to a manifest with a line it cannot read, saying which, and decrypts nothing', async () => {
      const root = await savedEncrypted(tutorial.slice(0, 2));
      const manifest = join(root, 'manifest.jsonl');
      const [first, ...rest] = readFileSync(manifest, 'utf8').trimEnd().split('\n');
      writeFileSync(manifest, [first, '{"event":"downloaded","sid":', ...rest].join('\n') + '\n');
      const before = readFileSync(manifest, 'utf8');
      const run = await decrypt(['--key', key.privatePath, root]);
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr.trim().split('\n'), run.stderr).to.have.length(1);
      expect(run.stderr).to.match(/manifest\.jsonl:2 is not a JSON line.*repair or remove that line/);
      expect(readFileSync(manifest, 'utf8')).to.equal(before);
      expect(wavFiles(root)).to.deep.equal([]);
    });

    it('says a folder that does not exist does not exist', async () => {
      const missing = join(scratch, 'no-such-folder');
      for (const args of [
        ['--key', key.privatePath, missing],
        [missing, '--key', key.privatePath],
      ]) {
        const run = await decrypt(args);
        expect(run.status, run.stderr).to.equal(2);
        expect(run.stderr).to.match(/no-such-folder.*does not exist/);
        expect(run.stderr).not.to.include('Give the folder to decrypt');
      }
    });

    it('offers no -p/--profile in its help, and refuses one in one line with exit 2, decrypting nothing', async () => {
      const help = await decrypt(['--help']);
      expect(help.status, help.stderr).to.equal(0);
      expect(help.stdout).to.include('--key');
      expect(help.stdout).not.to.match(/-p\b|--profile/);
      const root = await savedEncrypted(spec.slice(0, 1));
      const run = await decrypt(['--key', key.privatePath, root, '-p', 'work']);
      expect(run.status, run.stderr).to.equal(2);
      expect(run.stderr.trimEnd().split('\n')).to.deep.equal([
        ' » This command needs no profile or credentials: leave out -p/--profile; run "twilio recordings:decrypt --help" for the flags and their rules.',
      ]);
      expect(wavFiles(root)).to.deep.equal([]);
    });

    it('reports a wrong key per recording, naming the public key it needs', async () => {
      const root = await savedEncrypted(spec.slice(0, 1));
      const run = await decrypt(['--key', other.privatePath, root]);
      expect(run.status, run.stderr).to.equal(1);
      expect(run.stderr).to.include(`it was encrypted for public key ${keySid}`);
      expect(wavFiles(root)).to.deep.equal([]);
    });
  });
});
