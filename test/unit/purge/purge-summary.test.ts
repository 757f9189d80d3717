import { expect } from 'chai';
import { PurgeTally, type PurgeResult } from '../../../src/purge/purge-tally';
import { PurgePlan } from '../../../src/purge/purge-plan';
import { planDifferenceLines, purgeSummaryLines } from '../../../src/purge/purge-summary';

const ACCOUNT = 'AC' + 'a'.repeat(32);
const recording = { duration: 61, dateCreated: new Date('2026-01-02T03:04:05Z') };

function result(n: number, outcome: PurgeResult['outcome'], error: string | null = null): PurgeResult {
  return {
    sid: 'RE' + String(n).padStart(32, '0'),
    accountSid: ACCOUNT,
    status: 'completed',
    outcome,
    archivedPath: null,
    error,
  };
}

describe('purgeSummaryLines', () => {
  it('names every recording deleted without its line, and says the log stopped', () => {
    const tally = new PurgeTally();
    tally.add(result(1, 'deleted'), recording);
    tally.add(result(2, 'deleted', 'deleted but not recorded in the log'), recording);
    tally.unrecorded.push(result(2, 'deleted').sid);
    tally.logFailure = 'ENOSPC: no space left on device';
    const text = purgeSummaryLines(tally, '/logs/purge.jsonl').join('\n');
    expect(text).to.include(`Deleted from Twilio but not recorded in the log: ${result(2, 'deleted').sid}.`);
    expect(text).to.include('The deletion log stopped taking lines (ENOSPC: no space left on device)');
    expect(text).to.include('Deletions up to the failure are recorded in /logs/purge.jsonl');
  });

  it('says a purge stopped on request started nothing new', () => {
    const tally = new PurgeTally();
    tally.add(result(1, 'deleted'), recording);
    tally.interrupted = true;
    const text = purgeSummaryLines(tally, '/logs/purge.jsonl').join('\n');
    expect(text).to.match(/Purge: deleted 1 recording \(2 minutes\)/);
    expect(text).to.include('Stopped on request: no new deletion was started');
    expect(text).to.include('Deletions are recorded in /logs/purge.jsonl');
  });

  it('prints a failure quoting Twilio on one line, with its control characters escaped', () => {
    const tally = new PurgeTally();
    tally.add(result(1, 'failed', 'Twilio answered 400: bad\n\u001b[2Jrequest'), recording);
    const lines = purgeSummaryLines(tally, undefined);
    expect(lines).to.include(`  ${result(1, 'failed').sid}: Twilio answered 400: bad\\n\\x1b[2Jrequest`);
    // eslint-disable-next-line no-control-regex -- a control character is what must not be there
    for (const line of lines) expect(line).not.to.match(/[\u0000-\u001f]/);
  });
});

describe('planDifferenceLines', () => {
  function planned(count: number): PurgePlan {
    const plan = new PurgePlan();
    for (let i = 0; i < count; i += 1) plan.add(ACCOUNT, { status: 'completed', ...recording });
    return plan;
  }

  it('says nothing when the purge handled what the plan said', () => {
    const tally = new PurgeTally();
    tally.add(result(1, 'deleted'), recording);
    tally.add(result(2, 'already-deleted'), recording);
    expect(planDifferenceLines(planned(2), tally)).to.deep.equal([]);
  });

  it('counts a recording held since the plan as handled', () => {
    const tally = new PurgeTally();
    tally.heldSinceStart = 1;
    expect(planDifferenceLines(planned(1), tally)).to.deep.equal([]);
  });

  it('says how many were found instead', () => {
    const tally = new PurgeTally();
    tally.add(result(1, 'deleted'), recording);
    expect(planDifferenceLines(planned(3), tally)).to.deep.equal([
      'The selection changed after the plan: 1 completed recording found instead of 3.',
    ]);
  });
});
