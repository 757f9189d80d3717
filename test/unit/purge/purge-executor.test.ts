import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, CancelledError, OperationFailedError } from '../../../src/errors';
import { checkDestinations, executePurge } from '../../../src/purge/purge-executor';
import { PurgePlan } from '../../../src/purge/purge-plan';
import type { PurgeSource } from '../../../src/purge/purge-source';
import { PurgeTally } from '../../../src/purge/purge-tally';
import type { Recording } from '../../../src/recordings/recording';
import { selectionDecider } from '../../../src/retention/retention-decision';
import type { TwilioApi } from '../../../src/twilio/twilio-api';
import { MemoryArchive, NO_PROGRESS, SaidLines, keptOutput, pagesOf } from '../../support/purge-fakes';
import { aRecording } from '../recording-fixture';

const ACCOUNT = 'AC' + 'b'.repeat(32);

function recordings(count: number, status = 'completed'): Recording[] {
  return Array.from({ length: count }, (_, i) =>
    aRecording({ sid: 'RE' + String(i).padStart(32, status === 'completed' ? '0' : '1'), status }),
  );
}

/** Twilio as the journal sees it: each DELETE answered by `answer`, and remembered. */
function fakeApi(answer: (sid: string) => Promise<'deleted' | 'not-found'> = async () => 'deleted') {
  const deleted: string[] = [];
  const api = {
    accountSid: ACCOUNT,
    delete: async (path: string) => {
      const sid = /(RE\w+)\.json$/.exec(path)![1]!;
      const outcome = await answer(sid);
      deleted.push(sid);
      return outcome;
    },
  } as unknown as TwilioApi;
  return { api, deleted };
}

function planOf(selected: readonly Recording[]): PurgePlan {
  const plan = new PurgePlan();
  for (const recording of selected) plan.add(recording.accountSid, recording);
  return plan;
}

