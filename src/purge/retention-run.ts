import { dirname, resolve } from 'node:path';
import { isS3Url } from '../destinations/s3-url';
import { readHoldsFile, readRegularFile, type HoldsLocation } from '../holds/holds-file';
import { HoldSet, digestOfHolds, type Hold } from '../retention/holds';
import type { S3DestinationSettings } from '../media/open-destination';
import type { RetentionPolicy } from '../retention/policy';
import { resolvePolicyAccounts, type KnownAccount } from '../retention/policy-accounts';
import { policyDecider, ruleCutoff, selectionDecider, type RetentionDecider } from '../retention/retention-decision';
import { plural } from '../output/plural';
import { checkPlanStillApplies } from '../retention/plan-file';
import type { SelectionCriteria } from '../selection/criteria';
import type { RecordingPage } from '../selection/select-recordings';
import { planFileRecorder, planPages, readPlanFile } from './plan-io';
import { canonicalApiSid } from '../twilio/sids';
import { API_VERSION_PATH, type TwilioApi } from '../twilio/twilio-api';
import type { PlanRule, PurgePlan } from './purge-plan';
import type { PlanRecorder } from './purge';
import { refuseS3FlagsWithoutBucket, ruleBucketSettings } from './bucket-settings';

/** What a purge needs of a policy and the holds, read and checked before anything is asked of Twilio. */
export interface RetentionInput {
  policy?: RetentionPolicy;
  /** The holds file's and the policy's. */
  holds: Hold[];
  /** The digest of the holds file's holds, which a reviewed plan compares (the policy's are in its own digest). */
  holdsFileDigest: string;
  holdsPath: string;
}

/**
 * Reads the holds file and, when given, the policy file: both checked in full (schema, durations,
 * rules) before any request, so that a bad file is exit 2 with its line and column and nothing else.
 */
export async function readRetentionInput(
  policyPath: string | undefined,
  holds: HoldsLocation,
  now: Date,
): Promise<RetentionInput> {
  let policy: RetentionPolicy | undefined;
  if (policyPath !== undefined) {
    const text = (await readRegularFile(resolve(policyPath), 'policy file'))!;
    // Loaded here only: YAML and the schema validator cost every other command nothing.
    const { parsePolicy } = await import('../retention/policy');
    policy = parsePolicy(text, policyPath, now);
  }
  const fileHolds = await readHoldsFile(holds);
  return {
    policy,
    holds: [...fileHolds, ...(policy?.holds ?? [])],
    holdsFileDigest: digestOfHolds(fileHolds),
    holdsPath: holds.path,
  };
}

/** How a purge decides, once the policy's account names are known to be the account's. */
export interface RetentionPlan {
  criteria?: SelectionCriteria;
  decide: RetentionDecider;
  planRules?: PlanRule[];
  holdsDigest: string;
  policyDigest?: string;
}

/** The decisions of a purge at `now`: the policy's rules (accounts resolved through Accounts.json) and the holds. */
export async function planRetention(api: TwilioApi, input: RetentionInput, now: Date): Promise<RetentionPlan> {
  const holds = new HoldSet(input.holds, now);
  const holdsDigest = input.holdsFileDigest;
  const { policy } = input;
  if (!policy) return { decide: selectionDecider(holds), holdsDigest };
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
      const sid = canonicalApiSid(account.sid);
      if (sid === api.accountSid) parent.friendlyName = account.friendly_name;
      else if (includeSubaccounts && account.status !== 'closed') {
        subaccounts.push({ sid, friendlyName: account.friendly_name });
      }
    }
    next = page.next_page_uri;
  }
  return [parent, ...subaccounts];
}

/** How a reviewed plan is carried out: its recordings, re-checked, and what drifted since. */
export interface ReviewedPlanRun {
  pages: () => AsyncIterable<RecordingPage>;
  decide: RetentionDecider;
  /** The plan's policy, whose rules' `archive:` the plan's recordings go to. */
  policy?: RetentionPolicy;
  planNotes(plan: PurgePlan): string[];
}

export interface ReviewedPlanOptions {
  now: Date;
  maxAgeMs: number;
  maxAgeText: string;
  force: boolean;
}

/**
 * Reads a plan made with --plan-out and checks it still applies (see checkPlanStillApplies)
 * before any request. Its recordings are then fetched one by one and deleted only if still
 * completed and not held now; one deleted meanwhile counts as done.
 */
export async function reviewedPlan(
  api: TwilioApi,
  planPath: string,
  holdsAt: HoldsLocation,
  options: ReviewedPlanOptions,
): Promise<ReviewedPlanRun> {
  const plan = await readPlanFile(planPath);
  const fileHolds = await readHoldsFile(holdsAt);
  // The plan's policy must still parse: its own holds apply, whatever --force says.
  const policy = plan.policy
    ? (await readRetentionInput(plan.policy.file, { ...holdsAt, named: false }, options.now)).policy
    : undefined;
  checkPlanStillApplies(plan, planPath, {
    accountSid: api.accountSid,
    now: options.now,
    maxAgeMs: options.maxAgeMs,
    maxAgeText: options.maxAgeText,
    policyDigestNow: policy?.digest,
    holdsDigestNow: digestOfHolds(fileHolds),
    force: options.force,
  });
  const holds = new HoldSet([...fileHolds, ...(policy?.holds ?? [])], options.now);
  const rules = new Map(plan.recordings.map((entry) => [entry.sid, entry.rule ?? undefined]));
  const archives = new Map(policy?.rules.map((rule) => [rule.name, rule.archive]) ?? []);
  const held = selectionDecider(holds);
  const decide: RetentionDecider = (recording) => {
    const rule = rules.get(recording.sid);
    const decision = held(recording);
    if (decision.action === 'keep') return { ...decision, rule };
    return { action: 'delete', rule, archive: rule === undefined ? undefined : archives.get(rule) };
  };
  return {
    pages: () => planPages(api, plan.recordings),
    decide,
    policy,
    planNotes: (current) => driftLines(plan.recordings.length, plan.createdAt, current),
  };
}

