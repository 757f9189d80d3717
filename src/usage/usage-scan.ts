import { CancelledError } from '../errors';
import type { ProgressReporter } from '../progress/progress-reporter';
import type { RetentionDecider } from '../retention/retention-decision';
import type { SelectionCriteria } from '../selection/criteria';
import { selectRecordingPages } from '../selection/select-recordings';
import { untilAborted } from '../tasks/interruption';
import type { TwilioApi } from '../twilio/twilio-api';
import { StorageUsageTally, lastMonths, type UsageGrouping, type UsageReport } from './storage-usage';

export interface UsageOptions {
  api: TwilioApi;
  criteria: SelectionCriteria;
  /** The last this many months get a row each; older ones are summed as `earlier`. */
  months: number;
  grouping: UsageGrouping;
  /** A policy's decisions, for the figures after it. */
  decide?: RetentionDecider;
  now: Date;
  progress: ProgressReporter;
  stop?: AbortSignal;
}

/**
 * Streams every recording of the account (and subaccounts) once through the selection engine
 * and tallies what is stored: constant memory whatever the account's size.
 */
export async function scanStorageUsage(options: UsageOptions): Promise<UsageReport> {
  const tally = new StorageUsageTally(lastMonths(options.now, options.months), options.grouping, options.decide);
  try {
    const pages = untilAborted(
      selectRecordingPages(options.api, options.criteria),
      options.stop,
      () => new CancelledError('Stopped while counting: nothing was changed.'),
    );
    for await (const page of pages) {
      for (const recording of page.recordings) {
        tally.add(recording);
        options.progress.itemDone();
      }
    }
  } finally {
    options.progress.stop();
  }
  return tally.report();
}
