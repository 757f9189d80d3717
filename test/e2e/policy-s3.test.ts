import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMedia, servedMedia } from '../../sandbox';
import { keyFiles } from './encryption-keys';
import { expectOneLineFailure } from './one-line-failure';
import { S3World } from './s3-world';
import { TwilioWorld } from './twilio-world';
import { DAY } from '../support/time';

describe("twilio recordings:purge --policy with a rule's archive: s3://…", function () {
  this.timeout(180_000);
  const s3 = S3World.perTest();
  let world: TwilioWorld;

  beforeEach(async () => {
    world = await TwilioWorld.start({ recordings: { count: 0 }, subaccounts: 0 });
    for (let i = 0; i < 3; i++) {
      world.sandbox.store.addRecording({
        dateCreated: Date.now() - (40 + i) * DAY,
        status: 'completed',
        durationSeconds: 3,
      });
    }
  });
  afterEach(async () => {
    await world.close();
  });

  const recordings = () => world.sandbox.store.recordings(undefined, { includeDeleted: true });

  /** A policy whose default rule archives to the test's bucket, with `more` lines under that rule. */
  function policy(...more: string[]): string {
    const file = join(world.home, 'retention.yml');
    const rule = [
      '  - name: default',
      '    keep: 30d',
      `    archive: ${s3.url()}`,
      ...more.map((line) => `    ${line}`),
    ];
    writeFileSync(file, ['rules:', ...rule, ''].join('\n'));
    return file;
  }

  const purge = (file: string, ...flags: string[]) =>
    world.run(['recordings:purge', '--policy', file, '--force', ...flags], {
      env: { ...world.authTokenEnv, ...s3.env },
    });

  /** The PutObject requests of recordings' objects, as the store was asked for them. */
  const mediaPuts = () =>
    s3.proxy.seen.filter((seen) => seen.operation === 'PutObject' && !seen.key.includes('/.manifests/'));

  /** Every recording is deleted, and its object holds its media. */
  async function expectAllArchived(): Promise<void> {
    for (const recording of recordings()) {
      expect(recording.status, recording.sid).to.equal('deleted');
      const key = (await s3.mediaKeys()).find((name) => name.includes(recording.sid));
      expect(key, `${recording.sid} has no object`).to.be.a('string');
      expect(await s3.sha256At(key!)).to.equal(expectedMedia(recording, 'wav').sha256);
    }
  }

  it('writes the objects with the storage class and encryption of the --s3-* flags, at the --s3-endpoint store', async () => {
    const run = await world.run(
      [
        'recordings:purge',
        '--policy',
        policy(),
        '--force',
        '--s3-endpoint',
        s3.proxy.endpoint,
        '--s3-storage-class',
        'STANDARD_IA',
        '--s3-sse',
        'AES256',
      ],
      // Only --s3-endpoint leads to the store: the environment names a port where nothing listens.
      { env: { ...world.authTokenEnv, ...s3.env, AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' } },
    );
    expect(run.status, run.stderr).to.equal(0);
    await expectAllArchived();
    expect(mediaPuts()).to.have.length(3);
    for (const put of mediaPuts()) {
      expect(put.headers['x-amz-storage-class'], put.key).to.equal('STANDARD_IA');
      expect(put.headers['x-amz-server-side-encryption'], put.key).to.equal('AES256');
    }
  });

  it("gives the --s3-* flags of a reviewed --plan to its policy's bucket archive", async () => {
    const plan = join(world.home, 'plan.json');
    const planned = await purge(policy(), '--plan-out', plan);
    expect(planned.status, planned.stderr).to.equal(0);
    const run = await world.run(['recordings:purge', '--plan', plan, '--force', '--s3-storage-class', 'STANDARD_IA'], {
      env: { ...world.authTokenEnv, ...s3.env },
    });
    expect(run.status, run.stderr).to.equal(0);
    await expectAllArchived();
    expect(mediaPuts()).to.have.length(3);
    for (const put of mediaPuts()) expect(put.headers['x-amz-storage-class'], put.key).to.equal('STANDARD_IA');
  });

  it("writes the objects as the rule's s3: block says, with a flag filling in what it leaves out", async () => {
    const run = await purge(policy('s3:', '  storageClass: GLACIER_IR'), '--s3-sse', 'AES256');
    expect(run.status, run.stderr).to.equal(0);
    await expectAllArchived();
    expect(mediaPuts()).to.have.length(3);
    for (const put of mediaPuts()) {
      expect(put.headers['x-amz-storage-class'], put.key).to.equal('GLACIER_IR');
      expect(put.headers['x-amz-server-side-encryption'], put.key).to.equal('AES256');
    }
  });

  it("refuses a flag that says otherwise than the rule's s3: block in one line, exit 2, before asking Twilio anything", async () => {
    const run = await purge(policy('s3:', '  storageClass: GLACIER_IR'), '--s3-storage-class', 'STANDARD');
    expectOneLineFailure(run, 2, /--s3-storage-class STANDARD says otherwise than rule "default" of .*retention\.yml/);
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(await s3.keys()).to.deep.equal([]);
  });

  it('refuses --s3-* flags when no rule archives to s3:// in one line, exit 2, deleting nothing', async () => {
    const file = join(world.home, 'folders.yml');
    writeFileSync(file, 'rules:\n  - name: default\n    keep: 30d\n    archive: ./archive\n');
    const run = await purge(file, '--s3-storage-class', 'STANDARD_IA');
    expectOneLineFailure(run, 2, /--s3-storage-class applies to an s3:\/\/ archive, and this purge archives to none/);
    expect(world.sandbox.counters.requests.total).to.equal(0);
    expect(recordings().every((recording) => recording.status === 'completed')).to.equal(true);
  });

  it("with --accept-unverified-encrypted, stores encrypted recordings as served in the rule's bucket and deletes them", async () => {
    const key = keyFiles(world.home, 'main');
    const account = world.sandbox.account.sid;
    world.sandbox.encryptRecordings(account, { keySid: world.sandbox.registerPublicKey(key.publicPem) });
    const run = await purge(policy(), '--accept-unverified-encrypted');
    expect(run.status, run.stderr).to.equal(0);
    const keys = await s3.mediaKeys();
    for (const recording of recordings()) {
      expect(recording.status, recording.sid).to.equal('deleted');
      const stored = keys.find((name) => name.includes(recording.sid));
      expect(stored, `${recording.sid} has no object`).to.match(/\.wav\.enc$/);
      const served = createHash('sha256').update(servedMedia(recording)).digest('hex');
      expect(await s3.sha256At(stored!)).to.equal(served);
    }
  });
});
