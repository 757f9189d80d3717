import { resolve } from 'node:path';
import { readHoldsFile, readRegularFile, type HoldsLocation } from '../holds/holds-file';
import { HoldSet, digestOfHolds, type Hold } from '../retention/holds';
import { resolvePolicyAccounts, type KnownAccount, type RetentionPolicy } from '../retention/policy';
import {
  policyDecider,
  ruleCutoff,
  selectionDecider,
  type RetentionDecider,
} from '../retention/retention-decision';
import type { SelectionCriteria } from '../selection/criteria';
import { API_VERSION_PATH, type TwilioApi } from '../twilio/twilio-api';
import type { PlanRule } from './purge-plan';

/** What a purge needs of a policy and the holds, read and checked before anything is asked of Twilio. */
export interface RetentionInput {
  policy?: RetentionPolicy;
  holds: Hold[];
  holdsPath: string;
}

/**
 * Reads the holds file and, when given, the policy file: both checked in full (schema, durations,
 * rules) before any request, so that a bad file is exit 2 with its line and column and nothing else.
 */
export async function readRetentionInput(policyPath: string | undefined, holds: HoldsLocation): Promise<RetentionInput> {
  let policy: RetentionPolicy | undefined;
  if (policyPath !== undefined) {
    const text = (await readRegularFile(resolve(policyPath), 'policy file'))!;
    // Loaded here only: YAML and the schema validator cost every other command nothing.
    const { parsePolicy } = await import('../retention/policy');
    policy = parsePolicy(text, policyPath);
  }
  const fileHolds = await readHoldsFile(holds);
  return { policy, holds: [...fileHolds, ...(policy?.holds ?? [])], holdsPath: holds.path };
}

/** How a purge decides, once the policy's account names are known to be the account's. */
export interface RetentionPlan {
  criteria?: SelectionCriteria;
  decide: RetentionDecider;
  planRules?: PlanRule[];
  /** The distinct `archive:` folders of the rules. */
  archiveFolders: string[];
  holdsDigest: string;
  policyDigest?: string;
}

/** The decisions of a purge at `now`: the policy's rules (accounts resolved through Accounts.json) and the holds. */
export async function planRetention(api: TwilioApi, input: RetentionInput, now: Date): Promise<RetentionPlan> {
  const holds = new HoldSet(input.holds, now, digestOfHolds(input.holds));
  const holdsDigest = holds.digest;
  const { policy } = input;
  if (!policy) return { decide: selectionDecider(holds), archiveFolders: [], holdsDigest };
  const namesAccounts = policy.rules.some((rule) => rule.match.accounts !== undefined);
  const accounts = namesAccounts
    ? await knownAccounts(api, policy.subaccounts)
    : [{ sid: api.accountSid, friendlyName: '' }];
  const resolved = resolvePolicyAccounts(policy, accounts);
  return {
    criteria: { includeSubaccounts: policy.subaccounts, limitCounts: 'completed' },
    decide: policyDecider(resolved, holds, now),
    planRules: policy.rules.map((rule) => ({
      name: rule.name,
      keep: rule.keep,
      cutoff: ruleCutoff(rule, policy, now),
      archive: rule.archive,
    })),
    archiveFolders: [...new Set(policy.rules.flatMap((rule) => (rule.archive ? [rule.archive] : [])))],
    holdsDigest,
    policyDigest: policy.digest,
  };
}

interface AccountsEnvelope {
  accounts: Array<{ sid: string; friendly_name: string; status: string }>;
  next_page_uri: string | null;
}

/** The account, then (when the policy scans them) its subaccounts that are not closed, with friendly names. */
async function knownAccounts(api: TwilioApi, includeSubaccounts: boolean): Promise<KnownAccount[]> {
  const parent: KnownAccount = { sid: api.accountSid, friendlyName: '' };
  const subaccounts: KnownAccount[] = [];
  let next: string | null = `${API_VERSION_PATH}/Accounts.json?PageSize=1000`;
  while (next) {
    const page: AccountsEnvelope = await api.getJson<AccountsEnvelope>(next);
    for (const account of page.accounts) {
      if (account.sid === api.accountSid) parent.friendlyName = account.friendly_name;
      else if (includeSubaccounts && account.status !== 'closed') {
        subaccounts.push({ sid: account.sid, friendlyName: account.friendly_name });
      }
    }
    next = page.next_page_uri;
  }
  return [parent, ...subaccounts];
}
