import { dirname, resolve } from 'node:path';
import { isS3Url } from '../destinations/s3-url';
import type { KeyRing } from '../encryption/key-ring';
import { holdsRecheckAll, type HoldRecheck, type HoldsLocation } from '../holds/holds-file';
import { downloadLayout } from '../media/download-recordings';
import { encryptedKeepReason } from '../media/media-encryption';
import type { S3DestinationSettings } from '../media/open-destination';
import type { Recording } from '../recordings/recording';
import type { RetentionPolicy } from '../retention/policy';
import { keepingUnverifiable, type RetentionDecider } from '../retention/retention-decision';
import type { SelectionCriteria } from '../selection/criteria';
import type { RecordingPage } from '../selection/select-recordings';
import type { TwilioApi } from '../twilio/twilio-api';
import { refuseS3FlagsWithoutBucket, ruleBucketSettings } from './bucket-settings';
import { defaultDeletionLogPath, defaultDeletionLogs } from '../journal/deletion-log';
import { archiveAt, type ArchiveOptions } from './media-archive';
import { planFileRecorder } from './plan-io';
import type { PlanRecorder } from './plan-io';
import type { PurgeArchive } from './purge-archive';
import { requirePurgeBound, type PlanRule, type PurgePlan } from './purge-plan';
import type { PurgeRequest } from './purge-request';
import { planRetention, planSelection, readRetentionInput, reviewedPlan } from './retention-run';

/**
 * What a purge goes through and how it decides, once its files are read: the selection flags', a
 * policy's rules or a reviewed plan's recordings, with every hold; and where it archives and
 * records its deletions.
 */
export interface PurgeSource {
  /** The selection flags', or in their place a policy's scope or a plan's accounts. */
  criteria: SelectionCriteria;
  /** The recordings to go through in place of the criteria's selection (a reviewed plan's), streamed anew each time. */
  pages?: () => AsyncIterable<RecordingPage>;
  /** Which selected recordings go: asked for the plan, and again for each recording as the purge streams. */
  decide: RetentionDecider;
  /** The hold that keeps a recording now, asked again just before its DELETE. */
  recheckHold: HoldRecheck;
  /** A policy's rules, for the plan; with them, the rules bound the purge instead of the selection flags. */
  planRules?: PlanRule[];
  /** Lines said after the plan: what drifted since a reviewed plan was made. */
  planNotes?(plan: PurgePlan): string[];
  /** With --plan: the SHA-256 of the plan file run. */
  planSha256?: string;
  /** With --plan-out: takes each recording the plan deletes, and the purge deletes nothing. */
  planOut?: PlanRecorder;
  /** `--archive-dir`: every deletion archived first, and recorded in the archive's manifest. */
  archive?: PurgeArchive;
  /** The archives of a policy's `archive:` folders and buckets, by `archive:` as written. */
  ruleArchives: Map<string, PurgeArchive>;
  /** Where deletions are recorded without --archive-dir. */
  deletionLogPath: string;
  /** Logs of earlier purges whose unanswered intents are settled first (the default log's earlier days). */
  earlierDeletionLogs: string[];
}

export interface SourceDependencies {
  api: TwilioApi;
  /** `--decrypt-key`, loaded: archived copies of encrypted recordings are decrypted and verified. */
  keys?: KeyRing;
  /** The plugin's data folder, where the default deletion logs are. */
  dataDir: string;
  /** The archive a folder or `s3://` URL names (by default, archiveAt). */
  openArchive?: (where: string, options: ArchiveOptions) => PurgeArchive;
}

/**
 * The source step of a purge: reads and checks the policy, holds or plan file before anything
 * else is asked of Twilio (the only request is Accounts.json when a policy names accounts or a
 * plan lists subaccounts), and says where the purge archives and records its deletions.
 */
