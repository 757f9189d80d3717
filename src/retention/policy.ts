import { createHash } from 'node:crypto';
import { messageOf } from '../errors';
import type { S3ServerSideEncryption, S3StorageClass } from '../destinations/object-options';
import { isS3Url, parseS3Url } from '../destinations/s3-url';
import { invisibleCharacter, lookAlikeKey, printable, withInvisibleEscaped } from '../text/printable';
import { instantBefore, parseDuration } from '../time/durations';
import { canonicalSid } from '../twilio/sids';
import { holdFromDocument, withHoldIds, type Hold } from './holds';
import { checkPolicySchema } from './schema-check';
import { SourceMap, type SourcePosition } from './source-map';

/** The rule every policy ends with, matching whatever no other rule did. */
export const DEFAULT_RULE = 'default';
/** A policy never deletes a recording younger than this unless it says otherwise: it may still be transcribing. */
export const DEFAULT_MINIMUM_AGE = '1d';

/** An account as a rule names it, with where, so that an unknown name can be shown in place. */
export interface AccountReference {
  text: string;
  position: SourcePosition;
}

/** What a rule's `match` asks of a recording; every given condition must hold. */
export interface RuleMatch {
  accounts?: AccountReference[];
  subaccounts?: boolean;
  sources?: string[];
  statuses?: string[];
  channels?: number;
  minDurationSeconds?: number;
  maxDurationSeconds?: number;
  kind?: 'call' | 'conference';
}

export interface RetentionRule {
  name: string;
  match: RuleMatch;
  /** Milliseconds after its creation a recording is kept; undefined for `forever`. */
  keepMs: number | undefined;
  /** As written: `90d` or `forever`. */
  keep: string;
  /** A folder each recording is saved to, verified, before it is deleted. */
  archive?: string;
  /** How the objects of an `s3://` archive are written; only with one. */
  s3?: ArchiveObjectOptions;
}

/** A rule's `s3:` block: what the `--s3-storage-class`, `--s3-sse` and `--s3-kms-key-id` flags say on the command line. */
export interface ArchiveObjectOptions {
  storageClass?: S3StorageClass;
  sse?: S3ServerSideEncryption;
  kmsKeyId?: string;
}

/** A validated policy, its account names not yet checked against the account (see resolvePolicyAccounts). */
export interface RetentionPolicy {
  file: string;
  minimumAgeMs: number;
  minimumAge: string;
  subaccounts: boolean;
  rules: RetentionRule[];
  holds: Hold[];
  /** SHA-256 of the file's bytes, so that a plan can tell whether its policy changed. */
  digest: string;
}

interface RawMatch {
  account?: string | string[];
  subaccounts?: boolean;
  source?: string | string[];
  status?: string | string[];
  channels?: number;
  minDuration?: string;
  maxDuration?: string;
  kind?: 'call' | 'conference';
}

interface RawPolicy {
  version?: 1;
  minimumAge?: string;
  subaccounts?: boolean;
  holds?: Record<string, string>[];
  rules: Array<{ name: string; match?: RawMatch; keep: string; archive?: string; s3?: ArchiveObjectOptions }>;
}

/**
 * Reads a policy from its text: YAML or JSON, checked against the shipped JSON Schema, then
 * its durations, names and rules. Throws a bad-input error that names the file, line and
 * column; nothing here asks Twilio anything. Every cut-off its durations make from `now` must
 * fall in the years 0000 to 9999, so that none can become an invalid date later.
 */
export function parsePolicy(text: string, file: string, now: Date = new Date()): RetentionPolicy {
  const map = SourceMap.parse(text, file);
  const data = map.toJSON();
  checkPolicySchema(map, data);
  const raw = data as RawPolicy;
  const minimumAge = raw.minimumAge ?? DEFAULT_MINIMUM_AGE;
  const minimumAgeMs = age(map, ['minimumAge'], minimumAge, 'minimumAge', now);
  const rules = raw.rules.map((rule, index) => parseRule(map, rule, index, now));
  checkRuleOrder(map, rules, raw);
  checkSharedArchives(map, rules);
  const holds = withHoldIds(
    (raw.holds ?? []).map((hold, index) => {
      try {
        return holdFromDocument(hold);
      } catch (error) {
        throw map.errorAt(['holds', index], messageOf(error));
      }
    }),
    (index, message) => map.errorAt(['holds', index, 'id'], message),
  );
  return {
    file,
    minimumAge,
    minimumAgeMs,
    subaccounts: raw.subaccounts ?? false,
    rules,
    holds,
    digest: createHash('sha256').update(text).digest('hex'),
  };
}

