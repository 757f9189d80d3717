import { CancelledError } from '../errors';
import type { RetentionDecider } from '../retention/retention-decision';
import type { SelectionCriteria } from '../selection/criteria';
import { selectRecordingPages } from '../selection/select-recordings';
import { unlessAborted, untilAborted } from '../tasks/interruption';
import { API_VERSION_PATH, type TwilioApi } from '../twilio/twilio-api';
import {
  StorageUsageTally,
  WHOLE_ACCOUNT,
  lastMonths,
  type UsageGrouping,
  type UsageReport,
  type UsageView,
} from './storage-usage';
import type { ProgressReporter } from '../tasks/progress';

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
  const stopped = () => new CancelledError('Stopped while counting: nothing was changed.');
  const view = await unlessAborted(usageView(options.api, options.criteria.includeSubaccounts), options.stop, stopped);
  const tally = new StorageUsageTally(lastMonths(options.now, options.months), options.grouping, options.decide);
  try {
    const pages = untilAborted(selectRecordingPages(options.api, options.criteria), options.stop, stopped);
    for await (const page of pages) {
      for (const recording of page.recordings) {
        tally.add(recording);
        options.progress.itemDone();
      }
    }
  } finally {
    options.progress.stop();
  }
  return tally.report(view);
}

interface AccountJson {
  sid: string;
  status: string;
  owner_account_sid?: string | null;
}

/**
 * Whether a scan sees the whole parent account, whose recordings share one free allowance: not
 * with a subaccount's credentials, nor without --subaccounts when the account has open subaccounts.
 */
export async function usageView(api: TwilioApi, includeSubaccounts: boolean): Promise<UsageView> {
  const self = await api.getJson<AccountJson>(`${API_VERSION_PATH}/Accounts/${api.accountSid}.json`);
  const owner = self.owner_account_sid;
  if (owner && owner !== api.accountSid) {
    return {
      wholeAccount: false,
      partialBecause: `these are the recordings of subaccount ${api.accountSid} alone; the free minutes belong to its parent account ${owner} and all its subaccounts`,
    };
  }
  if (includeSubaccounts) return WHOLE_ACCOUNT;
  let next: string | null = `${API_VERSION_PATH}/Accounts.json?PageSize=50`;
  while (next) {
    const page: { accounts: AccountJson[]; next_page_uri: string | null } = await api.getJson(next);
    if (page.accounts.some((account) => account.sid !== api.accountSid && account.status !== 'closed')) {
      return {
        wholeAccount: false,
        partialBecause:
          "without --subaccounts these leave out the subaccounts' recordings, which share the free minutes",
      };
    }
    next = page.next_page_uri;
  }
  return WHOLE_ACCOUNT;
}