describe('executePurge', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'execute-'))));

  function sourceOf(
    selected: readonly Recording[],
    overrides: Partial<PurgeSource> = {},
  ): Parameters<typeof executePurge>[1] {
    return {
      criteria: { includeSubaccounts: false, limitCounts: 'completed' },
      pages: pagesOf(selected),
      decide: selectionDecider(),
      recheckHold: async () => undefined,
      ruleArchives: new Map(),
      deletionLogPath: join(dir, 'purge.jsonl'),
      ...overrides,
    };
  }

  function run(selected: readonly Recording[], overrides: Partial<PurgeSource> = {}, api = fakeApi().api) {
    const said = new SaidLines();
    const resultOutput = keptOutput();
    const tally = new PurgeTally();
    const ran = executePurge(planOf(selected), sourceOf(selected, overrides), {
      api,
      concurrency: 2,
      resultOutput,
      tally,
      progress: NO_PROGRESS,
      ...said.say,
    });
    return { ran, said, resultOutput, tally };
  }

  it('deletes each completed recording, keeps the others, and writes one result each', async () => {
    const completed = recordings(3);
    const absent = recordings(1, 'absent');
    const { api, deleted } = fakeApi();
    const { ran, resultOutput } = run([...completed, ...absent], {}, api);
    await ran;
    expect(deleted).to.have.members(completed.map((r) => r.sid));
    expect(resultOutput.records.map((r) => [r.sid, r.outcome])).to.have.deep.members([
      ...completed.map((r) => [r.sid, 'deleted']),
      [absent[0]!.sid, 'skipped'],
    ]);
    expect(resultOutput.ended).to.equal(true);
  });

  it('records each deletion write-ahead in the deletion log, after its run-started line', async () => {
    const [recording] = recordings(1);
    await run([recording!]).ran;
    const events = readFileSync(join(dir, 'purge.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).event);
    expect(events).to.deep.equal(['run-started', 'delete-intent', 'deleted']);
  });

  it('ends with the summary, naming the deletion log', async () => {
    const { ran, said } = run(recordings(2));
    await ran;
    expect(said.info).to.include('Purge: deleted 2 recordings (4 minutes).');
    expect(said.info.at(-1)).to.equal(`Deletions are recorded in ${join(dir, 'purge.jsonl')}`);
  });

  it('says when the recordings found differ from the plan', async () => {
    const selected = recordings(2);
    const said = new SaidLines();
    await executePurge(planOf(recordings(3)), sourceOf(selected), {
      api: fakeApi().api,
      concurrency: 2,
      resultOutput: keptOutput(),
      tally: new PurgeTally(),
      progress: NO_PROGRESS,
      ...said.say,
    });
    expect(said.info[0]).to.equal('The selection changed after the plan: 2 completed recordings found instead of 3.');
  });

  it('archives each recording before its deletion, and records the deletion in the archive', async () => {
    const selected = recordings(2);
    const archive = new MemoryArchive();
    const { ran, resultOutput } = run(selected, { archive });
    await ran;
    expect(archive.saved).to.have.members(selected.map((r) => r.sid));
    expect(archive.lines.filter((line) => line.event === 'deleted').map((line) => line.sid)).to.have.members(
      selected.map((r) => r.sid),
    );
    expect(resultOutput.records.map((r) => r.archivedPath)).to.have.members(selected.map((r) => `${r.sid}.wav`));
    expect(archive.closed).to.equal(1);
  });

  it('never deletes a recording whose copy failed, and fails the purge (exit 1)', async () => {
    const selected = recordings(2);
    const archive = new MemoryArchive(new Set([selected[0]!.sid]));
    const { api, deleted } = fakeApi();
    const { ran } = run(selected, { archive }, api);
    const error = await ran.catch((caught: unknown) => caught);
    expect(deleted).to.deep.equal([selected[1]!.sid]);
    expect(error).to.be.instanceOf(OperationFailedError).with.property('exitStatus', 1);
    expect((error as Error).message).to.equal(
      '1 recording could not be deleted and is still on Twilio: run the same command again to retry.',
    );
  });

  it('keeps a recording a hold added since the plan keeps, and says so', async () => {
    const [held, other] = recordings(2);
    const { api, deleted } = fakeApi();
    const recheckHold = async (recording: Pick<Recording, 'sid'>) =>
      recording.sid === held!.sid ? { target: { sid: held!.sid }, reason: 'litigation' } : undefined;
    const { ran, said, tally } = run([held!, other!], { recheckHold }, api);
    await ran;
    expect(deleted).to.deep.equal([other!.sid]);
    expect(tally.heldSinceStart).to.equal(1);
    expect(said.info.join('\n')).to.include('Kept 1 recording held since the purge began');
  });

  it('stops the purge when the holds file cannot be read again (exit 2)', async () => {
    const recheckHold = async () => {
      throw new Error('EACCES');
    };
    const error = await run(recordings(1), { recheckHold }).ran.catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as Error).message).to.match(/^The holds file could not be read again before a deletion/);
  });

  it('starts nothing once stopped, and ends as cancelled (exit 3)', async () => {
    const stop = new AbortController();
    const { api, deleted } = fakeApi(async () => {
      stop.abort();
      return 'deleted';
    });
    const said = new SaidLines();
    const selected = recordings(5);
    const error = await executePurge(planOf(selected), sourceOf(selected), {
      api,
      concurrency: 1,
      resultOutput: keptOutput(),
      tally: new PurgeTally(),
      stop: stop.signal,
      progress: NO_PROGRESS,
      ...said.say,
    }).catch((caught: unknown) => caught);
    expect(deleted.length).to.be.lessThan(selected.length);
    expect(error).to.be.instanceOf(CancelledError);
    expect((error as Error).message).to.match(/^Purge stopped on request after \d+ deletions?: run the same command/);
    expect(said.info).to.include(
      'Stopped on request: no new deletion was started; those under way finished and are recorded.',
    );
  });

  it('deletes nothing when the deletion log cannot be opened', async () => {
    const { api, deleted } = fakeApi();
    const error = await run(recordings(1), { deletionLogPath: dir }, api).ran.catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(Error);
    expect(deleted).to.deep.equal([]);
  });
});

describe('checkDestinations', () => {
  const source = (overrides: Partial<PurgeSource>) => ({
    ruleArchives: new Map(),
    deletionLogPath: join(mkdtempSync(join(tmpdir(), 'check-')), 'purge.jsonl'),
    ...overrides,
  });

  it('accepts a deletion log that does not exist yet, and creates nothing', async () => {
    const checked = source({});
    await checkDestinations(checked);
  });

  it('refuses an archive that cannot be used', async () => {
    const refusal = new BadInputError('--archive-dir is a file');
    const error = await checkDestinations(source({ archive: new MemoryArchive(new Set(), refusal) })).catch(
      (caught: unknown) => caught,
    );
    expect(error).to.equal(refusal);
  });

  it("refuses a rule's archive that cannot be used", async () => {
    const refusal = new BadInputError('the rule archive is a file');
    const ruleArchives = new Map([['./cold', new MemoryArchive(new Set(), refusal)]]);
    const error = await checkDestinations(source({ ruleArchives })).catch((caught: unknown) => caught);
    expect(error).to.equal(refusal);
  });
});
