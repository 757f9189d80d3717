import { CancelledError } from '../errors';
import type { KeyRing } from '../encryption/key-ring';
import type { RecordOutput } from '../tasks/record-output';
import type { ProgressReporter } from '../tasks/progress';
import { unlessAborted } from '../tasks/interruption';
import type { TwilioApi } from '../twilio/twilio-api';
import type { HeldLock } from '../journal/lock-file';
import { lockAccount } from './account-lock';
import { confirmPurge } from './confirmation';
import { settleEarlierRuns } from './earlier-runs';
import type { ArchiveOptions } from './media-archive';
import { planPurge } from './planning';
import { checkDestinations, executePurge } from './purge-executor';
import type { PurgeArchive } from './purge-archive';
import { purgePlanLines, type PurgePlan } from './purge-plan';
import { checkReportPath, runEnding, writePurgeReport } from './purge-report';
import type { PurgeRequest } from './purge-request';
import { readPurgeSource, type PurgeSource } from './purge-source';
import { PurgeTally } from './purge-tally';

/** What a purge works with besides its request: each step takes the part it needs. */
export interface PurgeDependencies {
  api: TwilioApi;
  /** `--decrypt-key`, loaded. */
  keys?: KeyRing;
  /** The plugin's data folder: the per-account locks and the default deletion logs. */
  dataDir: string;
  /** Whether stdin is a terminal someone can confirm on. */
  interactive: boolean;
  /** Asks a yes/no question whose default is no. */
  ask(message: string): Promise<boolean>;
  /** Aborted by Ctrl-C or SIGTERM: nothing new starts, and the purge ends as cancelled. */
  stop?: AbortSignal;
  /** With a dry run: the selected recordings, each with its decision. */
  selectionOutput: RecordOutput;
  /** Otherwise: one result per recording. */
  resultOutput: RecordOutput;
  /** Registers what must still reach `resultOutput` if the process leaves at once (a second Ctrl-C). */
  beforeAbort?(flush: () => void): void;
  info(line: string): void;
  warn(line: string): void;
  progress(verb: string): ProgressReporter;
  /** By default, the time now. */
  clock?: () => Date;
  /** Takes the account's purge lock (by default, lockAccount in `dataDir`). */
  lock?(accountSid: string, now: Date): Promise<Pick<HeldLock, 'release'>>;
  /** The archive a folder or `s3://` URL names (by default, archiveAt). */
  openArchive?(where: string, options: ArchiveOptions): PurgeArchive;
}

/** What the report tells of a run, gathered as the steps go. */
interface RunRecord {
  tally: PurgeTally;
  plan?: PurgePlan;
  planSha256?: string;
  ruleOrder?: string[];
}

/**
 * A purge, whether a person or cron runs it: source (the flags, a policy or a reviewed plan, with
 * the holds), lock (the account's, when it deletes), reconcile (settle what an earlier run left
 * unanswered), plan, confirm, execute, and at the end, whatever the outcome, the report when one
 * is asked for. Throws CancelledError when not confirmed or stopped, OperationFailedError when any
 * recording failed or the log stopped taking lines, and BadInputError for a refused file.
 */
export async function runPurge(request: PurgeRequest, dependencies: PurgeDependencies): Promise<void> {
  const clock = dependencies.clock ?? (() => new Date());
  const startedAt = clock();
  if (request.reportPath) await checkReportPath(request.reportPath);
  const record: RunRecord = { tally: new PurgeTally() };
  let failure: unknown;
  try {
    await purgeSteps(request, { ...dependencies, clock }, startedAt, record);
  } catch (error) {
    failure = error;
  }
  if (request.reportPath) {
    failure = await writePurgeReport(
      request.reportPath,
      {
        startedAt,
        endedAt: clock(),
        accountSid: dependencies.api.accountSid,
        ...runEnding(failure, request.dryRun),
        policy: request.policyPath,
        plan: request.planPath,
        planSha256: record.planSha256,
        tally: record.tally,
        purgePlan: record.plan,
        ruleOrder: record.ruleOrder,
      },
      failure,
      dependencies,
    );
  }
  if (failure !== undefined) throw failure;
}

async function purgeSteps(
  request: PurgeRequest,
  dependencies: PurgeDependencies & { clock: () => Date },
  startedAt: Date,
  record: RunRecord,
): Promise<void> {
  const { api, stop, info } = dependencies;
  // Reading the policy, holds or plan is part of the run, so that the report says when one is refused.
  const source = await unlessAborted(
    readPurgeSource(request, dependencies, startedAt),
    stop,
    () => new CancelledError('Stopped before the plan was made: nothing was deleted.'),
  );
  record.planSha256 = source.planSha256;
  record.ruleOrder = source.planRules?.map((rule) => rule.name);
  // A dry run, or a plan written for review, deletes nothing: it takes no lock.
  const lock = request.dryRun ? undefined : await lockTheAccount(dependencies, startedAt);
  try {
    await checkDestinations(source);
    if (!request.dryRun) {
      await settleEarlierRuns(
        {
          archiveLog: source.archive?.deletionLog,
          deletionLogPath: source.deletionLogPath,
          earlierDeletionLogs: source.earlierDeletionLogs,
        },
        { api, concurrency: request.concurrency, clock: dependencies.clock, info },
      );
    }
    const plan = await planPurge(source, { ...dependencies, dryRun: request.dryRun, expectKey: request.expectKey });
    record.plan = plan;
    for (const line of purgePlanLines(plan, source.criteria, source.planRules)) info(line);
    for (const line of source.planNotes?.(plan) ?? []) info(line);
    if (!goesOn(request, source, plan, dependencies, record)) return;
    await confirmPurge(plan, { ...request, ...dependencies, archiving: source.archive !== undefined });
    await executePurge(plan, source, { ...dependencies, concurrency: request.concurrency, tally: record.tally });
  } finally {
    await lock?.release();
  }
}

/** The lock step: the account's purge lock, so that two runs never delete in one account at once. */
function lockTheAccount(dependencies: PurgeDependencies, at: Date): Promise<Pick<HeldLock, 'release'>> {
  const lock = dependencies.lock ?? ((accountSid, now) => lockAccount(dependencies.dataDir, accountSid, now));
  return lock(dependencies.api.accountSid, at);
}

/** After the plan: whether there is anything to delete; otherwise, says why the purge ends here. */
function goesOn(
  request: PurgeRequest,
  source: PurgeSource,
  plan: PurgePlan,
  dependencies: Pick<PurgeDependencies, 'info' | 'resultOutput'>,
  record: RunRecord,
): boolean {
  if (source.planOut) {
    const sha256 = source.planOut.sha256();
    record.planSha256 ??= sha256;
    dependencies.info(
      `Plan written to ${source.planOut.description} (SHA-256 ${sha256}): nothing was deleted. Run it with --plan.`,
    );
    return false;
  }
  if (request.dryRun) {
    dependencies.info('Dry run: nothing was deleted.');
    return false;
  }
  if (plan.total.toDelete.count === 0) {
    dependencies.resultOutput.end();
    return false;
  }
  return true;
}
