import {
  BadInputError,
  CancelledError,
  CredentialsError,
  DiskFullError,
  OperationFailedError,
  messageOf,
} from '../errors';
import type { HoldRecheck } from '../holds/holds-file';
import { saveFailureReason, stoppedByFullDisk } from '../media/media-errors';
import type { Recording } from '../recordings/recording';
import type { SelectionCriteria } from '../selection/criteria';
import { walkSelection } from '../selection/selection-walk';
import { selectRecordingPages, type RecordingPage } from '../selection/select-recordings';
import { RequestNotSentError, type TwilioApi } from '../twilio/twilio-api';
import { plural } from '../text/plural';
import type { RecordOutput } from '../tasks/record-output';
import { ResultBatch } from '../tasks/result-batch';
import type { ProgressReporter } from '../tasks/progress';
import { WriteAheadDeleter } from '../journal/write-ahead-deleter';
import {
  DeletionLogFile,
  DeletionLogError,
  UnrecordedDeletionError,
  type DeletionLogWriter,
} from '../journal/deletion-log';
import type { ArchiveRecording, PurgeArchiveSession } from './purge-archive';
import type { PurgePlan } from './purge-plan';
import type { PurgeSource } from './purge-source';
import { planDifferenceLines, purgeSummaryLines } from './purge-summary';
import { selectionDecider, type RetentionDecider, type RetentionDecision } from '../retention/retention-decision';
import { describeHold, type Hold } from '../retention/holds';
import { PurgeTally, type PurgeResult } from './purge-tally';

export interface ExecutionDependencies {
  api: TwilioApi;
  /** Requests to Twilio in flight at once. */
  concurrency: number;
  /** One result per recording. */
  resultOutput: RecordOutput;
  /** Filled in as the purge goes, so that the caller can report on a purge that failed or stopped. */
  tally: PurgeTally;
  /** Aborted by Ctrl-C or SIGTERM: nothing new starts, and the purge ends as cancelled. */
  stop?: AbortSignal;
  /** The clock of the deletion log's lines. */
  clock?: () => Date;
  /** Registers what must still reach `resultOutput` if the process leaves at once (a second Ctrl-C). */
  beforeAbort?(flush: () => void): void;
  progress(verb: string): ProgressReporter;
  info(line: string): void;
  warn(line: string): void;
}

/**
 * The execute step of a purge: opens where it archives and records its deletions, streams the
 * source again through purgeSelected, then says what it did (and how that differs from the plan).
 * Throws OperationFailedError when any recording failed or the log stopped taking lines, and
 * CancelledError when stopped.
 */
export async function executePurge(
  plan: PurgePlan,
  source: Pick<
    PurgeSource,
    'criteria' | 'pages' | 'decide' | 'recheckHold' | 'archive' | 'ruleArchives' | 'deletionLogPath'
  >,
  dependencies: ExecutionDependencies,
): Promise<PurgeTally> {
  const { tally } = dependencies;
  const destination = await openDestination(source);
  const deleter = new WriteAheadDeleter(destination.deletionLog, dependencies.clock);
  try {
    await deleter.start('purge');
  } catch (error) {
    await destination.close();
    throw error;
  }
  const progress = dependencies.progress('deleted');
  progress.setTotal(plan.total.toDelete.count);
  const batch = new ResultBatch<PurgeResult>((results) => dependencies.resultOutput.write(results));
  // Results held for the next batch are what was done: a second Ctrl-C still prints them.
  dependencies.beforeAbort?.(() => batch.flush());
  let finished = false;
  try {
    await purgeSelected({
      api: dependencies.api,
      criteria: source.criteria,
      deleter,
      stop: dependencies.stop,
      archive: destination.save,
      decide: source.decide,
      recheckHold: source.recheckHold,
      ruleArchive: destination.ruleArchive,
      pages: source.pages?.(),
      onArchiveBytes: (bytes) => progress.addBytes(bytes),
      // Twice the requests in flight: the next recordings' intents reach the disk while DELETEs are answered.
      maxPending: dependencies.concurrency * (source.archive?.recordingsPerSlot ?? 2),
      tally,
      onResult(result) {
        if (result.outcome !== 'skipped') progress.itemDone();
        batch.add(result);
      },
      onPage: () => batch.flush(),
      onSidNotFound: (sid) => dependencies.warn(`Recording ${sid} was not found.`),
    });
    finished = true;
  } finally {
    batch.flush();
    dependencies.resultOutput.end(finished);
    progress.stop();
    await destination.close();
    if (finished && !tally.interrupted && tally.logFailure === undefined) {
      for (const line of planDifferenceLines(plan, tally)) dependencies.info(line);
    }
    for (const line of purgeSummaryLines(tally, destination.deletionLog.path)) dependencies.info(line);
  }
  refuseUnfinished(tally);
  return tally;
}

