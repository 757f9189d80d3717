import { expect } from 'chai';
import { startSandbox, type Sandbox } from '../../../sandbox';
import { buildPurgePlan } from '../../../src/purge/purge-plan';
import { buildCriteria } from '../../../src/selection/criteria';
import { selectRecordingPages } from '../../../src/selection/select-recordings';
import { sandboxApi } from '../../support/sandbox-api';
import { MINUTE, DAY } from '../../support/time';

describe('buildPurgePlan over the sandbox', () => {
  let sandbox: Sandbox;
  beforeEach(async () => {
    sandbox = await startSandbox({ subaccounts: 1 });
  });
  afterEach(() => sandbox.close());

  it('selects --older-than 30d exactly: 30 days plus a minute is in, minus a minute is out', async () => {
    const start = new Date();
    const older = sandbox.store.addRecording({
      dateCreated: start.getTime() - 30 * DAY - MINUTE,
      durationSeconds: 90,
    });
    const younger = sandbox.store.addRecording({ dateCreated: start.getTime() - 30 * DAY + MINUTE });
    const absent = sandbox.store.addRecording({ dateCreated: start.getTime() - 40 * DAY, status: 'absent' });
    const sub = sandbox.store.addRecording({
      accountSid: sandbox.subaccounts[0]!.sid,
      dateCreated: start.getTime() - 60 * DAY,
      durationSeconds: 30,
    });
    const criteria = buildCriteria({ olderThan: '30d', subaccounts: true }, start);
    const seen: string[] = [];
    const plan = await buildPurgePlan(selectRecordingPages(sandboxApi(sandbox), criteria), (page) =>
      seen.push(...page.recordings.map((r) => r.sid)),
    );
    expect(seen).to.have.members([older.sid, absent.sid, sub.sid]);
    expect(seen).not.to.include(younger.sid);
    expect(plan.total.toDelete.count).to.equal(2);
    expect(plan.total.toDelete.minutes).to.equal(3);
    expect(plan.accounts.get(sandbox.account.sid)!.toDelete.count).to.equal(1);
    expect(plan.accounts.get(sandbox.account.sid)!.skippedByStatus.get('absent')).to.equal(1);
    expect(plan.accounts.get(sandbox.subaccounts[0]!.sid)!.toDelete.minutes).to.equal(1);
  });

  it('plans a --limit purge over the completed recordings, past the kept ones at the head', async () => {
    const start = new Date();
    for (let i = 0; i < 3; i += 1) {
      sandbox.store.addRecording({ dateCreated: start.getTime() - 40 * DAY + i * MINUTE, status: 'absent' });
    }
    for (let i = 0; i < 3; i += 1) sandbox.store.addRecording({ dateCreated: start.getTime() - 50 * DAY - i * MINUTE });
    const criteria = buildCriteria({ olderThan: '30d', limit: 2, limitCounts: 'completed' }, start);
    const plan = await buildPurgePlan(selectRecordingPages(sandboxApi(sandbox), criteria));
    expect(plan.total.toDelete.count).to.equal(2);
    expect(plan.total.skipped).to.equal(3);
    expect(plan.stoppedAtLimit).to.equal(2);
  });
});
