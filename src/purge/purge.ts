import { BadInputError, CancelledError, OperationFailedError, RecordingsError, messageOf } from '../errors';
import type { RecordOutput } from '../tasks/record-output';
import type { SelectionCriteria } from '../selection/criteria';
import { selectRecordingPages, type RecordingPage } from '../selection/select-recordings';
import type { Recording } from '../recordings/recording';
import type { TwilioApi } from '../twilio/twilio-api';
import type { HoldRecheck } from '../holds/holds-file';
import { plural } from '../text/plural';
import { ResultBatch } from '../tasks/result-batch';
import { untilAborted, whenAborted } from '../tasks/interruption';
import { confirmPurge } from './confirmation';
import { DeletionLogFile, type DeletionLogWriter, fileDeletionLog, type DeletionLog } from '../journal/deletion-log';
import { reconcileDeletions, reconciliationLine } from '../journal/reconciliation';
import { executePurge, type ArchiveRecording } from './purge-executor';
import { buildPurgePlan, purgePlanLines, requirePurgeBound, type PlanRule, type PurgePlan } from './purge-plan';
import { selectionDecider, type RetentionDecider, type RetentionDecision } from '../retention/retention-decision';
import { describeHold } from '../retention/holds';
import { recordingRow } from '../recordings/recording';
import { PurgeTally, purgeSummaryLines, type PurgeResult } from './purge-report';
import type { ProgressReporter } from '../tasks/progress';
import { WriteAheadDeleter } from '../journal/write-ahead-deleter';

/** An archive opened for a purge: saves each recording, and records each deletion next to the copies. */
export interface PurgeArchiveSession {
  save: ArchiveRecording;
  deletionLog: DeletionLogWriter;
  close(): Promise<void>;
}

/** Takes the recordings a plan deletes (a plan file): committed once the plan is complete, abandoned otherwise. */
export interface PlanRecorder {
  add(recording: Recording, rule: string | undefined): Promise<void>;
  commit(): Promise<void>;
  abandon(): Promise<void>;
  /** The SHA-256 of the plan file, once committed. */
  sha256(): string | undefined;
  readonly description: string;
}

/** Where a purge archives to: checked before anything else happens, opened once the purge is confirmed. */
export interface PurgeArchive {
  /** Throws a bad-input error when the archive cannot be used; changes nothing. */
  check(): Promise<void>;
  /** Where the archive records deletions, whose unanswered intents are settled first. */
  readonly deletionLog: DeletionLog;
  /**
   * Recordings archived and deleted at once for each request to Twilio in flight (2 by default):
   * more for a store whose round trips are long, so that Twilio's slots are not left idle.
   */
  readonly recordingsPerSlot?: number;
  open(): Promise<PurgeArchiveSession>;
}