/** The purge's error when it did not do all it planned: the log broke, it was stopped, or recordings failed. */
function refuseUnfinished(tally: PurgeTally): void {
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
async function openDestination(
  source: Pick<PurgeSource, 'archive' | 'ruleArchives' | 'deletionLogPath'>,
): Promise<PurgeDestination> {
  if (source.archive) return source.archive.open();
  const sessions = new Map<string, PurgeArchiveSession>();
  const closeAll = async () => {
    for (const session of sessions.values()) await session.close();
  };
  try {
    for (const [folder, archive] of source.ruleArchives) sessions.set(folder, await archive.open());
  } catch (error) {
    await closeAll();
    throw error;
  }
  let log: DeletionLogFile;
  try {
    log = await DeletionLogFile.open(source.deletionLogPath);
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

/**
 * Checks, before anything is settled or asked, that the purge can archive and record: the archive
 * (and each rule's) usable, or the deletion log a file that can take lines. Changes nothing.
 */
export async function checkDestinations(
  source: Pick<PurgeSource, 'archive' | 'ruleArchives' | 'deletionLogPath'>,
): Promise<void> {
  if (source.archive) await source.archive.check();
  else await DeletionLogFile.check(source.deletionLogPath);
  for (const archive of source.ruleArchives.values()) await archive.check();
}

/** What purgeSelected goes through, and how. */
export interface PurgeExecution {
  api: TwilioApi;
  /** The plan's criteria: every recording is checked against them again as it streams. */
  criteria: SelectionCriteria;
  /** Records each deletion write-ahead: intent before the DELETE, outcome after its answer. */
  deleter: WriteAheadDeleter;
  /** When aborted (Ctrl-C), nothing new starts: no new recording, and no DELETE after an archive copy. */
  stop?: AbortSignal;
  /** When given, a recording is deleted only after its archive copy resolved. */
  archive?: ArchiveRecording;
  /** Which recordings go (default: the completed ones no hold keeps), asked again for each as it streams. */
  decide?: RetentionDecider;
  /**
   * Asked just before each DELETE: the hold that keeps the recording now (one added since the
   * purge began). A held recording is kept and counted as held; an error stops the purge.
   */
  recheckHold?: HoldRecheck;
  /** The archive of a policy rule's `archive:` folder; undefined when it is not open. */
  ruleArchive?(folder: string): ArchiveRecording | undefined;
  /** Recordings being archived or deleted at once; the API's limiter bounds the requests themselves. */
  maxPending: number;
  /** Filled in as results come, so a caller can still summarise a purge that stopped. */
  tally?: PurgeTally;
  onResult?(result: PurgeResult): void;
  /** Media bytes archived, as they arrive. */
  onArchiveBytes?(bytes: number): void;
  /** The recordings to go through, in place of the criteria's selection (a reviewed plan's). */
  pages?: AsyncIterable<RecordingPage>;
  /** Called after each page of the selection has been handed out. */
  onPage?(): void;
  onSidNotFound?(sid: string): void;
}

/**
 * Streams the selection again and deletes each recording the decider lets go: archived first when
 * asked (never deleted if its copy failed), then deleted through the deleter, then tallied and
 * handed to `onResult`. A failed recording is tallied and the others go on; a log that cannot take
 * a line stops every DELETE not yet sent, and so does `stop`.
 */
export async function purgeSelected(execution: PurgeExecution): Promise<PurgeTally> {
  const { api, criteria, maxPending, deleter } = execution;
  const tally = execution.tally ?? new PurgeTally();
  const stopped = () => execution.stop?.aborted === true || tally.logFailure !== undefined;

  const decide = execution.decide ?? selectionDecider();

  const concludeWith =
    (decision: RetentionDecision) =>
    (result: PurgeResult, recording: Recording, archiveFailed = false): void => {
      tally.add(result, recording, archiveFailed, decision);
      execution.onResult?.(result);
    };

  const purgeOne = async (recording: Recording, decision: RetentionDecision): Promise<void> => {
    const result = resultFor(recording, 'failed', decision);
    const conclude = concludeWith(decision);
    let archive = execution.archive;
    if (decision.action === 'delete' && decision.archive !== undefined) {
      archive = execution.ruleArchive?.(decision.archive);
      // A rule that archives never deletes without its copy, even if its archive could not be opened.
      if (!archive) {
        conclude({ ...result, error: `archive ${decision.archive} is not open, not deleted` }, recording, true);
        return;
      }
    }
    if (archive) {
      try {
        result.archivedPath = (await archive(recording, execution.onArchiveBytes)).path;
      } catch (error) {
        const reason = saveFailureReason(error);
        conclude({ ...result, error: `archive failed, not deleted: ${reason}` }, recording, true);
        if (error instanceof DiskFullError) throw stoppedByFullDisk(reason);
        return;
      }
      // The copy is safe; deleting it is new work, which a stop request or a broken log rules out.
      if (stopped()) return;
    }
    if (execution.recheckHold && (await heldNow(recording, decision, result))) return;
    try {
      result.outcome = await deleter.deleteRecording(api, recording, result.archivedPath, execution.stop);
    } catch (error) {
      // Stopped while it waited for a free slot: like a recording never reached, it has no result.
      if (error instanceof RequestNotSentError) return;
      if (error instanceof UnrecordedDeletionError) {
        tally.unrecorded.push(recording.sid);
        tally.logFailure ??= error.message;
        conclude({ ...result, outcome: 'deleted', error: 'deleted but not recorded in the log' }, recording);
        return;
      }
      if (error instanceof DeletionLogError) tally.logFailure ??= error.message;
      conclude({ ...result, error: messageOf(error) }, recording);
      if (error instanceof CredentialsError) throw error;
      return;
    }
    conclude(result, recording);
  };

  /** Whether a hold keeps the recording now, concluded as held if so; a holds file that cannot be read stops the purge. */
  const heldNow = async (recording: Recording, decision: RetentionDecision, result: PurgeResult): Promise<boolean> => {
    let hold: Hold | undefined;
    try {
      hold = await execution.recheckHold!(recording);
    } catch (error) {
      concludeWith(decision)({ ...result, error: 'the holds file could not be read again, not deleted' }, recording);
      throw new BadInputError(
        `The holds file could not be read again before a deletion, so the purge stopped: ${messageOf(error)}`,
      );
    }
    if (!hold) return false;
    const kept: RetentionDecision = { action: 'keep', reason: 'held', rule: decision.rule, hold };
    tally.heldSinceStart += 1;
    concludeWith(kept)({ ...resultFor(recording, 'skipped', kept), archivedPath: result.archivedPath }, recording);
    return true;
  };

  await walkSelection(
    execution.pages ?? selectRecordingPages(api, criteria, { onSidNotFound: execution.onSidNotFound }),
    {
      maxPending,
      workFor: (recording) => {
        const decision = decide(recording);
        if (decision.action === 'delete') return () => purgeOne(recording, decision);
        concludeWith(decision)(resultFor(recording, 'skipped', decision), recording);
        return undefined;
      },
      // A DELETE that threw (credentials refused) starts no more.
      stopped: (workFailed) => workFailed || stopped(),
      afterPage: () => {
        execution.onPage?.();
        return stopped();
      },
    },
  );
  if (execution.stop?.aborted) tally.interrupted = true;
  return tally;
}

function resultFor(recording: Recording, outcome: PurgeResult['outcome'], decision: RetentionDecision): PurgeResult {
  const result: PurgeResult = {
    sid: recording.sid,
    accountSid: recording.accountSid,
    status: recording.status,
    outcome,
    archivedPath: null,
    error: null,
  };
  // Only a policy's purge names rules, and only keeps other than by status name a reason: other results keep their shape.
  if (decision.rule !== undefined) result.rule = decision.rule;
  if (decision.action === 'keep' && decision.reason !== 'not-completed') result.keptBecause = decision.reason;
  if (decision.action === 'keep' && decision.hold) result.heldBy = describeHold(decision.hold);
  if (decision.action === 'keep' && decision.detail !== undefined) result.error = decision.detail;
  return result;
}
