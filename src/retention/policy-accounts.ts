import { BadInputError } from '../errors';
import { printable } from '../text/printable';
import { isSid } from '../twilio/sids';
import type { RetentionPolicy } from './policy';

/** An account of the scan: its SID and friendly name, as Accounts.json gives them. */
export interface KnownAccount {
  sid: string;
  friendlyName: string;
}

/** A policy whose account references are SIDs of the scanned accounts. */
export interface ResolvedPolicy extends RetentionPolicy {
  /** Per rule, the SIDs its `account` names, undefined when it names none. */
  ruleAccounts: Array<Set<string> | undefined>;
  parentSid: string;
}

/**
 * Turns the account names of a policy into SIDs of `accounts` (the parent first, then the
 * subaccounts scanned). A name or SID none of them has is a bad-input error at its place.
 */
export function resolvePolicyAccounts(policy: RetentionPolicy, accounts: KnownAccount[]): ResolvedPolicy {
  const parentSid = accounts[0].sid;
  const ruleAccounts = policy.rules.map((rule) => {
    if (!rule.match.accounts) return undefined;
    const sids = new Set<string>();
    for (const reference of rule.match.accounts) {
      const found = isSid('account', reference.text)
        ? accounts.find((account) => account.sid === reference.text)
        : accounts.filter((account) => account.friendlyName === reference.text);
      const matches = Array.isArray(found) ? found : found ? [found] : [];
      if (matches.length === 0) {
        const scope = policy.subaccounts ? 'the account or its subaccounts' : 'the account (subaccounts: false)';
        throw new BadInputError(
          `${printable(policy.file)}:${reference.position.line}:${reference.position.col}: rule "${printable(rule.name)}" ` +
            `names account "${printable(reference.text)}", which is not ${scope}: use a SID or friendly name from Accounts.json` +
            (policy.subaccounts ? '.' : ', or add subaccounts: true.'),
        );
      }
      if (matches.length > 1) {
        throw new BadInputError(
          `${printable(policy.file)}:${reference.position.line}:${reference.position.col}: ` +
            `${matches.length} accounts are named "${printable(reference.text)}": use their SIDs instead.`,
        );
      }
      sids.add(matches[0].sid);
    }
    return sids;
  });
  return { ...policy, ruleAccounts, parentSid };
}
