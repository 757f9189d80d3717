import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMedia, type Recording as SandboxRecording } from '../../sandbox';
import { LOCAL_STORE_CREDENTIALS, type LocalObjectStore } from '../support/object-store-server';
import type { FaultRule, S3FaultProxy } from '../support/s3-fault-proxy';
import { S3World } from './s3-world';
import { TWILIO_BIN, TwilioWorld } from './twilio-world';
import { DAY } from '../support/time';

const PREFIX = 'archive';

interface ManifestLine {
  event: string;
  sid: string;
  path?: string;
  sha256?: string;
  outcome?: string;
  reconciled?: boolean;
}

interface PurgeResult {
  sid: string;
  outcome: string;
  error: string | null;
  archivedPath: string | null;
}

describe('twilio recordings:purge --archive-dir s3://…', function () {
  this.timeout(240_000);
  const s3 = S3World.perTest();
  // The suite's server, and this test's bucket and the fault proxy in front of it.
  let server: LocalObjectStore;
  let proxy: S3FaultProxy;
  let bucket: string;
  let world: TwilioWorld;
  /** Each recording's status before the purge. */
  let statusBefore: Map<string, string>;

  beforeEach(() => {
    ({ server, proxy, bucket } = s3);
  });
  afterEach(async () => {
    await world?.close();
  });

  /** The user's AWS settings: the store's endpoint (through the fault proxy) and keys. */
  const storeEnv = (): Record<string, string> => ({
    ...world.authTokenEnv,
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_STORE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_STORE_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });

  /** Old recordings with short media in the parent account, and `large` of ten minutes (multipart uploads). */
  async function seededWorld(count: number, knobs = {}, large = 0): Promise<TwilioWorld> {
    world = await TwilioWorld.start({
      subaccounts: 0,
      recordings: {
        count,
        minDurationSeconds: 1,
        maxDurationSeconds: 6,
        from: Date.now() - 300 * DAY,
        to: Date.now() - 40 * DAY,
      },
      knobs,
    });
    for (let i = 0; i < large; i++) {
      world.sandbox.store.addRecording({
        dateCreated: Date.now() - (50 + i) * DAY,
        status: 'completed',
        durationSeconds: 600,
        channels: 1,
      });
    }
    statusBefore = new Map(recordings().map((r) => [r.sid, r.status]));
    return world;
  }

  const recordings = (): SandboxRecording[] => world.sandbox.store.recordings(undefined, { includeDeleted: true });
  const initiallyCompleted = () => recordings().filter((r) => statusBefore.get(r.sid) === 'completed');
  const archiveUrl = () => `s3://${bucket}/${PREFIX}`;
  const purgeArgs = (...more: string[]) => [
    'recordings:purge',
    '--older-than',
    '30d',
    '--force',
    '--archive-dir',
    archiveUrl(),
    ...more,
  ];

  async function keys(prefix = ''): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await server.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      found.push(...(page.Contents ?? []).map((item) => item.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  async function bytesAt(key: string): Promise<Buffer> {
    const answer = await server.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  }

  /** Every line of every run's manifest in the bucket, read straight from the server, runs in order. */
  async function bucketLines(): Promise<ManifestLine[]> {
    const lines: ManifestLine[] = [];
    for (const key of (await keys(`${PREFIX}/.manifests/`)).sort()) {
      for (const line of (await bytesAt(key)).toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as ManifestLine);
      }
    }
    return lines;
  }

  function openIntents(lines: ManifestLine[]): string[] {
    const open = new Set<string>();
    for (const line of lines) {
      if (line.event === 'delete-intent') open.add(line.sid);
      else if (line.event === 'deleted' || line.event === 'not-deleted') open.delete(line.sid);
    }
    return [...open];
  }

  /**
   * Every recording deleted from the sandbox has an object whose bytes hash as the sandbox's
   * media, listed in the bucket's manifest, with that SHA-256 in its metadata. Returns how many.
   */
  async function expectEveryDeletionArchived(): Promise<number> {
    const lines = await bucketLines();
    const stored = new Map(lines.filter((line) => line.event === 'downloaded').map((line) => [line.sid, line]));
    let deleted = 0;
    for (const recording of initiallyCompleted()) {
      if (recording.status !== 'deleted') continue;
      deleted += 1;
      const line = stored.get(recording.sid);
      expect(line?.path, `${recording.sid} was deleted without a manifest line for its object`).to.be.a('string');
      const key = `${PREFIX}/${line!.path!}`;
      const expected = expectedMedia(recording, 'wav').sha256;
      const sha256 = createHash('sha256')
        .update(await bytesAt(key))
        .digest('hex');
      expect(sha256, `${recording.sid}'s object differs from its media`).to.equal(expected);
      const head = await server.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.Metadata?.sha256).to.equal(expected);
    }
    return deleted;
  }

  function expectOthersUntouched(): void {
    for (const recording of recordings()) {
      if (statusBefore.get(recording.sid) !== 'completed')
        expect(recording.status).to.equal(statusBefore.get(recording.sid));
    }
  }

  it('under Twilio faults and store faults, deletes only what has a verified object, and reports the rest', async () => {
    await seededWorld(
      60,
      {
        errorRate: 0.05,
        dropRate: 0.02,
        truncateRate: 0.05,
        throttleBursts: { every: 40, length: 4 },
        concurrencyCap: 6,
        faultSeed: 11,
      },
      2,
    );
    const storeFaults: FaultRule[] = [
      { operation: 'PutObject', nth: [3, 11, 19], fault: { kind: 'answer', status: 500, code: 'InternalError' } },
      { operation: 'PutObject', nth: [7, 23], fault: { kind: 'drop' } },
      { operation: 'UploadPart', nth: [1], fault: { kind: 'answer', status: 503, code: 'SlowDown' } },
      { operation: 'UploadPart', nth: [3], fault: { kind: 'drop' } },
    ];
    // One recording's object has a byte changed on the way, once.
    storeFaults.push({
      operation: 'PutObject',
      keyIncludes: initiallyCompleted()[8].sid,
      nth: [1],
      fault: { kind: 'corrupt' },
    });
    // One recording's object is refused every time it is sent: it must stay on Twilio.
    const refused = initiallyCompleted()[5].sid;
    storeFaults.push({
      operation: 'PutObject',
      keyIncludes: refused,
      nth: Array.from({ length: 20 }, (_, i) => i + 1),
      fault: { kind: 'answer', status: 500, code: 'InternalError' },
    });
    proxy.inject(...storeFaults);
    const run = await world.run([...purgeArgs('--concurrency', '10', '-o', 'json')], {
      env: storeEnv(),
      timeoutMs: 200_000,
    });
    const counters = world.sandbox.counters;
    expect(counters.errorsInjected + counters.dropped, 'Twilio faults were injected').to.be.greaterThan(0);
    expect(counters.truncated, 'media was truncated').to.be.greaterThan(0);
    expect(proxy.count('PutObject'), 'store faults were reached').to.be.at.least(23);
    expect(proxy.count('UploadPart'), 'multipart faults were reached').to.be.at.least(3);

    const results = JSON.parse(run.stdout) as PurgeResult[];
    const bySid = new Map(results.map((result) => [result.sid, result]));
    expect(await expectEveryDeletionArchived()).to.be.greaterThan(0);
    for (const recording of initiallyCompleted()) {
      const result = bySid.get(recording.sid);
      if (recording.status === 'deleted') {
        expect(result?.outcome).to.be.oneOf(['deleted', 'already-deleted']);
      } else {
        expect(recording.status).to.equal('completed');
        expect(result?.outcome, `${recording.sid} was neither deleted nor reported`).to.equal('failed');
        expect(result?.error).to.be.a('string');
      }
    }
    expectOthersUntouched();
    expect(world.sandbox.store.getRecording(refused)!.status).to.equal('completed');
    expect(bySid.get(refused)?.error).to.match(/^archive failed, not deleted: /);
    expect(world.sandbox.counters.deletesPerSid[refused]).to.equal(undefined);
    expect(run.status, run.stderr).to.equal(1);
    const lines = await bucketLines();
    expect(openIntents(lines)).to.deep.equal([]);
    expect(lines.filter((line) => line.event === 'deleted').map((line) => line.sid)).to.have.members(
      results.filter((r) => r.outcome === 'deleted' || r.outcome === 'already-deleted').map((r) => r.sid),
    );
    expect(await server.hasUploadsInProgress(bucket), 'a multipart upload was left behind').to.equal(false);
  });

  it('killed with SIGKILL half-way, then run again, completes: nothing lost, the log settled, no upload left', async () => {
    await seededWorld(120);
    // The sandbox answers 100 requests, then holds the rest: the kill comes after some deletions and before the last.
    world.sandbox.setKnobs({ holdAfterRequests: 100 });
    const child = spawn(TWILIO_BIN, purgeArgs('--concurrency', '4'), {
      env: world.environment(storeEnv()),
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const deadline = Date.now() + 90_000;
    while ((await bucketLines()).filter((line) => line.event === 'deleted').length < 15) {
      if (Date.now() > deadline) throw new Error('the purge logged no deletions in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    world.sandbox.setKnobs({ holdAfterRequests: null });

    const deletedBeforeKill = await expectEveryDeletionArchived();
    expect(deletedBeforeKill, 'the kill came before the end').to.be.lessThan(initiallyCompleted().length);
    // DELETEs held by the sandbox when the kill came left intents without an outcome in the bucket.
    const unanswered = openIntents(await bucketLines());

    const rerun = await world.run(purgeArgs(), { env: storeEnv(), timeoutMs: 200_000 });
    expect(rerun.status, rerun.stderr).to.equal(0);
    expect(await expectEveryDeletionArchived()).to.equal(initiallyCompleted().length);
    expectOthersUntouched();
    if (unanswered.length > 0) expect(rerun.stderr).to.match(/an earlier run left unanswered/);
    const lines = await bucketLines();
    expect(openIntents(lines)).to.deep.equal([]);
    for (const sid of unanswered) {
      expect(
        lines.some((line) => line.sid === sid && line.reconciled === true),
        `${sid} was not settled`,
      ).to.equal(true);
    }
    const deletedLines = lines.filter((line) => line.event === 'deleted').map((line) => line.sid);
    expect(deletedLines).to.have.members(initiallyCompleted().map((r) => r.sid));
    expect(deletedLines, 'a recording is recorded gone more than once').to.have.length(initiallyCompleted().length);
    expect(await server.hasUploadsInProgress(bucket), 'a multipart upload was left behind').to.equal(false);
  });

  it('when the store stops answering one upload, deletes the others, and stops on Ctrl-C without deleting that one', async () => {
    await seededWorld(10);
    const slow = initiallyCompleted()[0].sid;
    proxy.inject({ operation: 'PutObject', keyIncludes: slow, nth: [1], fault: { kind: 'hold' } });
    const held = proxy.nextHeld();
    const running = world.start(purgeArgs('--concurrency', '4'), { env: storeEnv(), timeoutMs: 200_000 });
    let stderr = '';
    running.child.stderr.on('data', (chunk: string) => (stderr += chunk));
    let exited = false;
    void running.done.then(() => (exited = true));
    await Promise.race([held, running.done]);
    const others = initiallyCompleted().filter((recording) => recording.sid !== slow);
    // A store that never answers one upload holds up that recording only.
    while (
      !exited &&
      others.some((recording) => world.sandbox.store.getRecording(recording.sid)!.status !== 'deleted')
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(exited, 'the purge ended while an upload was unanswered').to.equal(false);
    running.child.kill('SIGINT');
    while (!exited && !stderr.includes('SIGINT: stopping')) await new Promise((resolve) => setTimeout(resolve, 50));
    // The first Ctrl-C waits for the upload under way; the second leaves at once.
    running.child.kill('SIGINT');
    const run = await running.done;
    expect(run.status, run.stderr).to.equal(3);
    expect(world.sandbox.store.getRecording(slow)!.status).to.equal('completed');
    expect(world.sandbox.counters.deletesPerSid[slow]).to.equal(undefined);
    expect((await bucketLines()).some((line) => line.sid === slow && line.event === 'delete-intent')).to.equal(false);

    const rerun = await world.run(purgeArgs(), { env: storeEnv() });
    expect(rerun.status, rerun.stderr).to.equal(0);
    expect(await expectEveryDeletionArchived()).to.equal(initiallyCompleted().length);
  });

  it('gives up an upload the store never answers, and keeps that recording, reported failed, exit 1', async () => {
    await seededWorld(6);
    const unanswered = initiallyCompleted()[0].sid;
    proxy.inject({ operation: 'PutObject', keyIncludes: unanswered, nth: [1, 2, 3, 4], fault: { kind: 'hold' } });
    // Each try is given up after a second without a byte either way, instead of a minute.
    const env = { ...storeEnv(), TWILIO_RECORDINGS_S3_IDLE_TIMEOUT_MS: '1000' };
    const run = await world.run(purgeArgs('-o', 'json'), { env });
    expect(run.status, run.stderr).to.equal(1);
    const failed = (JSON.parse(run.stdout) as PurgeResult[]).filter((result) => result.error !== null);
    expect(failed.map((result) => [result.sid, result.outcome])).to.deep.equal([[unanswered, 'failed']]);
    expect(world.sandbox.store.getRecording(unanswered)!.status).to.equal('completed');
    expect(await expectEveryDeletionArchived()).to.equal(initiallyCompleted().length - 1);
  });

  it('with --dry-run, shows the plan and neither deletes nor writes anything in the bucket', async () => {
    await seededWorld(5);
    const run = await world.run(purgeArgs('--dry-run'), { env: storeEnv() });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stderr).to.include('Dry run: nothing was deleted.');
    expect(world.sandbox.counters.requests.delete).to.equal(0);
    expect(proxy.seen.filter((seen) => seen.method !== 'GET' && seen.method !== 'HEAD')).to.deep.equal([]);
    expect(await keys()).to.deep.equal([]);
  });

  const refusals: Array<[string, () => string, FaultRule[], number, RegExp]> = [
    ['a missing bucket', () => 's3://no-such-bucket/archive', [], 2, /no-such-bucket/],
    ['a malformed URL', () => 's3://Bad_Bucket/archive', [], 2, /Invalid destination/],
    [
      'denied access',
      () => archiveUrl(),
      [{ operation: 'ListObjectsV2', nth: [1], fault: { kind: 'answer', status: 403, code: 'AccessDenied' } }],
      2,
      /denied/i,
    ],
    [
      'wrong credentials',
      () => archiveUrl(),
      [{ operation: 'ListObjectsV2', nth: [1], fault: { kind: 'answer', status: 403, code: 'InvalidAccessKeyId' } }],
      4,
      /refused the credentials/,
    ],
  ];
  for (const [what, url, faults, status, message] of refusals) {
    it(`refuses ${what} in one line, exit ${status}, before asking Twilio anything`, async () => {
      await seededWorld(3);
      proxy.inject(...faults);
      const run = await world.run(['recordings:purge', '--older-than', '30d', '--force', '--archive-dir', url()], {
        env: storeEnv(),
      });
      expect(run.status, run.stderr).to.equal(status);
      expect(run.stderr.trim().split('\n'), run.stderr).to.have.length(1);
      expect(run.stderr).to.match(message);
      expect(run.stderr).not.to.include(LOCAL_STORE_CREDENTIALS.secretAccessKey);
      expect(world.sandbox.counters.requests.total).to.equal(0);
      expect(await keys()).to.deep.equal([]);
    });
  }

  it("archives to a policy rule's s3:// archive before deleting", async () => {
    await seededWorld(8);
    const policy = join(world.home, 'retention.yml');
    writeFileSync(policy, `rules:\n  - name: default\n    keep: 30d\n    archive: ${archiveUrl()}\n`);
    const run = await world.run(['recordings:purge', '--policy', policy, '--force'], { env: storeEnv() });
    expect(run.status, run.stderr).to.equal(0);
    expect(await expectEveryDeletionArchived()).to.equal(initiallyCompleted().length);
  });
});
