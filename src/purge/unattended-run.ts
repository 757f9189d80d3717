import { extname } from 'node:path';
import { promises as fs } from 'node:fs';
import { BadInputError, CancelledError, ExitStatus, OperationFailedError, RecordingsError, messageOf } from '../errors';
import { replaceFile } from '../journal/atomic-file';
import { printable, printableJson } from '../text/printable';
import { unlessAborted } from '../tasks/interruption';
import { lockAccount } from './account-lock';
import { runPurge, type PurgeOptions, type PurgeReport } from './purge';
import type { PurgePlan } from './purge-plan';
import { PurgeTally } from './purge-report';
import { buildRunReport, runReportMarkdown, type RunReport, type RunReportInput } from './run-report';

export interface UnattendedOptions {
  /** The profile's account: the lock's, and the report's. */
  accountSid: string;
  /** Where the run's report goes: Markdown for `.md`, JSON otherwise. */
  reportPath?: string;
  /** The folder of the per-account lock files. */
  lockFolder: string;
  policy?: string;
  plan?: string;
  /** Aborted by Ctrl-C or SIGTERM: reading the files (and asking for the accounts) stops at once. */
  stop?: AbortSignal;
  clock?: () => Date;
  info(line: string): void;
  warn(line: string): void;
}

/**
 * A purge as cron or CI runs it: one at a time per account (a purge that deletes takes the
 * account's lock; a dry run or a plan for review does not), and, when asked, a report of what
 * it did written at the end whatever the outcome, in JSON or Markdown; `prepare` (reading a
 * policy, holds or plan file) is part of the run, so that a refused file is reported too.
 */
export async function runUnattended(
  prepare: () => Promise<PurgeOptions>,
  unattended: UnattendedOptions,
): Promise<PurgeReport> {
  const clock = unattended.clock ?? (() => new Date());
  const startedAt = clock();
  const tally = new PurgeTally();
  let plan: PurgePlan | undefined;
  let ruleOrder: string[] | undefined;
  let outcome: RunReport['outcome'] = 'completed';
  let exitStatus: number = ExitStatus.Success;
  let error: string | undefined;
  if (unattended.reportPath) await checkReportPath(unattended.reportPath);
  let result: PurgeReport | undefined;
  let failure: unknown;
  let planSha256: string | undefined;
  try {
    const options = await unlessAborted(
      prepare(),
      unattended.stop,
      () => new CancelledError('Stopped before the plan was made: nothing was deleted.'),
    );
    planSha256 = options.planSha256;
    if (options.dryRun) outcome = 'dry-run';
    ruleOrder = options.planRules?.map((rule) => rule.name);
    const deletes = !options.dryRun && options.planOut === undefined;
    const lock = deletes ? await lockAccount(unattended.lockFolder, unattended.accountSid, startedAt) : undefined;
    try {
      result = await runPurge({ ...options, tally, onPlan: (made) => (plan = made) });
      planSha256 ??= result.planSha256;
    } finally {
      await lock?.release();
    }
  } catch (thrown) {
    failure = thrown;
    exitStatus = thrown instanceof RecordingsError ? thrown.exitStatus : ExitStatus.SomeFailed;
    outcome =
      exitStatus === ExitStatus.Cancelled
        ? 'cancelled'
        : exitStatus === ExitStatus.BadInput || exitStatus === ExitStatus.Credentials
          ? 'refused'
          : 'failed';
    error = messageOf(thrown);
  }
  if (unattended.reportPath) {
    try {
      await writeReport(unattended.reportPath, {
        startedAt,
        endedAt: clock(),
        accountSid: unattended.accountSid,
        outcome,
        exitStatus,
        error,
        policy: unattended.policy,
        plan: unattended.plan,
        planSha256,
        tally,
        purgePlan: plan,
        ruleOrder,
      });
      unattended.info(`Report written to ${printable(unattended.reportPath)}`);
    } catch (writeError) {
      const line = `The report could not be written to ${printable(unattended.reportPath)}: ${messageOf(writeError)}.`;
      // A failed run keeps its own error; a run that went well fails here, so that cron notices.
      if (failure !== undefined) unattended.warn(line);
      else failure = new OperationFailedError(`${line} The purge itself finished.`);
    }
  }
  if (failure !== undefined) throw failure;
  return result!;
}

async function writeReport(path: string, input: RunReportInput): Promise<void> {
  const report = buildRunReport(input);
  const markdown = extname(path).toLowerCase() === '.md';
  await replaceFile(path, markdown ? runReportMarkdown(report) : `${printableJson(report, 2)}\n`, 'report');
}

/** Refuses a report path that is a folder or a link before anything is done. */
export async function checkReportPath(path: string): Promise<void> {
  const existing = await fs.lstat(path).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new BadInputError(
      `--report ${printable(path)} is ${existing.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: name a file for the report.`,
    );
  }
}
