import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { buildCriteria, type SelectionInput } from '../../../src/selection/criteria';
import { selectRecordingPages, type RecordingPage } from '../../../src/selection/select-recordings';
import { sandboxApi } from '../../support/sandbox-api';
import { MINUTE, DAY } from '../../support/time';

describe('selectRecordingPages with --limit (integration, sandbox)', () => {
  let sandbox: Sandbox;
  const now = new Date();

  beforeEach(async () => {
    sandbox = await startSandbox({ subaccounts: 0 });
  });
  afterEach(() => sandbox.close());

  /** Adds recordings newest first, one a minute apart, 40 days old and older. */
  function addInListOrder(statuses: string[]): string[] {
    return statuses.map(
      (status, i) =>
        sandbox.store.addRecording({ status: status as never, dateCreated: now.getTime() - 40 * DAY - i * MINUTE }).sid,
    );
  }

  async function select(input: SelectionInput): Promise<RecordingPage[]> {
    const pages: RecordingPage[] = [];
    for await (const page of selectRecordingPages(sandboxApi(sandbox), buildCriteria(input, now))) pages.push(page);
    return pages;
  }

  const sidsOf = (pages: RecordingPage[]) => pages.flatMap((page) => page.recordings.map((r) => r.sid));
  const stoppedAt = (pages: RecordingPage[]) => pages.at(-1)?.stoppedAtLimit;

  it('counts only completed recordings toward a purge limit, so kept ones at the head never use it up', async () => {
    const sids = addInListOrder(['absent', 'absent', 'processing', 'completed', 'absent', 'completed', 'completed']);
    const pages = await select({ olderThan: '30d', limit: 2, limitCounts: 'completed' });
    expect(sidsOf(pages)).to.deep.equal(sids.slice(0, 6));
    expect(stoppedAt(pages)).to.equal(2);
  });

  it('counts every match toward a list limit', async () => {
    const sids = addInListOrder(['absent', 'completed', 'completed']);
    const pages = await select({ olderThan: '30d', limit: 2 });
    expect(sidsOf(pages)).to.deep.equal(sids.slice(0, 2));
    expect(stoppedAt(pages)).to.equal(2);
  });

  it('says nothing about the limit when no more recordings would have counted', async () => {
    addInListOrder(['completed', 'completed', 'absent', 'processing']);
    expect(stoppedAt(await select({ olderThan: '30d', limit: 2, limitCounts: 'completed' }))).to.equal(undefined);
    expect(stoppedAt(await select({ olderThan: '30d', limit: 4 }))).to.equal(undefined);
    expect(stoppedAt(await select({ olderThan: '30d' }))).to.equal(undefined);
  });

  it('finds out across pages whether more would have counted', async () => {
    const sids = addInListOrder(['completed', ...Array<string>(1000).fill('absent'), 'completed']);
    const pages = await select({ olderThan: '30d', limit: 1, limitCounts: 'completed' });
    expect(sidsOf(pages)).to.deep.equal([sids[0]]);
    expect(stoppedAt(pages)).to.equal(1);
  });

  it('lists a far window without a day filter Twilio would refuse, and applies it exactly', async () => {
    const [old] = addInListOrder(['completed']);
    const pages = await select({ after: '0001-01-01', before: '9999-12-31' });
    expect(sidsOf(pages)).to.deep.equal([old]);
    expect(sandbox.counters.responses['400'] ?? 0).to.equal(0);
  });
});
