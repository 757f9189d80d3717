import { expect } from 'chai';
import { CancelledError } from '../../../src/errors';
import type { PlanRecorder } from '../../../src/purge/plan-io';
import { planPurge, type PlanningDependencies } from '../../../src/purge/planning';
import type { Recording } from '../../../src/recordings/recording';
import { selectionDecider, type RetentionDecider } from '../../../src/retention/retention-decision';
import type { TwilioApi } from '../../../src/twilio/twilio-api';
import { NO_PROGRESS, keptOutput, pagesOf, type KeptOutput } from '../../support/purge-fakes';
import { aRecording } from '../recording-fixture';

const completed = aRecording({ sid: 'RE' + '1'.repeat(32) });
const absent = aRecording({ sid: 'RE' + '2'.repeat(32), status: 'absent' });

/** A plan file in memory. */
class MemoryPlanFile implements PlanRecorder {
  readonly added: Array<[string, string | undefined]> = [];
  state: 'open' | 'committed' | 'abandoned' = 'open';
  readonly description = '/plans/plan.json';
  async add(recording: Recording, rule: string | undefined): Promise<void> {
    this.added.push([recording.sid, rule]);
  }
  async commit(): Promise<void> {
    this.state = 'committed';
  }
  async abandon(): Promise<void> {
    this.state = 'abandoned';
  }
  sha256(): string | undefined {
    return this.state === 'committed' ? 'f'.repeat(64) : undefined;
  }
}

describe('planPurge', () => {
  let selectionOutput: KeptOutput;
  beforeEach(() => (selectionOutput = keptOutput()));

  function dependencies(overrides: Partial<PlanningDependencies> = {}): PlanningDependencies {
    return {
      // The pages are given: the plan asks Twilio nothing.
      api: {} as TwilioApi,
      selectionOutput,
      dryRun: false,
      progress: NO_PROGRESS,
      warn: () => undefined,
      ...overrides,
    };
  }

  function source(recordings: Recording[], decide: RetentionDecider = selectionDecider()) {
    return {
      criteria: { includeSubaccounts: false, limitCounts: 'completed' as const },
      pages: pagesOf(recordings),
      decide,
    };
  }

  it('counts what goes and what stays', async () => {
    const plan = await planPurge(source([completed, absent]), dependencies());
    expect(plan.total.toDelete.count).to.equal(1);
    expect(Object.fromEntries(plan.total.skippedByStatus)).to.deep.equal({ absent: 1 });
  });

  it('lists nothing when it deletes', async () => {
    await planPurge(source([completed, absent]), dependencies());
    expect(selectionOutput.records).to.deep.equal([]);
    expect(selectionOutput.ended).to.equal(undefined);
  });

  it('lists each decided recording in a dry run, with why', async () => {
    await planPurge(source([completed, absent]), dependencies({ dryRun: true }));
    expect(selectionOutput.records.map((row) => [row.sid, row.decision, row.reason])).to.deep.equal([
      [completed.sid, 'delete', 'selected'],
      [absent.sid, 'keep', 'not-completed'],
    ]);
    expect(selectionOutput.ended).to.equal(true);
  });

  it('writes the recordings the plan deletes, with their rule, to the plan file, and names it', async () => {
    const planOut = new MemoryPlanFile();
    const byRule: RetentionDecider = (recording) =>
      recording.status === 'completed'
        ? { action: 'delete', rule: 'calls' }
        : { action: 'keep', reason: 'not-completed' };
    await planPurge({ ...source([completed, absent], byRule), planOut }, dependencies({ dryRun: true }));
    expect(planOut.added).to.deep.equal([[completed.sid, 'calls']]);
    expect(planOut.state).to.equal('committed');
  });

  it('leaves no plan file, and closes the listing as incomplete, when the selection breaks', async () => {
    const planOut = new MemoryPlanFile();
    const broken = async function* () {
      yield { accountSid: completed.accountSid, recordings: [completed] };
      throw new Error('connection reset');
    };
    const error = await planPurge({ ...source([]), pages: broken, planOut }, dependencies({ dryRun: true })).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).to.equal('connection reset');
    expect(planOut.state).to.equal('abandoned');
    expect(selectionOutput.ended).to.equal(false);
  });

  it('stops when asked, as cancelled, with nothing deleted', async () => {
    const stop = new AbortController();
    stop.abort();
    const error = await planPurge(source([completed]), dependencies({ stop: stop.signal })).catch(
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(CancelledError);
    expect((error as Error).message).to.equal('Stopped while planning: nothing was deleted.');
  });

  it('notes recordings encrypted with another key than --expect-key', async () => {
    const other = aRecording({
      encryption: { readable: true, keySid: 'CR' + 'e'.repeat(32), wrappedKey: Buffer.alloc(0), iv: Buffer.alloc(0) },
    } as Partial<Recording>);
    const plan = await planPurge(source([other]), dependencies({ expectKey: 'CR' + 'a'.repeat(32) }));
    expect(plan.otherKeys.count).to.equal(1);
  });
});
