import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedMedia, servedMedia } from '../../sandbox';
import { filesUnder, manifestLines, sha256Of } from './download-tree';
import { keyFiles, type KeyFiles } from './encryption-keys';
import { TwilioWorld } from './twilio-world';
import { createHash } from 'node:crypto';
import { DAY } from '../support/time';

interface ListedRecording {
  sid: string;
  encrypted: boolean;
  keySid: string | null;
}

describe('encrypted recordings in recordings:purge and recordings:list', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let scratch: string;
  let key: KeyFiles;
  let other: KeyFiles;
  let keySid: string;
  let otherSid: string;
  let sids: string[];

  before(async () => {
    world = await TwilioWorld.start({
      seed: 8,
      subaccounts: 0,
      recordings: {
        count: 8,
        statusMix: { completed: 1 },
        maxDurationSeconds: 4,
        from: Date.now() - 300 * DAY,
        to: Date.now() - 40 * DAY,
      },
    });
    scratch = mkdtempSync(join(tmpdir(), 'encrypted-purge-e2e-'));
    key = keyFiles(scratch, 'main');
    other = keyFiles(scratch, 'other');
    const { sandbox } = world;
    const account = sandbox.account.sid;
    sids = sandbox.store.recordings(account).map((r) => r.sid);
    keySid = sandbox.registerPublicKey(key.publicPem);
    otherSid = sandbox.registerPublicKey(other.publicPem);
    const revoked = sandbox.registerPublicKey(key.publicPem);
    sandbox.invalidatePublicKey(revoked);
    // 0-3: the tutorial's names; 4-5: the spec's; 6: Twilio's fallback to another key (16107); 7: not encrypted.
    sandbox.encryptRecordings(account, { keySid, naming: 'tutorial', sids: sids.slice(0, 4) });
    sandbox.encryptRecordings(account, { keySid, naming: 'api', sids: sids.slice(4, 6) });
    sandbox.encryptRecordings(account, { keySid: revoked, sids: [sids[6]!] });
  });

  after(() => world.close());
  beforeEach(() => world.sandbox.resetCounters());

  const twilio = (args: string[]) => world.run(args, { env: world.authTokenEnv });
  const only = (chosen: string[]) => chosen.flatMap((sid) => ['--sid', sid]);
  const onTwilio = (sid: string) => world.sandbox.store.getRecording(sid)!.status !== 'deleted';
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('list -o json shows whether each recording is encrypted, and its key SID', async () => {
    const run = await twilio(['recordings:list', '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    const listed = new Map((JSON.parse(run.stdout) as ListedRecording[]).map((r) => [r.sid, r]));
    expect(listed.get(sids[0]!)).to.include({ encrypted: true, keySid });
    expect(listed.get(sids[4]!)).to.include({ encrypted: true, keySid });
    expect(listed.get(sids[6]!)).to.include({ encrypted: true, keySid: otherSid });
    expect(listed.get(sids[7]!)).to.include({ encrypted: false, keySid: null });
    expect(run.stdout).not.to.include('"data"');
  });

  it("list --expect-key selects the recordings encrypted with another key (Twilio's 16107 fallback)", async () => {
    const run = await twilio(['recordings:list', '--expect-key', keySid, '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    expect((JSON.parse(run.stdout) as ListedRecording[]).map((r) => r.sid)).to.deep.equal([sids[6]]);
  });

  it('a purge plan with --expect-key reports the recordings encrypted with another key', async () => {
    const run = await twilio(['recordings:purge', '--older-than', '30d', '--dry-run', '--expect-key', keySid]);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.include(`1 recording encrypted with another public key than ${keySid}`);
    expect(run.stderr).to.include(`${sids[6]}: ${otherSid}`);
  });

  it('keeps encrypted recordings an archive cannot verify without a key, saying why in the plan and the summary', async () => {
    const archive = join(scratch, 'no-key');
    const chosen = [sids[0]!, sids[1]!, sids[7]!];
    const run = await twilio(['recordings:purge', ...only(chosen), '--archive-dir', archive, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.match(/Purge plan: delete 1 recording,/);
    expect(run.stderr).to.include(
      'Keep 2 completed recordings: encrypted, and without --decrypt-key its copy cannot be verified',
    );
    expect(run.stderr).to.include('Keep 2 completed recordings: encrypted, and without --decrypt-key');
    expect(chosen.map(onTwilio)).to.deep.equal([true, true, false]);
    expect(world.sandbox.counters.requests.media).to.equal(1);
  });

  it('with --decrypt-key, deletes only what decrypted and verified, and keeps a recording its key does not open', async () => {
    const archive = join(scratch, 'with-key');
    const chosen = sids.slice(2, 7);
    const run = await twilio([
      'recordings:purge',
      ...only(chosen),
      '--archive-dir',
      archive,
      '--decrypt-key',
      key.privatePath,
      '--force',
    ]);
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(
      new RegExp(`${sids[6]}: archive failed, not deleted: .*encrypted for public key ${otherSid}`),
    );
    expect(chosen.map(onTwilio)).to.deep.equal([false, false, false, false, true]);
    const saved = manifestLines(archive).filter((line) => line.event === 'downloaded');
    expect(saved.map((line) => line.sid).sort()).to.deep.equal(sids.slice(2, 6).sort());
    for (const line of saved) {
      expect(sha256Of(join(archive, line.path))).to.equal(
        expectedMedia(world.sandbox.store.getRecording(line.sid)!).sha256,
      );
      expect(line.encryption).to.include({ keySid, decrypted: true });
    }
    expect(filesUnder(archive).filter((file) => file.endsWith('.enc'))).to.deep.equal([]);
  });

  it('with --accept-unverified-encrypted, archives an encrypted recording as served and deletes it', async () => {
    const archive = join(scratch, 'accepted');
    const served = servedMedia(world.sandbox.store.getRecording(sids[0]!)!);
    const run = await twilio([
      'recordings:purge',
      '--sid',
      sids[0]!,
      '--archive-dir',
      archive,
      '--accept-unverified-encrypted',
      '--force',
    ]);
    expect(run.status, run.stderr).to.equal(0);
    expect(onTwilio(sids[0]!)).to.equal(false);
    const [line] = manifestLines(archive).filter((l) => l.event === 'downloaded');
    expect(line!.path).to.match(/\.wav\.enc$/);
    expect(sha256Of(join(archive, line!.path))).to.equal(sha256(served));
  });
});

describe('encrypted recordings in recordings:purge --policy, archived by a rule', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let scratch: string;
  let key: KeyFiles;
  let sids: string[];

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'encrypted-policy-e2e-'));
    key = keyFiles(scratch, 'main');
  });
  beforeEach(async () => {
    world = await TwilioWorld.start({
      seed: 9,
      subaccounts: 0,
      recordings: { count: 2, statusMix: { completed: 1 }, maxDurationSeconds: 4, to: Date.now() - 40 * DAY },
    });
    const account = world.sandbox.account.sid;
    sids = world.sandbox.store.recordings(account).map((r) => r.sid);
    world.sandbox.encryptRecordings(account, { keySid: world.sandbox.registerPublicKey(key.publicPem) });
  });
  afterEach(() => world.close());

  /** A policy whose default rule archives to `folder`, beside the policy file. */
  function policyArchivingTo(folder: string): string {
    const file = join(scratch, `${folder}.yml`);
    writeFileSync(file, `rules:\n  - name: default\n    keep: 30d\n    archive: ./${folder}\n`);
    return file;
  }
  const purge = (...args: string[]) => world.run(['recordings:purge', '--force', ...args], { env: world.authTokenEnv });
  const onTwilio = (sid: string) => world.sandbox.store.getRecording(sid)!.status !== 'deleted';

  it("with --accept-unverified-encrypted, archives each as served in the rule's folder and deletes it", async () => {
    const run = await purge('--policy', policyArchivingTo('accepted'), '--accept-unverified-encrypted');
    expect(run.status, run.stderr).to.equal(0);
    expect(sids.map(onTwilio)).to.deep.equal([false, false]);
    const saved = manifestLines(join(scratch, 'accepted')).filter((line) => line.event === 'downloaded');
    expect(saved.map((line) => line.sid).sort()).to.deep.equal([...sids].sort());
    for (const line of saved) {
      expect(line.path).to.match(/\.wav\.enc$/);
      const served = servedMedia(world.sandbox.store.getRecording(line.sid)!);
      expect(sha256Of(join(scratch, 'accepted', line.path))).to.equal(
        createHash('sha256').update(served).digest('hex'),
      );
    }
  });

  it("with --decrypt-key, archives each decrypted and verified in the rule's folder and deletes it", async () => {
    const run = await purge('--policy', policyArchivingTo('decrypted'), '--decrypt-key', key.privatePath);
    expect(run.status, run.stderr).to.equal(0);
    expect(sids.map(onTwilio)).to.deep.equal([false, false]);
    const saved = manifestLines(join(scratch, 'decrypted')).filter((line) => line.event === 'downloaded');
    expect(saved.map((line) => line.sid).sort()).to.deep.equal([...sids].sort());
    for (const line of saved) {
      expect(line.encryption).to.include({ decrypted: true });
      expect(sha256Of(join(scratch, 'decrypted', line.path))).to.equal(
        expectedMedia(world.sandbox.store.getRecording(line.sid)!).sha256,
      );
    }
  });

  it('without either, keeps them on Twilio and says why', async () => {
    const run = await purge('--policy', policyArchivingTo('kept'));
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.include('Keep 2 completed recordings: encrypted, and without --decrypt-key');
    expect(sids.map(onTwilio)).to.deep.equal([true, true]);
  });

  it('refuses --accept-unverified-encrypted without an archive in one line, exit 2, deleting nothing', async () => {
    const run = await purge('--older-than', '30d', '--accept-unverified-encrypted');
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr.trim().split('\n'), run.stderr).to.have.length(1);
    expect(run.stderr).to.include(
      '--accept-unverified-encrypted needs --archive-dir, or a --policy whose rules archive',
    );
    expect(world.sandbox.counters.requests.total).to.equal(0);
  });
});