/** What changed since the plan was made: deleted by someone else (done), held now, no longer completed. */
function driftLines(planned: number, createdAt: string, plan: PurgePlan): string[] {
  const gone = plan.total.skippedByStatus.get('deleted') ?? 0;
  const held = plan.total.kept.get('held') ?? 0;
  const other = plan.total.skipped - gone;
  const parts: string[] = [];
  if (gone > 0) parts.push(`${plural(gone, 'recording')} deleted meanwhile (counted as done)`);
  if (held > 0) parts.push(`${plural(held, 'recording')} held now (kept)`);
  if (other > 0) parts.push(`${plural(other, 'recording')} no longer completed (kept)`);
  const head = `Reviewed plan of ${createdAt}: ${plural(planned, 'recording')} planned`;
  return [parts.length > 0 ? `${head}; since then ${parts.join(', ')}.` : `${head}; nothing drifted since.`];
}

/** Everything a purge takes from a policy, the holds or a reviewed plan, besides its flags. */
export interface PurgeSource {
  /** In place of the selection flags' (a policy's scope, a plan's accounts). */
  criteria?: SelectionCriteria;
  decide: RetentionDecider;
  planRules?: PlanRule[];
  /** Where each rule's `archive:`, as written, saves: the folder it names relative to its policy file, or a bucket. */
  ruleArchives: Map<string, RuleArchive>;
  pages?: () => AsyncIterable<RecordingPage>;
  planNotes?(plan: PurgePlan): string[];
  planOut?: PlanRecorder;
}

export interface PurgeSourceOptions {
  policyPath?: string;
  /** A reviewed plan to run (`--plan`). */
  planPath?: string;
  /** Where to write the plan for review (`--plan-out`). */
  planOutPath?: string;
  holds: HoldsLocation;
  now: Date;
  maxPlanAge: { ms: number; text: string };
  force: boolean;
  /** `--archive-dir`, which the `--s3-*` flags may be for instead of a rule's archive. */
  archiveDir?: string;
  /** `--s3-*`: for every archive in a bucket, a rule's included. */
  s3?: S3DestinationSettings;
}

/** A folder, or an `s3://` URL with how its objects are written. */
export interface RuleArchive {
  root: string;
  s3?: S3DestinationSettings;
}

/**
 * What a purge goes through and how it decides: a reviewed plan's recordings, or a policy's
 * rules, or the selection flags, with the holds in every case. Files are read and checked
 * before any request; the only request is Accounts.json when a policy names accounts.
 */
export async function purgeSource(api: TwilioApi, options: PurgeSourceOptions): Promise<PurgeSource> {
  const { policyPath, planPath, planOutPath, holds, now } = options;
  if (planPath !== undefined) {
    const run = await reviewedPlan(api, planPath, holds, {
      now,
      maxAgeMs: options.maxPlanAge.ms,
      maxAgeText: options.maxPlanAge.text,
      force: options.force,
    });
    return {
      ...run,
      criteria: { includeSubaccounts: true, limitCounts: 'completed' },
      ruleArchives: ruleArchives(run.policy, options),
    };
  }
  const input = await readRetentionInput(policyPath, holds, now);
  // Before Accounts.json: the flags and the rules' archives are known from the files alone.
  const archives = ruleArchives(input.policy, options);
  const retention = await planRetention(api, input, now);
  const planOut = planOutPath
    ? planFileRecorder(planOutPath, {
        accountSid: api.accountSid,
        createdAt: now.toISOString(),
        policy: input.policy ? { file: resolve(policyPath!), digest: input.policy.digest } : null,
        holds: { file: holds.path, digest: input.holdsFileDigest },
      })
    : undefined;
  return { ...retention, ruleArchives: archives, planOut };
}

/**
 * The archives of a policy's rules, by `archive:` as written. A folder is relative to its policy
 * file, wherever cron runs the purge from; an `s3://` URL is itself, written as the rule's `s3:`
 * and the `--s3-*` flags say (see ruleBucketSettings). Flags that no archive of the purge takes
 * are refused.
 */
function ruleArchives(
  policy: RetentionPolicy | undefined,
  options: Pick<PurgeSourceOptions, 'archiveDir' | 's3'>,
): Map<string, RuleArchive> {
  const archives = new Map<string, RuleArchive>();
  for (const rule of policy?.rules ?? []) {
    const where = rule.archive;
    if (where === undefined || archives.has(where)) continue;
    archives.set(
      where,
      isS3Url(where)
        ? { root: where, s3: ruleBucketSettings(rule, policy!.file, options.s3) }
        : { root: resolve(dirname(resolve(policy!.file)), where) },
    );
  }
  refuseS3FlagsWithoutBucket(options.s3, [options.archiveDir, ...archives.keys()]);
  return archives;
}