export interface PurgeOptions {
  api: TwilioApi;
  criteria: SelectionCriteria;
  dryRun: boolean;
  force: boolean;
  /** Whether stdin is a terminal someone can confirm on. */
  interactive: boolean;
  ask(message: string): Promise<boolean>;
  /** Recordings archived or deleted at once. */
  concurrency: number;
  /** Archive-then-delete; without it, deletions are recorded in `deletionLogPath`. */
  archive?: PurgeArchive;
  /** Which selected recordings go: by default the completed ones no hold keeps. */
  decide?: RetentionDecider;
  /** `--expect-key`: the plan reports recordings encrypted with any other public key. */
  expectKey?: string;
  /** The hold that keeps a recording now, asked just before its DELETE (see holdsRecheck). */
  recheckHold?: HoldRecheck;
  /** A policy's rules, for the plan; with them, the rules bound the purge instead of the selection flags. */
  planRules?: PlanRule[];
  /** The archives of a policy's `archive:` folders, by folder; deletions are still recorded in `deletionLogPath`. */
  ruleArchives?: Map<string, PurgeArchive>;
  /** The recordings to go through in place of the criteria's selection, streamed anew for the plan and the deletions. */
  pages?: () => AsyncIterable<RecordingPage>;
  /** Receives each recording the plan deletes, then the purge stops as a dry run does: `--plan-out`. */
  planOut?: PlanRecorder;
  /** With --plan: the SHA-256 of the plan file run, for the report. */
  planSha256?: string;
  /** Lines said after the plan, e.g. what drifted since a reviewed plan was made. */
  planNotes?(plan: PurgePlan): string[];
  /** Sees the plan once it is made (for a report). */
  onPlan?(plan: PurgePlan): void;
  /** Filled in as the purge goes, so that a caller can report on a purge that failed or stopped. */
  tally?: PurgeTally;
  deletionLogPath: string;
  /** Other logs of earlier purges whose unanswered intents are settled first (the default log's earlier days). */
  earlierDeletionLogs?: string[];
  /** Aborted by Ctrl-C or SIGTERM: nothing new starts, and the purge ends as cancelled. */
  stop?: AbortSignal;
  /** With `--dry-run`: the selected recordings. */
  selectionOutput: RecordOutput;
  /** Otherwise: one result per recording. */
  resultOutput: RecordOutput;
  /** Registers what must still reach `resultOutput` if the process leaves at once (a second Ctrl-C). */
  beforeAbort?(flush: () => void): void;
  info(line: string): void;
  warn(line: string): void;
  progress(verb: string): ProgressReporter;
  now?: () => Date;
}

export interface PurgeReport {
  plan: PurgePlan;
  /** With --plan-out: the SHA-256 of the plan file written. */
  planSha256?: string;
  /** Undefined for a dry run or when there was nothing to delete. */
  tally?: PurgeTally;
}

/**
 * A whole purge: refuse an unbounded selection or an unusable log, settle the deletions an earlier
 * run left unanswered, plan by streaming the selection once, show the plan, confirm, then stream it
 * again archiving and deleting, and summarise. Throws CancelledError when not confirmed or stopped,
 * and OperationFailedError when any recording failed or the log stopped taking lines.
 */
export async function runPurge(options: PurgeOptions): Promise<PurgeReport> {
  // A policy's rules, or a reviewed plan's list, bound the purge in place of the selection flags.
  if (!options.planRules && !options.pages) requirePurgeBound(options.criteria);
  if (options.archive) await options.archive.check();
  else await DeletionLogFile.check(options.deletionLogPath);
  for (const archive of options.ruleArchives?.values() ?? []) await archive.check();
  const planOnly = options.dryRun || options.planOut !== undefined;
  if (!planOnly) await reconcileEarlierRuns(options);
  const plan = await planPurge(options);
  for (const line of purgePlanLines(plan, options.criteria, options.planRules)) options.info(line);
  for (const line of options.planNotes?.(plan) ?? []) options.info(line);
  options.onPlan?.(plan);
  if (options.planOut) {
    const sha256 = options.planOut.sha256();
    options.info(
      `Plan written to ${options.planOut.description} (SHA-256 ${sha256}): nothing was deleted. Run it with --plan.`,
    );
    return { plan, planSha256: sha256 };
  }
  if (options.dryRun) {
    options.info('Dry run: nothing was deleted.');
    return { plan };
  }
  if (plan.total.toDelete.count === 0) {
    options.resultOutput.end();
    return { plan };
  }
  await confirmPurge(plan, {
    force: options.force,
    interactive: options.interactive,
    archiving: options.archive !== undefined,
    ask: (message) => askUnlessStopped(options, message),
  });
  if (options.stop?.aborted) throw new CancelledError('Nothing deleted: the purge was stopped before it began.');
  const tally = await carryOut(options, plan);
  if (tally.logFailure !== undefined) {
    throw new OperationFailedError(
      `The deletion log could not be written, so the purge stopped: ${tally.logFailure}. Fix it, then run the same command again.`,
    );
  }
  if (tally.interrupted) {
    throw new CancelledError(
      `Purge stopped on request after ${plural(tally.total.deleted.count, 'deletion')}: run the same command again to go on.`,
    );
  }
  if (tally.total.failed > 0) {
    throw new OperationFailedError(
      `${plural(tally.total.failed, 'recording')} could not be deleted and ${tally.total.failed === 1 ? 'is' : 'are'} ` +
        'still on Twilio: run the same command again to retry.',
    );
  }
  return { plan, tally };
}

