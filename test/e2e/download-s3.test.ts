import { expect } from 'chai';
import { expectedMedia } from '../../sandbox';
import { LOCAL_STORE_CREDENTIALS } from '../support/object-store-server';
import { S3World } from './s3-world';
import { TwilioWorld } from './twilio-world';

interface JsonResult {
  sid: string;
  path: string;
  location?: string;
  bytes: number;
  sha256: string | null;
  outcome: string;
  reason?: string;
}

describe('twilio recordings:download --output-dir s3://', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  const s3 = S3World.perTest();

  before(async () => {
    world = await TwilioWorld.start({
      recordings: { count: 8, statusMix: { completed: 1 }, maxDurationSeconds: 6, seed: 31 },
      subaccounts: 0,
    });
  });
  after(async () => {
    await world.close();
  });
  beforeEach(() => {
    world.sandbox.resetCounters();
  });

  const download = (args: string[], env: Record<string, string | undefined> = {}) =>
    world.run(['recordings:download', ...args], { env: { ...world.authTokenEnv, ...s3.env, ...env } });
  const recordings = () => world.sandbox.store.recordings(world.sandbox.account.sid);
  const media = (sid: string) => expectedMedia(world.sandbox.store.getRecording(sid)!, 'wav');

  /** Asserts a run refused before doing anything: one line on stderr, this status, no media fetched, nothing stored. */
  async function expectRefused(run: { status: number | null; stderr: string }, status: number, message: RegExp) {
    expect(run.status, run.stderr).to.equal(status);
    expect(run.stderr.trim().split('\n'), run.stderr).to.have.length(1);
    expect(run.stderr).to.match(message);
    expect(run.stderr).not.to.include(LOCAL_STORE_CREDENTIALS.secretAccessKey);
    expect(world.sandbox.counters.requests.media).to.equal(0);
    expect(await s3.keys()).to.deep.equal([]);
  }

  it('stores every recording as an object with the sandbox bytes and its metadata, and prints s3:// locations', async () => {
    const run = await download(['--output-dir', s3.url(), '-o', 'json', '-l', 'debug']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).not.to.include(LOCAL_STORE_CREDENTIALS.secretAccessKey);
    const results = JSON.parse(run.stdout) as JsonResult[];
    expect(results.map((result) => result.sid).sort()).to.deep.equal(
      recordings()
        .map((r) => r.sid)
        .sort(),
    );
    for (const result of results) {
      const key = `archive/${result.path}`;
      const recording = world.sandbox.store.getRecording(result.sid)!;
      expect(result.outcome).to.equal('downloaded');
      expect(result.location).to.equal(`s3://${s3.bucket}/${key}`);
      expect(await s3.sha256At(key), result.sid).to.equal(media(result.sid).sha256);
      const head = await s3.head(key);
      expect(head?.Metadata, result.sid).to.include({
        sid: result.sid,
        'account-sid': recording.accountSid,
        'call-sid': recording.callSid,
        duration: String(recording.durationSeconds),
        sha256: media(result.sid).sha256,
      });
    }
    expect(run.stderr).to.include(`into s3://${s3.bucket}/archive/`);
    const downloaded = (await s3.manifestLines()).filter((line) => line.event === 'downloaded');
    expect(downloaded.map((line) => line.sid).sort()).to.deep.equal(results.map((result) => result.sid).sort());
  });

  it('fetches no media and uploads nothing when run a second time', async () => {
    const first = await download(['--output-dir', s3.url()]);
    expect(first.status, first.stderr).to.equal(0);
    world.sandbox.resetCounters();
    const putsBefore = s3.mediaPuts();
    const second = await download(['--output-dir', s3.url()]);
    expect(second.status, second.stderr).to.equal(0);
    expect(world.sandbox.counters.requests.media).to.equal(0);
    expect(s3.mediaPuts()).to.equal(putsBefore);
    expect(second.stderr).to.match(
      new RegExp(`Downloaded 0 recordings .* ${recordings().length} already present; 0 failed`),
    );
  });

  it('with --dry-run, stores nothing, not even a manifest', async () => {
    const run = await download(['--output-dir', s3.url(), '--dry-run']);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.match(/Would download 8 recordings/);
    expect(await s3.keys()).to.deep.equal([]);
    expect(world.sandbox.counters.requests.media).to.equal(0);
  });

  it('refuses a layout or a prefix in the manifests folder up front, as a folder refuses its temporary folder', async () => {
    for (const args of [
      ['--output-dir', s3.url(), '--layout', '.manifests/{sid}.{ext}'],
      ['--output-dir', s3.url(), '--layout', '.MANIFESTS/{sid}.{ext}'],
      ['--output-dir', `s3://${s3.bucket}/.manifests`],
      ['--output-dir', `s3://${s3.bucket}/team/.manifests/`],
    ]) {
      await expectRefused(await download(args), 2, /\.manifests/);
    }
    expect(s3.proxy.seen).to.deep.equal([]);
  });

  it('never prints the user name or password of an s3:// URL', async () => {
    for (const url of [`s3://ops:hunter2secret@${s3.bucket}/x`, `s3://hunter2secret@Bad_Bucket`]) {
      const run = await download(['--output-dir', url]);
      await expectRefused(run, 2, /Invalid destination "s3:\/\/…@.*": it has a user name or password/);
      expect(run.stderr).not.to.include('hunter2secret');
    }
    const purge = await world.run(
      ['recordings:purge', '--older-than', '1d', '--archive-dir', `s3://ops:hunter2secret@${s3.bucket}/x`, '--force'],
      { env: { ...world.authTokenEnv, ...s3.env } },
    );
    expect(purge.status, purge.stderr).to.equal(2);
    expect(purge.stderr).not.to.include('hunter2secret');
    expect(world.sandbox.counters.requests.delete).to.equal(0);
  });

  for (const url of ['s3://', 's3://Bad_Bucket', 's3:/x']) {
    it(`refuses ${url} in one line, exit 2, before fetching anything`, async () => {
      await expectRefused(await download(['--output-dir', url]), 2, /Invalid destination/);
      expect(s3.proxy.seen).to.deep.equal([]);
    });
  }

  it('refuses a bucket that does not exist in one line, exit 2, before fetching anything', async () => {
    const run = await download(['--output-dir', 's3://no-such-bucket/archive']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(/The bucket "no-such-bucket" does not exist/);
    expect(world.sandbox.counters.requests.media).to.equal(0);
  });

  it('refuses denied access in one line, exit 2, before fetching anything', async () => {
    s3.proxy.inject({
      operation: 'ListObjectsV2',
      nth: [1],
      fault: { kind: 'answer', status: 403, code: 'AccessDenied' },
    });
    await expectRefused(await download(['--output-dir', s3.url()]), 2, /Access denied to s3:\/\/.*AccessDenied/);
  });

  it('refuses a prefix it may list but not write to in one line, exit 2, before fetching anything', async () => {
    s3.proxy.inject({ operation: 'PutObject', nth: [1], fault: { kind: 'answer', status: 403, code: 'AccessDenied' } });
    await expectRefused(await download(['--output-dir', s3.url()]), 2, /Access denied/);
  });

  for (const code of ['InvalidAccessKeyId', 'SignatureDoesNotMatch']) {
    it(`refuses credentials the store does not take (${code}) in one line, exit 4, printing no secret`, async () => {
      s3.proxy.inject({ operation: 'ListObjectsV2', nth: [1], fault: { kind: 'answer', status: 403, code } });
      await expectRefused(
        await download(['--output-dir', s3.url()]),
        4,
        new RegExp(`refused the credentials \\(${code}\\)`),
      );
    });
  }

  it('reaches the store --s3-endpoint names, whatever AWS_ENDPOINT_URL_S3 says', async () => {
    const run = await download(['--output-dir', s3.url(), '--s3-endpoint', s3.proxy.endpoint, '--limit', '1'], {
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
    });
    expect(run.status, run.stderr).to.equal(0);
    expect(await s3.mediaKeys()).to.have.length(1);
  });

  it('refuses --s3-storage-class for a folder in one line, exit 2', async () => {
    const run = await download(['--output-dir', './recordings', '--s3-storage-class', 'STANDARD_IA']);
    expect(run.status, run.stderr).to.equal(2);
    expect(run.stderr).to.match(/--s3-storage-class applies to an s3:\/\/ destination/);
  });

  it('asks the store for the storage class and encryption given', async () => {
    const run = await download([
      '--output-dir',
      s3.url(),
      '--s3-storage-class',
      'STANDARD_IA',
      '--s3-sse',
      'AES256',
      '--limit',
      '1',
    ]);
    expect(run.status, run.stderr).to.equal(0);
    const puts = s3.proxy.seen.filter((seen) => seen.operation === 'PutObject');
    expect(puts.length).to.be.greaterThan(1);
    for (const put of puts) {
      expect(put.headers['x-amz-storage-class'], put.key).to.equal('STANDARD_IA');
      expect(put.headers['x-amz-server-side-encryption'], put.key).to.equal('AES256');
    }
  });

  it('reports a recording whose upload keeps failing (500s, a dropped connection) failed, stores no object for it, and a re-run completes it', async () => {
    const [erroring, dropping] = recordings();
    const onEveryTry = [1, 2, 3, 4];
    s3.proxy.inject(
      {
        operation: 'PutObject',
        nth: onEveryTry,
        keyIncludes: erroring!.sid,
        fault: { kind: 'answer', status: 500, code: 'InternalError' },
      },
      { operation: 'PutObject', nth: onEveryTry, keyIncludes: dropping!.sid, fault: { kind: 'drop' } },
    );
    const first = await download(['--output-dir', s3.url(), '-o', 'json']);
    expect(first.status, first.stderr).to.equal(1);
    const results = JSON.parse(first.stdout) as JsonResult[];
    const failed = results.filter((result) => result.outcome === 'failed').map((result) => result.sid);
    expect(failed.sort()).to.deep.equal([erroring!.sid, dropping!.sid].sort());
    const stored = await s3.mediaKeys();
    expect(stored).to.have.length(recordings().length - 2);
    expect(stored.some((key) => key.includes(erroring!.sid) || key.includes(dropping!.sid))).to.equal(false);

    world.sandbox.resetCounters();
    const second = await download(['--output-dir', s3.url()]);
    expect(second.status, second.stderr).to.equal(0);
    expect(world.sandbox.counters.requests.media).to.equal(2);
    for (const recording of [erroring!, dropping!]) {
      const key = (await s3.mediaKeys()).find((name) => name.includes(recording.sid))!;
      expect(await s3.sha256At(key)).to.equal(media(recording.sid).sha256);
    }
  });
});

