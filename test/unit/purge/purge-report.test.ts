import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, CancelledError, CredentialsError, OperationFailedError } from '../../../src/errors';
import { PurgePlan } from '../../../src/purge/purge-plan';
import {
  buildPurgeReport,
  checkReportPath,
  runEnding,
  writePurgeReport,
  type ReportInput,
} from '../../../src/purge/purge-report';
import { PurgeTally } from '../../../src/purge/purge-tally';
import { SaidLines } from '../../support/purge-fakes';

const ACCOUNT = 'AC' + 'a'.repeat(32);
const STARTED = new Date('2026-03-01T02:00:00Z');

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    startedAt: STARTED,
    endedAt: new Date(STARTED.getTime() + 1500),
    accountSid: ACCOUNT,
    outcome: 'completed',
    exitStatus: 0,
    ...overrides,
  };
}

describe('runEnding', () => {
  const endings: Array<[string, unknown, boolean, ReturnType<typeof runEnding>]> = [
    ['a run that went well', undefined, false, { outcome: 'completed', exitStatus: 0 }],
    ['a dry run', undefined, true, { outcome: 'dry-run', exitStatus: 0 }],
    [
      'a refused file',
      new BadInputError('bad policy'),
      false,
      { outcome: 'refused', exitStatus: 2, error: 'bad policy' },
    ],
    ['refused credentials', new CredentialsError('401'), true, { outcome: 'refused', exitStatus: 4, error: '401' }],
    [
      'a cancelled run',
      new CancelledError('not confirmed'),
      false,
      { outcome: 'cancelled', exitStatus: 3, error: 'not confirmed' },
    ],
    [
      'failed recordings',
      new OperationFailedError('2 failed'),
      false,
      { outcome: 'failed', exitStatus: 1, error: '2 failed' },
    ],
    ['a bug', new TypeError('x is undefined'), false, { outcome: 'failed', exitStatus: 1, error: 'x is undefined' }],
  ];
  for (const [what, failure, dryRun, expected] of endings) {
    it(`names ${what}`, () => {
      expect(runEnding(failure, dryRun)).to.deep.equal(expected);
    });
  }
});

describe('buildPurgeReport', () => {
  it('counts what the run did when it deleted', () => {
    const tally = new PurgeTally();
    tally.add(
      { sid: 'RE1', accountSid: ACCOUNT, status: 'completed', outcome: 'deleted', archivedPath: null, error: null },
      { duration: 120, dateCreated: STARTED },
    );
    const report = buildPurgeReport(input({ tally }));
    expect(report.total).to.include({ examined: 1, deleted: 1, minutesFreed: 2 });
    expect(report.durationSeconds).to.equal(1.5);
  });

  it('counts what the plan found when nothing was deleted', () => {
    const plan = new PurgePlan();
    plan.add(ACCOUNT, { status: 'completed', duration: 60, dateCreated: STARTED });
    plan.add(ACCOUNT, { status: 'absent', duration: 0, dateCreated: STARTED });
    const report = buildPurgeReport(input({ outcome: 'dry-run', tally: new PurgeTally(), purgePlan: plan }));
    expect(report.total).to.include({ examined: 2, deleted: 0 });
    expect(report.total.kept.notCompleted).to.equal(1);
  });
});

describe('writePurgeReport', () => {
  let dir: string;
  let said: SaidLines;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'report-'));
    said = new SaidLines();
  });

  it('writes JSON for any name but .md, and says where', async () => {
    const path = join(dir, 'report.json');
    expect(await writePurgeReport(path, input(), undefined, said.say)).to.equal(undefined);
    expect(JSON.parse(readFileSync(path, 'utf8'))).to.include({ accountSid: ACCOUNT, outcome: 'completed' });
    expect(said.info).to.deep.equal([`Report written to ${path}`]);
  });

  it('writes Markdown for a .md name', async () => {
    const path = join(dir, 'report.MD');
    await writePurgeReport(path, input(), undefined, said.say);
    expect(readFileSync(path, 'utf8')).to.match(/^# Recordings purge report\n/);
  });

  it('keeps the error of a failed run', async () => {
    const failure = new CancelledError('not confirmed');
    expect(await writePurgeReport(join(dir, 'r.json'), input(), failure, said.say)).to.equal(failure);
  });

  it('fails a run that went well when its report cannot be written (exit 1)', async () => {
    writeFileSync(join(dir, 'a-file'), '');
    const path = join(dir, 'a-file', 'report.json');
    const error = await writePurgeReport(path, input(), undefined, said.say);
    expect(error).to.be.instanceOf(OperationFailedError);
    expect((error as Error).message).to.match(
      /^The report could not be written to .*: .*\. The purge itself finished\.$/,
    );
  });

  it('warns, and keeps its own error, when a failed run cannot write its report', async () => {
    const failure = new OperationFailedError('1 recording could not be deleted');
    writeFileSync(join(dir, 'a-file'), '');
    const error = await writePurgeReport(join(dir, 'a-file', 'r.json'), input(), failure, said.say);
    expect(error).to.equal(failure);
    expect(said.warn[0]).to.match(/^The report could not be written to /);
  });
});

describe('checkReportPath', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'report-path-'))));

  it('accepts a new file or an existing one', async () => {
    await checkReportPath(join(dir, 'new.json'));
    writeFileSync(join(dir, 'old.json'), '{}');
    await checkReportPath(join(dir, 'old.json'));
  });

  it('refuses a folder (exit 2)', async () => {
    mkdirSync(join(dir, 'folder'));
    const error = await checkReportPath(join(dir, 'folder')).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as Error).message).to.match(/is not a regular file: name a file for the report\.$/);
  });

  it('refuses a symbolic link (exit 2)', async () => {
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'link.json'));
    const error = await checkReportPath(join(dir, 'link.json')).catch((caught: unknown) => caught);
    expect((error as Error).message).to.match(/is a symbolic link: name a file for the report\.$/);
  });
});
