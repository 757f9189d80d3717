import { marginalMonthlyCost } from '../recordings/storage-cost';
import { printable } from '../text/printable';
import type { AccountPurgePlan, PurgePlan } from './purge-plan';
import type { AccountPurgeTally, PurgeTally } from './purge-report';

/** What one rule (or the whole run) did in one account (or in all). */
export interface RunCounts {
  examined: number;
  deleted: number;
  /** Deleted by someone else before this run's DELETE: done. */
  alreadyDeleted: number;
  archived: number;
  kept: { held: number; tooYoung: number; notCompleted: number; ruleSaysKeep: number };
  failed: number;
  /** Failure reasons with how many recordings each. */
  failures: Record<string, number>;
  minutesFreed: number;
  /** At most this much a month, once the parent account is past its free minutes. */
  monthlyCostFreedUsd: number;
}

/** The report of one unattended run, for `--report FILE` (JSON, or Markdown by extension). */
export interface RunReport {
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  accountSid: string;
  /** completed, failed (exit 1), cancelled (exit 3), refused (exit 2 or 4, nothing done). */
  outcome: 'completed' | 'dry-run' | 'failed' | 'cancelled' | 'refused';
  exitStatus: number;
  error: string | null;
  policy: string | null;
  plan: string | null;
  /** The SHA-256 of the plan file run (--plan) or written (--plan-out), to check against the one approved. */
  planSha256: string | null;
  total: RunCounts;
  accounts: Array<{ accountSid: string } & RunCounts>;
  rules: Array<{ rule: string; accounts: Array<{ accountSid: string } & RunCounts> }>;
}

export interface RunReportInput {
  startedAt: Date;
  endedAt: Date;
  accountSid: string;
  outcome: RunReport['outcome'];
  exitStatus: number;
  error?: string;
  policy?: string;
  plan?: string;
  planSha256?: string;
  /** What the run did; without it (nothing to delete, a dry run), what its plan found. */
  tally?: PurgeTally;
  purgePlan?: PurgePlan;
  /** The policy's rule names in its order, which the report's rule sections follow. */
  ruleOrder?: readonly string[];
}

function fromTally(tally: AccountPurgeTally): RunCounts {
  const minutes = tally.deleted.minutes;
  return {
    examined: tally.examined,
    deleted: tally.deleted.count,
    alreadyDeleted: tally.alreadyDeleted,
    archived: tally.archived,
    kept: {
      held: tally.kept.get('held') ?? 0,
      tooYoung: tally.kept.get('too-young') ?? 0,
      notCompleted: tally.skipped,
      ruleSaysKeep: tally.kept.get('rule-keeps') ?? 0,
    },
    failed: tally.failed,
    failures: Object.fromEntries(tally.failureReasons),
    minutesFreed: minutes,
    monthlyCostFreedUsd: roundUsd(marginalMonthlyCost(minutes)),
  };
}

/** A plan only: nothing was deleted, everything it would delete shows as examined. */
function fromPlan(plan: AccountPurgePlan): RunCounts {
  return {
    examined: plan.toDelete.count + plan.skipped + plan.kept.total,
    deleted: 0,
    alreadyDeleted: 0,
    archived: 0,
    kept: {
      held: plan.kept.get('held') ?? 0,
      tooYoung: plan.kept.get('too-young') ?? 0,
      notCompleted: plan.skipped,
      ruleSaysKeep: plan.kept.get('rule-keeps') ?? 0,
    },
    failed: 0,
    failures: {},
    minutesFreed: 0,
    monthlyCostFreedUsd: 0,
  };
}

function roundUsd(amount: number): number {
  return Math.round(amount * 10_000) / 10_000;
}

const EMPTY: RunCounts = {
  examined: 0,
  deleted: 0,
  alreadyDeleted: 0,
  archived: 0,
  kept: { held: 0, tooYoung: 0, notCompleted: 0, ruleSaysKeep: 0 },
  failed: 0,
  failures: {},
  minutesFreed: 0,
  monthlyCostFreedUsd: 0,
};