export async function readPurgeSource(
  request: PurgeRequest,
  dependencies: SourceDependencies,
  now: Date,
): Promise<PurgeSource> {
  const { api, keys } = dependencies;
  const decisions = await readDecisions(request, api, now);
  const criteria = decisions.criteria ?? request.selection;
  const openArchive = dependencies.openArchive ?? archiveAt;
  const archiveIn = (where: RuleArchive) =>
    openArchive(where.root, {
      format: request.format,
      layout: downloadLayout(request.layout, criteria.includeSubaccounts || request.planPath !== undefined),
      api,
      keys,
      acceptUnverifiedEncrypted: request.acceptUnverifiedEncrypted,
      s3: where.s3,
      concurrency: request.concurrency,
    });
  const archive = request.archiveDir ? archiveIn({ root: request.archiveDir, s3: request.s3 }) : undefined;
  // An encrypted recording whose archived copy cannot be verified stays on Twilio.
  const unverifiable = (recording: Recording) =>
    encryptedKeepReason(recording, request.format, keys !== undefined, request.acceptUnverifiedEncrypted);
  return {
    criteria,
    pages: decisions.pages,
    decide: keepingUnverifiable(decisions.decide, unverifiable, archive !== undefined),
    recheckHold: holdsRecheckAll(decisions.holdsFiles),
    planRules: decisions.planRules,
    planNotes: decisions.planNotes,
    planSha256: decisions.planSha256,
    planOut: decisions.planOut,
    archive,
    ruleArchives: new Map([...decisions.ruleArchives].map(([where, rule]) => [where, archiveIn(rule)])),
    deletionLogPath: request.logPath ?? defaultDeletionLogPath(dependencies.dataDir, now),
    earlierDeletionLogs: request.logPath || archive ? [] : await defaultDeletionLogs(dependencies.dataDir),
  };
}

/** How a purge decides, from the flags, a policy or a reviewed plan, with the holds in every case. */
interface Decisions {
  /** In place of the selection flags' (a policy's scope, a plan's accounts). */
  criteria?: SelectionCriteria;
  decide: RetentionDecider;
  planRules?: PlanRule[];
  /** Where each rule's `archive:`, as written, saves: the folder it names relative to its policy file, or a bucket. */
  ruleArchives: Map<string, RuleArchive>;
  pages?: () => AsyncIterable<RecordingPage>;
  planNotes?(plan: PurgePlan): string[];
  planOut?: PlanRecorder;
  /** Every holds file to ask again just before each deletion. */
  holdsFiles: HoldsLocation[];
  planSha256?: string;
}

/** A folder, or an `s3://` URL with how its objects are written. */
interface RuleArchive {
  root: string;
  s3?: S3DestinationSettings;
}

async function readDecisions(request: PurgeRequest, api: TwilioApi, now: Date): Promise<Decisions> {
  const { policyPath, planPath, planOutPath, holds } = request;
  if (planPath !== undefined) {
    const run = await reviewedPlan(api, planPath, holds, {
      now,
      maxAgeMs: request.maxPlanAge.ms,
      maxAgeText: request.maxPlanAge.text,
      force: request.force,
    });
    return {
      ...run,
      criteria: { includeSubaccounts: true, limitCounts: 'completed' },
      ruleArchives: ruleArchives(run.policy, request),
    };
  }
  // Without a policy, the selection flags bound the purge: never everything by accident.
  if (policyPath === undefined) requirePurgeBound(request.selection);
  const input = await readRetentionInput(policyPath, holds, now);
  // Before Accounts.json: the flags and the rules' archives are known from the files alone.
  const archives = ruleArchives(input.policy, request);
  const retention = await planRetention(api, input, now);
  const planOut = planOutPath
    ? planFileRecorder(planOutPath, {
        accountSid: api.accountSid,
        createdAt: now.toISOString(),
        policy: input.policy ? { file: resolve(policyPath!), digest: input.policy.digest } : null,
        holds: { file: holds.path, digest: input.holdsFileDigest },
        ...(input.policy ? {} : { selection: planSelection(request.selection) }),
      })
    : undefined;
  return { ...retention, ruleArchives: archives, planOut, holdsFiles: [holds] };
}

/**
 * The archives of a policy's rules, by `archive:` as written. A folder is relative to its policy
 * file, wherever cron runs the purge from; an `s3://` URL is itself, written as the rule's `s3:`
 * and the `--s3-*` flags say (see ruleBucketSettings). Flags that no archive of the purge takes
 * are refused.
 */
function ruleArchives(
  policy: RetentionPolicy | undefined,
  request: Pick<PurgeRequest, 'archiveDir' | 's3'>,
): Map<string, RuleArchive> {
  const archives = new Map<string, RuleArchive>();
  for (const rule of policy?.rules ?? []) {
    const where = rule.archive;
    if (where === undefined || archives.has(where)) continue;
    archives.set(
      where,
      isS3Url(where)
        ? { root: where, s3: ruleBucketSettings(rule, policy!.file, request.s3) }
        : { root: resolve(dirname(resolve(policy!.file)), where) },
    );
  }
  refuseS3FlagsWithoutBucket(request.s3, [request.archiveDir, ...archives.keys()]);
  return archives;
}
