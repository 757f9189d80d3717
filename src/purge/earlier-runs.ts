import { BadInputError, RecordingsError, messageOf } from '../errors';
import type { TwilioApi } from '../twilio/twilio-api';
import { fileDeletionLog, type DeletionLog } from '../journal/deletion-log';
import { reconcileDeletions, reconciliationLine } from '../journal/reconciliation';

/** The deletion logs whose unanswered intents a purge settles before it deletes anything. */
export interface EarlierRunLogs {
  /** With an archive: its manifest, which is its deletion log. */
  archiveLog?: DeletionLog;
  /** Without: the log this purge writes to, and the earlier days' default logs. */
  deletionLogPath: string;
  earlierDeletionLogs: readonly string[];
}

export interface SettleDependencies {
  api: Pick<TwilioApi, 'getJson'>;
  /** Recordings checked at once; the API's limiter bounds the requests themselves. */
  concurrency: number;
  clock?: () => Date;
  info(line: string): void;
}

/**
 * The reconcile step of a purge: settles the deletions an earlier run sent without recording
 * their answer (it was killed, or stopped twice), before anything else, so that each log says what
 * happened to each of them; a line for each log that had any. A log that cannot be read is bad input.
 */
export async function settleEarlierRuns(logs: EarlierRunLogs, dependencies: SettleDependencies): Promise<void> {
  const paths = new Set([...logs.earlierDeletionLogs, logs.deletionLogPath]);
  const settleable = logs.archiveLog ? [logs.archiveLog] : [...paths].map(fileDeletionLog);
  for (const log of settleable) {
    let settled;
    try {
      settled = await reconcileDeletions({
        api: dependencies.api,
        log,
        maxPending: dependencies.concurrency,
        clock: dependencies.clock,
      });
    } catch (error) {
      if (error instanceof RecordingsError) throw error;
      throw new BadInputError(
        `Cannot settle the unanswered deletions in ${log.path}: ${messageOf(error)}. Check the file, then try again.`,
      );
    }
    if (settled) dependencies.info(reconciliationLine(settled));
  }
}
