import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { promises as fsPromises, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedMedia, startSandbox, type Sandbox } from '../../../sandbox';
import { TwilioApiError } from '../../../src/errors';
import { downloadLayout, downloadRecordings, type DownloadResult } from '../../../src/media/download-recordings';
import type { MediaFileSystem } from '../../../src/destinations/file-system';
import type { MediaDestination } from '../../../src/media/media-destination';
import { openMediaDestination, type MediaDestinationOptions } from '../../../src/media/open-destination';
import { buildCriteria } from '../../../src/selection/criteria';
import type { TwilioApi } from '../../../src/twilio/twilio-api';
import { temporaryFolder } from '../../unit/media/media-test-kit';
import { sandboxApi } from '../../support/sandbox-api';

/** A folder destination, as the chooser opens it for a path. */
const openFolder = ({ root, ...options }: MediaDestinationOptions & { root: string }): Promise<MediaDestination> =>
  openMediaDestination(root, options);

describe('downloadRecordings', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;

  before(async () => {
    sandbox = await startSandbox({ recordings: { count: 40, maxDurationSeconds: 6 }, subaccounts: 1 });
  });

  after(() => sandbox.close());

  beforeEach(() => {
    sandbox.resetCounters();
    sandbox.setKnobs({ errorRate: 0, dropRate: 0 });
  });

  const criteria = (subaccounts = false) => buildCriteria({ subaccounts }, new Date());

  it('saves every completed recording, skips those without media, and goes on past failures', async () => {
    sandbox.setKnobs({ errorRate: 0.4, faultSeed: 3 });
    const api = sandboxApi(sandbox, { asTwilio: true, concurrency: 4, maxAttempts: 8 });
    const root = temporaryFolder();
    // Downloads get two tries each, so that some fail; the selection keeps the usual number.
    const downloadApi = sandboxApi(sandbox, { asTwilio: true, concurrency: 4, maxAttempts: 2 });
    const store = await openFolder({
      root,
      format: 'wav',
      layout: downloadLayout('{sid}.{ext}', true),
      api: downloadApi,
    });
    const results: DownloadResult[] = [];
    const summary = await downloadRecordings({
      api,
      criteria: criteria(true),
      store,
      events: { onResults: (r) => results.push(...r) },
    });
    await store.close();

    const all = sandbox.store.recordings();
    const completed = all.filter((recording) => recording.status === 'completed');
    expect(summary.selected).to.equal(all.length);
    expect(results).to.have.length(all.length);
    expect(summary.skipped)
      .to.equal(all.length - completed.length)
      .and.to.be.greaterThan(0);
    expect(summary.failed).to.be.greaterThan(0);
    expect(summary.downloaded + summary.failed).to.equal(completed.length);
    for (const result of results) {
      if (result.outcome === 'downloaded') {
        const bytes = readFileSync(join(root, ...result.path.split('/')));
        expect(createHash('sha256').update(bytes).digest('hex')).to.equal(
          expectedMedia(sandbox.store.getRecording(result.sid)!, 'wav').sha256,
        );
        expect(result.path).to.equal(`${result.accountSid}/${result.sid}.wav`);
      } else {
        expect(result.outcome).to.be.oneOf(['failed', 'skipped']);
        expect(result.reason).to.be.a('string').and.not.equal('');
      }
    }
  });

  it('keeps no more recordings under way than it is allowed', async () => {
    const api = sandboxApi(sandbox, { asTwilio: true, concurrency: 2, maxAttempts: 8 });
    const store = await openFolder({ root: temporaryFolder(), format: 'mp3', layout: '{sid}.{ext}', api });
    let underWay = 0;
    let most = 0;
    const counting = Object.create(store) as MediaDestination;
    counting.save = async (recording, onBytes) => {
      most = Math.max(most, ++underWay);
      try {
        return await store.save(recording, onBytes);
      } finally {
        underWay -= 1;
      }
    };
    const summary = await downloadRecordings({ api, criteria: criteria(), store: counting, maxPending: 3 });
    await store.close();
    expect(summary.downloaded).to.be.greaterThan(5);
    expect(most).to.be.within(1, 3);
  });

  it('stops starting downloads when the disk is full, and keeps what was complete', async () => {
    let partFiles = 0;
    const fillsUp: MediaFileSystem = {
      ...fsPromises,
      open: (async (path: string, flags: string, mode?: number) => {
        if (String(path).includes('.part-') && ++partFiles > 3) {
          throw Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC' });
        }
        return fsPromises.open(path, flags, mode);
      }) as MediaFileSystem['open'],
    };
    const api = sandboxApi(sandbox, { asTwilio: true, concurrency: 1, maxAttempts: 8 });
    const root = temporaryFolder();
    const store = await openFolder({ root, format: 'wav', layout: '{sid}.{ext}', api, fs: fillsUp });
    const summary = await downloadRecordings({ api, criteria: criteria(), store, maxPending: 1 });
    await store.close();

    expect(summary.stoppedBecause).to.match(/disk is full \(ENOSPC\)/);
    expect(summary.downloaded).to.equal(3);
    expect(summary.failed).to.equal(1);
    const parentRecordings = sandbox.store.recordings(sandbox.account.sid).length;
    expect(summary.selected).to.be.lessThan(parentRecordings);
    const lines = readFileSync(join(root, 'manifest.jsonl'), 'utf8').trim().split('\n');
    expect(lines).to.have.length(3);
  });

  it('when the selection breaks, reports every recording handed out before passing the error on', async () => {
    const api = sandboxApi(sandbox, { asTwilio: true, concurrency: 4, maxAttempts: 8 });
    const subaccount = sandbox.subaccounts[0]!.sid;
    const breaking = Object.create(api) as TwilioApi;
    breaking.getJson = <T>(path: string, query?: Record<string, string | number | boolean | undefined>): Promise<T> =>
      path.includes(`/Accounts/${subaccount}/Recordings`)
        ? Promise.reject(new TwilioApiError('the list broke', 500, undefined))
        : api.getJson<T>(path, query);
    breaking.getListPage = <R>(path: string, key: string, collect: (items: Iterable<unknown>) => R) =>
      path.includes(`/Accounts/${subaccount}/Recordings`)
        ? Promise.reject(new TwilioApiError('the list broke', 500, undefined))
        : api.getListPage(path, key, collect);
    const store = await openFolder({
      root: temporaryFolder(),
      format: 'mp3',
      layout: downloadLayout('{sid}.{ext}', true),
      api,
    });
    const results: DownloadResult[] = [];
    const error = await downloadRecordings({
      api: breaking,
      criteria: criteria(true),
      store,
      events: { onResults: (r) => results.push(...r) },
    }).catch((caught: unknown) => caught);
    await store.close();

    expect(error).to.be.instanceOf(TwilioApiError);
    const parentSids = sandbox.store.recordings(sandbox.account.sid).map((recording) => recording.sid);
    expect(results.map((result) => result.sid)).to.have.members(parentSids);
  });

  it('in a dry run, estimates sizes and fetches nothing', async () => {
    const api = sandboxApi(sandbox, { asTwilio: true, maxAttempts: 8 });
    const root = join(temporaryFolder(), 'not-yet');
    const store = await openFolder({ root, format: 'wav', layout: '{sid}.{ext}', api, readOnly: true });
    const results: DownloadResult[] = [];
    const summary = await downloadRecordings({
      api,
      criteria: criteria(),
      store,
      dryRun: true,
      events: { onResults: (r) => results.push(...r) },
    });
    await store.close();
    expect(sandbox.counters.requests.media).to.equal(0);
    const wouldDownload = results.filter((result) => result.outcome === 'would-download');
    expect(wouldDownload.length).to.equal(summary.downloaded).and.to.be.greaterThan(0);
    for (const result of wouldDownload) {
      const recording = sandbox.store.getRecording(result.sid)!;
      expect(result.bytes).to.equal(recording.durationSeconds * 16_000 * recording.channels + 44);
    }
    expect(await fsPromises.stat(root).catch(() => undefined)).to.equal(undefined);
  });
});