/** A stop request answers the confirmation with no. */
async function askUnlessStopped(options: PurgeOptions, message: string): Promise<boolean> {
  if (!options.stop) return options.ask(message);
  // inquirer answers Ctrl-C by closing its prompt and signalling the process: stay alive to hear the signal.
  const alive = setInterval(() => undefined, 60_000);
  try {
    return await Promise.race([options.ask(message), whenAborted(options.stop).then(() => false)]);
  } finally {
    clearInterval(alive);
  }
}

/**
 * Settles the deletions an earlier run sent without recording their answer (it was killed, or
 * stopped twice), before anything else, so that the log says what happened to each of them.
 */
async function reconcileEarlierRuns(options: PurgeOptions): Promise<void> {
  const paths = new Set([...(options.earlierDeletionLogs ?? []), options.deletionLogPath]);
  const logs = options.archive ? [options.archive.deletionLog] : [...paths].map(fileDeletionLog);
  for (const log of logs) {
    let report;
    try {
      report = await reconcileDeletions({
        api: options.api,
        log,
        maxPending: options.concurrency,
        clock: options.now,
      });
    } catch (error) {
      if (error instanceof RecordingsError) throw error;
      throw new BadInputError(
        `Cannot settle the unanswered deletions in ${log.path}: ${messageOf(error)}. Check the file, then try again.`,
      );
    }
    if (report) options.info(reconciliationLine(report));
  }
}

/**
 * A selected recording as a dry run lists it: what the plan would do with it and why, as a plan
 * file says. `reason` is `past-keep` (a rule's delete), `selected` (the flags'), or why it is kept.
 */
function decidedRow(recording: Recording, decision: RetentionDecision): Record<string, unknown> {
  const keep = decision.action === 'keep';
  return {
    ...recordingRow(recording),
    decision: decision.action,
    rule: decision.rule ?? null,
    reason: keep ? decision.reason : decision.rule === undefined ? 'selected' : 'past-keep',
    detail: keep ? (decision.hold ? describeHold(decision.hold) : (decision.detail ?? null)) : null,
  };
}

async function planPurge(options: PurgeOptions): Promise<PurgePlan> {
  const progress = options.progress('examined');
  const onSidNotFound = (sid: string) => options.warn(`Recording ${sid} was not found.`);
  const { planOut } = options;
  const decide = options.decide ?? selectionDecider();
  // The plan file takes each recording the plan deletes, in the order decided.
  let pending: Array<[Recording, string | undefined]> = [];
  const recordDecisions: RetentionDecider | undefined = planOut
    ? (recording) => {
        const decision = decide(recording);
        if (decision.action === 'delete') pending.push([recording, decision.rule]);
        return decision;
      }
    : undefined;
  try {
    const pages = untilAborted(
      options.pages?.() ?? selectRecordingPages(options.api, options.criteria, { onSidNotFound }),
      options.stop,
      () => new CancelledError('Stopped while planning: nothing was deleted.'),
    );
    const plan = await buildPurgePlan(
      pages,
      (page, decisions) => {
        for (let i = 0; i < page.recordings.length; i += 1) progress.itemDone();
        if (options.dryRun) {
          options.selectionOutput.write(page.recordings.map((recording, i) => decidedRow(recording, decisions[i]!)));
        }
      },
      async () => {
        for (const [recording, rule] of pending) await planOut!.add(recording, rule);
        pending = [];
        await options.selectionOutput.drained();
      },
      recordDecisions ?? decide,
      options.expectKey,
    );
    if (options.dryRun) options.selectionOutput.end();
    await planOut?.commit();
    return plan;
  } catch (error) {
    if (options.dryRun) options.selectionOutput.end(false);
    await planOut?.abandon();
    throw error;
  } finally {
    progress.stop();
  }
}