function parseRule(map: SourceMap, raw: RawPolicy['rules'][number], index: number, now: Date): RetentionRule {
  const at = ['rules', index];
  checkRuleName(map, raw.name, index);
  const keepMs = raw.keep === 'forever' ? undefined : age(map, [...at, 'keep'], raw.keep, 'keep', now);
  const match: RuleMatch = {};
  const rawMatch = raw.match;
  if (rawMatch) {
    const where = [...at, 'match'];
    if (rawMatch.account !== undefined && rawMatch.subaccounts !== undefined) {
      throw map.errorAt(
        where,
        `rule "${printable(raw.name)}" gives both account and subaccounts, which overlap: keep one of them.`,
        'subaccounts',
      );
    }
    if (rawMatch.account !== undefined) {
      const texts = Array.isArray(rawMatch.account) ? rawMatch.account : [rawMatch.account];
      const listed = Array.isArray(rawMatch.account);
      // A SID in any letter case is the account's; a friendly name is kept as written.
      match.accounts = texts.map((text, i) => ({
        text: canonicalSid('account', text) ?? text,
        position: map.positionOf(listed ? [...where, 'account', i] : [...where, 'account']),
      }));
    }
    match.subaccounts = rawMatch.subaccounts;
    match.sources = listOf(rawMatch.source);
    match.statuses = listOf(rawMatch.status);
    match.channels = rawMatch.channels;
    match.kind = rawMatch.kind;
    if (rawMatch.minDuration !== undefined) {
      match.minDurationSeconds = duration(map, [...where, 'minDuration'], rawMatch.minDuration, 'minDuration') / 1000;
    }
    if (rawMatch.maxDuration !== undefined) {
      match.maxDurationSeconds = duration(map, [...where, 'maxDuration'], rawMatch.maxDuration, 'maxDuration') / 1000;
    }
    if (
      match.minDurationSeconds !== undefined &&
      match.maxDurationSeconds !== undefined &&
      match.minDurationSeconds > match.maxDurationSeconds
    ) {
      throw map.errorAt(
        [...where, 'minDuration'],
        `minDuration ${rawMatch.minDuration} is longer than maxDuration ${rawMatch.maxDuration}, so no recording can match: swap or widen them.`,
      );
    }
    if (
      match.kind === 'call' &&
      match.sources?.some((source) => source.startsWith('StartConference') || source === 'Conference')
    ) {
      throw map.errorAt(
        [...where, 'kind'],
        `kind call overlaps source ${match.sources.join(', ')}, a conference's: keep one of them.`,
      );
    }
  }
  if (raw.archive !== undefined && isS3Url(raw.archive)) {
    // A malformed bucket URL is found here, with its line, not when the purge opens the archive.
    try {
      parseS3Url(raw.archive);
    } catch (error) {
      throw map.errorAt([...at, 'archive'], messageOf(error));
    }
  }
  if (raw.s3 !== undefined) checkObjectOptions(map, raw, index);
  return { name: raw.name, match, keepMs, keep: raw.keep, archive: raw.archive, s3: raw.s3 };
}

/** A rule's `s3:` block says how its bucket archive writes objects: it needs one, and a KMS key needs aws:kms. */
function checkObjectOptions(map: SourceMap, raw: RawPolicy['rules'][number], index: number): void {
  const at = ['rules', index, 's3'];
  if (raw.archive === undefined || !isS3Url(raw.archive)) {
    throw map.errorAt(
      at,
      `rule "${printable(raw.name)}" has s3: but ${raw.archive === undefined ? 'no archive' : 'a folder archive'}: give it archive: s3://BUCKET/PREFIX, or remove s3:.`,
    );
  }
  if (raw.s3?.kmsKeyId !== undefined && raw.s3.sse !== 'aws:kms') {
    throw map.errorAt([...at, 'kmsKeyId'], 'kmsKeyId needs sse: aws:kms: add it, or remove kmsKeyId.');
  }
}

/** Rules that archive to one place write its objects alike: one archive, one way of writing. */
function checkSharedArchives(map: SourceMap, rules: RetentionRule[]): void {
  const first = new Map<string, RetentionRule>();
  rules.forEach((rule, index) => {
    if (rule.archive === undefined) return;
    const earlier = first.get(rule.archive);
    if (earlier === undefined) {
      first.set(rule.archive, rule);
      return;
    }
    if (JSON.stringify(objectOptionsOf(earlier)) !== JSON.stringify(objectOptionsOf(rule))) {
      throw map.errorAt(
        ['rules', index, rule.s3 === undefined ? 'archive' : 's3'],
        `rules "${printable(earlier.name)}" and "${printable(rule.name)}" archive to ${printable(rule.archive)} with different s3: settings: give them the same, or another archive.`,
      );
    }
  });
}

