import { CancelledError } from '../errors';
import type { RecordOutput } from '../tasks/record-output';
import type { ProgressReporter } from '../tasks/progress';
import { recordingRow, type Recording } from '../recordings/recording';
import { describeHold } from '../retention/holds';
import type { RetentionDecider, RetentionDecision } from '../retention/retention-decision';
import { selectRecordingPages } from '../selection/select-recordings';
import { untilAborted } from '../tasks/interruption';
import type { TwilioApi } from '../twilio/twilio-api';
import { buildPurgePlan, type PurgePlan } from './purge-plan';
import type { PurgeSource } from './purge-source';

export interface PlanningDependencies {
  api: TwilioApi;
  /** With a dry run: each selected recording, with what the plan does with it. */
  selectionOutput: RecordOutput;
  /** A dry run lists the selection; a purge that deletes does not. */
  dryRun: boolean;
  expectKey?: string;
  /** Aborted by Ctrl-C or SIGTERM: planning stops, and the purge ends as cancelled. */
  stop?: AbortSignal;
  progress(verb: string): ProgressReporter;
  warn(line: string): void;
}

/**
 * The plan step of a purge: streams the source's recordings once, deciding each, into a plan of
 * constant size; a dry run lists each decided recording, and with --plan-out each recording the
 * plan deletes goes to the plan file, which is named only once the plan is complete.
 */
export async function planPurge(
  source: Pick<PurgeSource, 'criteria' | 'pages' | 'decide' | 'planOut'>,
  dependencies: PlanningDependencies,
): Promise<PurgePlan> {
  const { planOut } = source;
  const { selectionOutput, dryRun } = dependencies;
  const progress = dependencies.progress('examined');
  const onSidNotFound = (sid: string) => dependencies.warn(`Recording ${sid} was not found.`);
  // The plan file takes each recording the plan deletes, in the order decided.
  let pending: Array<[Recording, string | undefined]> = [];
  const decide: RetentionDecider = planOut
    ? (recording) => {
        const decision = source.decide(recording);
        if (decision.action === 'delete') pending.push([recording, decision.rule]);
        return decision;
      }
    : source.decide;
  try {
    const pages = untilAborted(
      source.pages?.() ?? selectRecordingPages(dependencies.api, source.criteria, { onSidNotFound }),
      dependencies.stop,
      () => new CancelledError('Stopped while planning: nothing was deleted.'),
    );
    const plan = await buildPurgePlan(
      pages,
      (page, decisions) => {
        for (let i = 0; i < page.recordings.length; i += 1) progress.itemDone();
        if (dryRun) selectionOutput.write(page.recordings.map((recording, i) => decidedRow(recording, decisions[i]!)));
      },
      async () => {
        for (const [recording, rule] of pending) await planOut!.add(recording, rule);
        pending = [];
        await selectionOutput.waitForRoom();
      },
      decide,
      dependencies.expectKey,
    );
    if (dryRun) selectionOutput.end();
    await planOut?.commit();
    return plan;
  } catch (error) {
    if (dryRun) selectionOutput.end(false);
    await planOut?.abandon();
    throw error;
  } finally {
    progress.stop();
  }
}

/**
 * A selected recording as a dry run lists it: what the plan would do with it and why, as a plan
 * file says. `reason` is `past-keep` (a rule's delete), `selected` (the flags'), or why it is kept.
 */
export function decidedRow(recording: Recording, decision: RetentionDecision): Record<string, unknown> {
  const keep = decision.action === 'keep';
  return {
    ...recordingRow(recording),
    decision: decision.action,
    rule: decision.rule ?? null,
    reason: keep ? decision.reason : decision.rule === undefined ? 'selected' : 'past-keep',
    detail: keep ? (decision.hold ? describeHold(decision.hold) : (decision.detail ?? null)) : null,
  };
}