async function carryOut(options: PurgeOptions, plan: PurgePlan): Promise<PurgeTally> {
  const destination = await openDestination(options);
  const deleter = new WriteAheadDeleter(destination.deletionLog, options.now);
  try {
    await deleter.start('purge');
  } catch (error) {
    await destination.close();
    throw error;
  }
  const tally = options.tally ?? new PurgeTally();
  const progress = options.progress('deleted');
  progress.setTotal(plan.total.toDelete.count);
  const batch = new ResultBatch<PurgeResult>((results) => options.resultOutput.write(results));
  // Results held for the next batch are what was done: a second Ctrl-C still prints them.
  options.beforeAbort?.(() => batch.flush());
  let finished = false;
  try {
    await executePurge({
      api: options.api,
      criteria: options.criteria,
      deleter,
      stop: options.stop,
      archive: destination.save,
      decide: options.decide,
      recheckHold: options.recheckHold,
      ruleArchive: destination.ruleArchive,
      pages: options.pages?.(),
      onArchiveBytes: (bytes) => progress.addBytes(bytes),
      // Twice the requests in flight: the next recordings' intents reach the disk while DELETEs are answered.
      maxPending: options.concurrency * (options.archive?.recordingsPerSlot ?? 2),
      tally,
      onResult(result) {
        if (result.outcome !== 'skipped') progress.itemDone();
        batch.add(result);
      },
      onPage: () => batch.flush(),
      onSidNotFound: (sid) => options.warn(`Recording ${sid} was not found.`),
    });
    finished = true;
  } finally {
    batch.flush();
    options.resultOutput.end(finished);
    progress.stop();
    await destination.close();
    if (finished && !tally.interrupted && tally.logFailure === undefined) {
      for (const line of differenceFromPlan(plan, tally)) options.info(line);
    }
    for (const line of purgeSummaryLines(tally, destination.deletionLog.path)) options.info(line);
  }
  return tally;
}

/** Where deletions are recorded, and with an archive, where each recording is saved first. */
interface PurgeDestination {
  save?: ArchiveRecording;
  /** A policy rule's archive, by folder; undefined when it is not open. */
  ruleArchive?(folder: string): ArchiveRecording | undefined;
  deletionLog: DeletionLogWriter;
  close(): Promise<void>;
}

/** The archive when there is one (it records deletions in its manifest), otherwise a deletion log of its own. */
async function openDestination(options: PurgeOptions): Promise<PurgeDestination> {
  if (options.archive) return options.archive.open();
  const sessions = new Map<string, PurgeArchiveSession>();
  const closeAll = async () => {
    for (const session of sessions.values()) await session.close();
  };
  try {
    for (const [folder, archive] of options.ruleArchives ?? []) sessions.set(folder, await archive.open());
  } catch (error) {
    await closeAll();
    throw error;
  }
  let log: DeletionLogFile;
  try {
    log = await DeletionLogFile.open(options.deletionLogPath);
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    deletionLog: log,
    ruleArchive: (folder) => sessions.get(folder)?.save,
    close: async () => {
      await closeAll();
      await log.close();
    },
  };
}

/** Recordings can change between the plan and the deletions; say so when the numbers differ. */
function differenceFromPlan(plan: PurgePlan, tally: PurgeTally): string[] {
  const { total } = tally;
  // Those held since the purge began were planned, and are reported on their own line.
  const handled = total.deleted.count + total.alreadyDeleted + total.failed + tally.heldSinceStart;
  const planned = plan.total.toDelete.count;
  if (handled === planned) return [];
  return [
    `The selection changed after the plan: ${plural(handled, 'completed recording')} found instead of ${planned.toLocaleString('en-US')}.`,
  ];
}
