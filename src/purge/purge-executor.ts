import { BadInputError, CredentialsError, messageOf, DiskFullError } from '../errors';
import type { HoldRecheck } from '../holds/holds-file';
import { saveFailureReason, stoppedByFullDisk } from '../media/media-errors';
import type { Recording } from '../recordings/recording';
import type { SelectionCriteria } from '../selection/criteria';
import { selectRecordingPages, type RecordingPage } from '../selection/select-recordings';
import { TaskWindow } from '../tasks/task-window';
import { RequestNotSentError, type TwilioApi } from '../twilio/twilio-api';
import { DeletionLogError, UnrecordedDeletionError } from '../journal/deletion-log';
import { selectionDecider, type RetentionDecider, type RetentionDecision } from '../retention/retention-decision';
import { describeHold, type Hold } from '../retention/holds';
import { PurgeTally, type PurgeResult } from './purge-report';
import type { WriteAheadDeleter } from '../journal/write-ahead-deleter';

/** A verified copy of a recording's media, complete and flushed to disk. */
export interface ArchivedCopy {
  /** Relative to the archive folder. */
  path: string;
}

/** Saves a recording's media; resolves only once the copy is verified and on disk, throws otherwise. */
export type ArchiveRecording = (recording: Recording, onBytes?: (bytes: number) => void) => Promise<ArchivedCopy>;

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
 * Streams the selection again and deletes each completed recording in it: archived first when
 * asked (never deleted if its copy failed), then deleted through the deleter, then reported. A
 * failed recording is reported and the others go on; a log that cannot take a line stops every
 * DELETE not yet sent, and so does `stop`.
 */
export async function executePurge(execution: PurgeExecution): Promise<PurgeTally> {
  const { api, criteria, maxPending, deleter } = execution;
  const tally = execution.tally ?? new PurgeTally();
  const stopped = () => execution.stop?.aborted === true || tally.logFailure !== undefined;

  const decide = execution.decide ?? selectionDecider();

  const reportWith =
    (decision: RetentionDecision) =>
    (result: PurgeResult, recording: Recording, archiveFailed = false): void => {
      tally.add(result, recording, archiveFailed, decision);
      execution.onResult?.(result);
    };

  const purgeOne = async (recording: Recording, decision: RetentionDecision): Promise<void> => {
    const result = resultFor(recording, 'failed', decision);
    const report = reportWith(decision);
    let archive = execution.archive;
    if (decision.action === 'delete' && decision.archive !== undefined) {
      archive = execution.ruleArchive?.(decision.archive);
      // A rule that archives never deletes without its copy, even if its archive could not be opened.
      if (!archive) {
        report({ ...result, error: `archive ${decision.archive} is not open, not deleted` }, recording, true);
        return;
      }
    }
    if (archive) {
      try {
        result.archivedPath = (await archive(recording, execution.onArchiveBytes)).path;
      } catch (error) {
        const reason = saveFailureReason(error);
        report({ ...result, error: `archive failed, not deleted: ${reason}` }, recording, true);
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
      // Stopped while it waited for a free slot: like a recording never reached, it is not reported.
      if (error instanceof RequestNotSentError) return;
      if (error instanceof UnrecordedDeletionError) {
        tally.unrecorded.push(recording.sid);
        tally.logFailure ??= error.message;
        report({ ...result, outcome: 'deleted', error: 'deleted but not recorded in the log' }, recording);
        return;
      }
      if (error instanceof DeletionLogError) tally.logFailure ??= error.message;
      report({ ...result, error: messageOf(error) }, recording);
      if (error instanceof CredentialsError) throw error;
      return;
    }
    report(result, recording);
  };

  /** Whether a hold keeps the recording now, reported as held if so; a holds file that cannot be read stops the purge. */
  const heldNow = async (recording: Recording, decision: RetentionDecision, result: PurgeResult): Promise<boolean> => {
    let hold: Hold | undefined;
    try {
      hold = await execution.recheckHold!(recording);
    } catch (error) {
      reportWith(decision)({ ...result, error: 'the holds file could not be read again, not deleted' }, recording);
      throw new BadInputError(
        `The holds file could not be read again before a deletion, so the purge stopped: ${messageOf(error)}`,
      );
    }
    if (!hold) return false;
    const kept: RetentionDecision = { action: 'keep', reason: 'held', rule: decision.rule, hold };
    tally.heldSinceStart += 1;
    reportWith(kept)({ ...resultFor(recording, 'skipped', kept), archivedPath: result.archivedPath }, recording);
    return true;
  };

  const window = new TaskWindow(maxPending);
  try {
    const pages = execution.pages ?? selectRecordingPages(api, criteria, { onSidNotFound: execution.onSidNotFound });
    selection: for await (const page of pages) {
      for (const recording of page.recordings) {
        const decision = decide(recording);
        if (decision.action === 'keep') {
          reportWith(decision)(resultFor(recording, 'skipped', decision), recording);
          continue;
        }
        await window.waitForRoom();
        if (window.failed || stopped()) break selection;
        await window.add(() => purgeOne(recording, decision));
      }
      execution.onPage?.();
      if (stopped()) break;
    }
  } catch (error) {
    // The selection broke: let deletions under way finish (and be logged), then report why.
    await window.drain().catch(() => undefined);
    throw error;
  }
  await window.drain();
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