describe('twilio recordings:download --output-dir s3:// of a recording larger than a part', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  const s3 = S3World.perTest();

  before(async () => {
    world = await TwilioWorld.start({ recordings: { count: 0 }, subaccounts: 0 });
  });
  after(async () => {
    await world.close();
  });

  it('stores it in parts; a part that fails on every try leaves no object and no upload, and a re-run completes it', async () => {
    // About 9.6 MB of WAV: two parts of 8 MiB at most.
    const recording = world.sandbox.store.addRecording({
      accountSid: world.sandbox.account.sid,
      status: 'completed',
      durationSeconds: 600,
      channels: 1,
    });
    s3.proxy.inject({
      operation: 'UploadPart',
      nth: [1, 2, 3, 4, 5, 6, 7, 8],
      keyIncludes: recording.sid,
      fault: { kind: 'answer', status: 500, code: 'InternalError' },
    });
    const env = { ...world.authTokenEnv, ...s3.env };
    const first = await world.run(['recordings:download', '--output-dir', s3.url()], { env });
    expect(first.status, first.stderr).to.equal(1);
    expect(first.stderr).to.match(new RegExp(`Failed ${recording.sid}: .*InternalError`));
    expect(await s3.mediaKeys()).to.deep.equal([]);
    expect(s3.proxy.count('AbortMultipartUpload')).to.equal(1);

    const second = await world.run(['recordings:download', '--output-dir', s3.url()], { env });
    expect(second.status, second.stderr).to.equal(0);
    const [key] = await s3.mediaKeys();
    expect(await s3.sha256At(key!)).to.equal(expectedMedia(recording, 'wav').sha256);
    expect(s3.proxy.count('CompleteMultipartUpload')).to.equal(1);
    expect(await s3.server.hasUploadsInProgress(s3.bucket)).to.equal(false);
  });
});