function objectOptionsOf(rule: RetentionRule): ArchiveObjectOptions {
  const { storageClass, sse, kmsKeyId } = rule.s3 ?? {};
  return { storageClass, sse, kmsKeyId };
}

/** A rule's name is shown in plans and reports: every character of it must show as itself. */
function checkRuleName(map: SourceMap, name: string, index: number): void {
  const invisible = invisibleCharacter(name);
  if (invisible !== undefined) {
    throw map.errorAt(
      ['rules', index, 'name'],
      `rule name "${withInvisibleEscaped(name)}" holds the invisible or control character ${invisible}: name rules with characters that show.`,
    );
  }
  if (lookAlikeKey(name) === '') {
    throw map.errorAt(['rules', index, 'name'], 'a rule name is blank: give the rule a name that shows.');
  }
}

/**
 * Rule names are unique and do not look alike (see lookAlikeKey); only the last rule may go
 * without match, and it is the one named default.
 */
function checkRuleOrder(map: SourceMap, rules: RetentionRule[], raw: RawPolicy): void {
  const seen = new Map<string, string>();
  rules.forEach((rule, index) => {
    const key = lookAlikeKey(rule.name);
    const earlier = seen.get(key);
    if (earlier === rule.name) {
      throw map.errorAt(
        ['rules', index, 'name'],
        `a second rule is named "${printable(rule.name)}": give each rule its own name.`,
      );
    }
    if (earlier !== undefined) {
      throw map.errorAt(
        ['rules', index, 'name'],
        `rule "${printable(rule.name)}" looks like the earlier rule "${printable(earlier)}": give each rule a name that reads differently.`,
      );
    }
    seen.set(key, rule.name);
    if (rule.name === DEFAULT_RULE && index !== rules.length - 1) {
      throw map.errorAt(
        ['rules', index, 'name'],
        `the default rule must be the last one: the rules after it could never match.`,
      );
    }
    if (rule.name === DEFAULT_RULE && raw.rules[index].match !== undefined) {
      throw map.errorAt(
        ['rules', index],
        'the default rule matches every recording no other rule did: remove its match.',
        'match',
      );
    }
    if (raw.rules[index].match === undefined && index !== rules.length - 1) {
      throw map.errorAt(
        ['rules', index, 'name'],
        `rule "${printable(rule.name)}" has no match, so it takes every recording and the rules after it could never match: give it a match, or make it the last rule (named ${DEFAULT_RULE}).`,
      );
    }
  });
  if (!rules.some((rule) => rule.name === DEFAULT_RULE)) {
    throw map.errorAt(
      [],
      `no rule is named "${DEFAULT_RULE}": end the rules with one (name: ${DEFAULT_RULE}, keep: DURATION or forever), so that no recording is left unaccounted for.`,
      'rules',
    );
  }
}

function listOf(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value : [value];
}

/**
 * An age (`keep`, `minimumAge`) in the grammar of --older-than whose cut-off from `now` is a date
 * of the years 0000 to 9999, or a bad-input error at its place in the file. A keep too long for
 * that is refused with a pointer to `forever`, never read as a date that cannot be.
 */
function age(map: SourceMap, path: (string | number)[], text: string, name: 'keep' | 'minimumAge', now: Date): number {
  const forever = name === 'keep' ? 'to keep recordings for good, write keep: forever' : undefined;
  const milliseconds = duration(map, path, text, name, forever);
  try {
    instantBefore(now, milliseconds, name, text, forever);
  } catch (error) {
    throw map.errorAt(path, messageOf(error));
  }
  return milliseconds;
}

/** A duration in the grammar of --older-than, or a bad-input error at its place in the file. */
function duration(
  map: SourceMap,
  path: (string | number)[],
  text: string,
  name: string,
  /** For `keep`: how to say "for good" instead of a duration too long. */
  forever?: string,
): number {
  try {
    return parseDuration(text, name, forever);
  } catch (error) {
    const message = messageOf(error);
    const hint = forever !== undefined && !message.includes(forever) ? ' (or forever)' : '';
    throw map.errorAt(path, `${message.replace(/\.$/, '')}${hint}.`);
  }
}