export function buildRunReport(input: RunReportInput): RunReport {
  const { tally, purgePlan } = input;
  const accounts = <T>(map: Map<string, T>, counts: (item: T) => RunCounts) =>
    [...map.entries()].map(([accountSid, item]) => ({ accountSid, ...counts(item) }));
  let total = EMPTY;
  let perAccount: RunReport['accounts'] = [];
  let rules: RunReport['rules'] = [];
  // A run that deleted nothing (a dry run, nothing due) examined what its plan did.
  if (tally && tally.total.examined > 0) {
    total = fromTally(tally.total);
    perAccount = accounts(tally.accounts, fromTally);
    rules = [...tally.rules.entries()].map(([rule, map]) => ({ rule, accounts: accounts(map, fromTally) }));
  } else if (purgePlan) {
    total = fromPlan(purgePlan.total);
    perAccount = accounts(purgePlan.accounts, fromPlan);
    rules = [...purgePlan.rules.entries()].map(([rule, map]) => ({ rule, accounts: accounts(map, fromPlan) }));
  }
  // In the policy's order, whatever order the recordings met the rules in (newest first: the default often first).
  const order = input.ruleOrder ?? [];
  const rank = (rule: string) => (order.includes(rule) ? order.indexOf(rule) : order.length);
  rules = rules
    .map((rule, met) => ({ rule, met }))
    .sort((a, b) => rank(a.rule.rule) - rank(b.rule.rule) || a.met - b.met)
    .map(({ rule }) => rule);
  return {
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    durationSeconds: Math.round((input.endedAt.getTime() - input.startedAt.getTime()) / 100) / 10,
    accountSid: input.accountSid,
    outcome: input.outcome,
    exitStatus: input.exitStatus,
    error: input.error ?? null,
    policy: input.policy ?? null,
    plan: input.plan ?? null,
    planSha256: input.planSha256 ?? null,
    total,
    accounts: perAccount,
    rules,
  };
}

const COLUMNS =
  '| account | examined | deleted | archived | held | too young | not completed | rule says keep | failed | minutes freed | a month, at most |';

function row(label: string, counts: RunCounts): string {
  const { kept } = counts;
  return `| ${label} | ${counts.examined} | ${counts.deleted + counts.alreadyDeleted} | ${counts.archived} | ${kept.held} | ${kept.tooYoung} | ${kept.notCompleted} | ${kept.ruleSaysKeep} | ${counts.failed} | ${counts.minutesFreed} | $${counts.monthlyCostFreedUsd.toFixed(4)} |`;
}

/**
 * Text from outside (rule names, failure reasons, file names) is made printable and shown as
 * it is: HTML cannot start a tag or entity, and Markdown's punctuation (links, emphasis, code,
 * table pipes, headings) is escaped, so a value can neither link nor break a table row.
 */
export function markdownText(text: string): string {
  return printable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~:]/g, '\\$&');
}

const cell = markdownText;

/** The report as Markdown: the run, then a table per rule and one per account, then the failures. */
export function runReportMarkdown(report: RunReport): string {
  const lines = [
    '# Recordings purge report',
    '',
    `- Account: ${report.accountSid}`,
    `- Started: ${report.startedAt}`,
    `- Ended: ${report.endedAt} (${report.durationSeconds} s)`,
    `- Outcome: ${report.outcome} (exit ${report.exitStatus})${report.error ? `: ${cell(report.error)}` : ''}`,
  ];
  if (report.policy) lines.push(`- Policy: ${cell(report.policy)}`);
  if (report.plan) lines.push(`- Plan: ${cell(report.plan)}`);
  if (report.planSha256) lines.push(`- Plan SHA-256: ${cell(report.planSha256)}`);
  const separator = `|${COLUMNS.split('|')
    .slice(1, -1)
    .map(() => '---')
    .join('|')}|`;
  for (const rule of report.rules) {
    lines.push('', `## Rule ${cell(rule.rule)}`, '', COLUMNS, separator);
    for (const account of rule.accounts) lines.push(row(account.accountSid, account));
  }
  lines.push('', '## Accounts', '', COLUMNS, separator);
  for (const account of report.accounts) lines.push(row(account.accountSid, account));
  lines.push(row('**total**', report.total));
  const failures = Object.entries(report.total.failures);
  if (failures.length > 0) {
    lines.push('', '## Failures', '');
    for (const [reason, count] of failures) lines.push(`- ${count} × ${cell(reason)}`);
  }
  lines.push(
    '',
    'Deleted counts recordings someone else deleted first. The monthly figure is the most the freed minutes cost: ' +
      "$0.0005 a minute once the parent account's recordings, subaccounts included, exceed the 10,000 free minutes.",
    '',
  );
  return lines.join('\n');
}
