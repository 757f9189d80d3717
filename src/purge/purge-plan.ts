import { BadInputError } from '../errors';
import { plural } from '../output/plural';
import { keyMismatchLines, noteKeyMismatch, type KeyMismatches } from '../media/download-recordings';
import { printable } from '../output/printable';
import type { Recording } from '../recordings/recording';
import { selectionWindowLines, stoppedAtLimitLines } from '../output/selection-summary';
import { StorageTally, describeMonthlyCost } from '../recordings/storage-cost';
import type { SelectionCriteria } from '../selection/criteria';
import type { RecordingPage } from '../selection/select-recordings';

/** The one status Twilio can delete; every other one is skipped. */
const DELETABLE_STATUS = 'completed';

/** Refuses a selection with no bound, so that no purge deletes everything by accident. */
export function requirePurgeBound(criteria: SelectionCriteria): void {
  if (criteria.createdBefore || criteria.sids?.length || criteria.callSid || criteria.conferenceSid) return;
  throw new BadInputError(
    'A purge needs a bound: add --older-than, --before, --sid, --call-sid or --conference-sid ' +
      '(for example --older-than 90d); --dry-run shows what would be deleted.',
  );
}

export function isDeletable(recording: Pick<Recording, 'status'>): boolean {
  return recording.status === DELETABLE_STATUS;
}

/** Recordings counted by status. */
export class StatusCounts extends Map<string, number> {
  add(status: string): void {
    this.set(status, (this.get(status) ?? 0) + 1);
  }

  get total(): number {
    let total = 0;
    for (const count of this.values()) total += count;
    return total;
  }
}

/** Why a completed recording must be kept all the same (an encrypted one whose copy cannot be verified), if it must. */
export type KeepReason = (recording: Pick<Recording, 'encryption'>) => string | undefined;

/** What a plan needs to know of a recording. */
export type PlannedRecording = Pick<Recording, 'status' | 'duration' | 'dateCreated'> &
  Partial<Pick<Recording, 'sid' | 'encryption'>>;

/** What a purge would do in one account: completed recordings to delete, others skipped by status. */
export class AccountPurgePlan {
  readonly toDelete = new StorageTally();
  readonly skippedByStatus = new StatusCounts();
  /** Completed recordings kept, by reason. */
  readonly keptByReason = new StatusCounts();

  constructor(readonly accountSid: string) {}

  add(recording: Pick<Recording, 'status' | 'duration' | 'dateCreated'>, keptBecause?: string): void {
    if (!isDeletable(recording)) this.skippedByStatus.add(recording.status);
    else if (keptBecause !== undefined) this.keptByReason.add(keptBecause);
    else this.toDelete.add(recording);
  }

  get skipped(): number {
    return this.skippedByStatus.total;
  }

  get kept(): number {
    return this.keptByReason.total;
  }
}

/**
 * The plan of a purge, pure data: tallies only (counts, minutes, oldest and newest, skipped
 * statuses) per account and in total, so it stays the same size however many recordings
 * the selection holds.
 */
export class PurgePlan {
  readonly accounts = new Map<string, AccountPurgePlan>();
  readonly total = new AccountPurgePlan('all');
  /** The --limit that stopped the selection while more completed recordings matched. */
  stoppedAtLimit: number | undefined;
  /** With --expect-key: recordings encrypted with another key. */
  readonly otherKeys: KeyMismatches = { count: 0, first: [] };

  constructor(
    private readonly keepReason?: KeepReason,
    private readonly expectKey?: string,
  ) {}

  add(accountSid: string, recording: PlannedRecording): void {
    let account = this.accounts.get(accountSid);
    if (!account) this.accounts.set(accountSid, (account = new AccountPurgePlan(accountSid)));
    const keptBecause = isDeletable(recording) ? this.keepReason?.(recording) : undefined;
    account.add(recording, keptBecause);
    this.total.add(recording, keptBecause);
    if (this.expectKey && recording.sid)
      noteKeyMismatch(this.otherKeys, { ...recording, sid: recording.sid }, this.expectKey);
  }

  get selected(): number {
    return this.total.toDelete.count + this.total.skipped + this.total.kept;
  }
}

/** Tallies a selection streamed page by page into a plan; `onPage` sees each page on the way (e.g. for output). */
export async function buildPurgePlan(
  pages: AsyncIterable<RecordingPage>,
  onPage?: (page: RecordingPage) => void,
  /** Awaited after each page, so that whoever reads the pages sets the pace. */
  paced: () => Promise<void> = () => Promise.resolve(),
  keep: { keepReason?: KeepReason; expectKey?: string } = {},
): Promise<PurgePlan> {
  const plan = new PurgePlan(keep.keepReason, keep.expectKey);
  for await (const page of pages) {
    for (const recording of page.recordings) plan.add(page.accountSid, recording);
    if (page.stoppedAtLimit !== undefined) plan.stoppedAtLimit = page.stoppedAtLimit;
    onPage?.(page);
    await paced();
  }
  return plan;
}

/** `3 absent, 1 processing`, most frequent first. */
export function describeStatusCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([status, count]) => `${count.toLocaleString('en-US')} ${status}`)
    .join(', ');
}

function describeDeletion(toDelete: StorageTally): string {
  let text = `${plural(toDelete.count, 'recording')}, ${plural(toDelete.minutes, 'minute')}`;
  if (toDelete.oldest && toDelete.newest) {
    text += `, created ${toDelete.oldest.toISOString()} to ${toDelete.newest.toISOString()}`;
  }
  return text;
}

/**
 * The plan as lines for stderr: the total, the exact window, per account when there are
 * several, the skipped, whether --limit cut it short, and the saving.
 */
export function purgePlanLines(plan: PurgePlan, criteria?: SelectionCriteria): string[] {
  const window = criteria ? selectionWindowLines(criteria) : [];
  if (plan.selected === 0) return [...window, 'No recording matches the selection: nothing to delete.'];
  const { toDelete } = plan.total;
  const lines = [`Purge plan: delete ${describeDeletion(toDelete)}.`, ...window];
  if (plan.accounts.size > 1) {
    for (const account of plan.accounts.values()) {
      const skipped = account.skipped > 0 ? `; keep ${describeStatusCounts(account.skippedByStatus)}` : '';
      lines.push(`  ${account.accountSid}: delete ${describeDeletion(account.toDelete)}${skipped}`);
    }
  }
  if (plan.total.skipped > 0) {
    lines.push(
      `Keep ${plural(plan.total.skipped, 'recording')} not completed: ${describeStatusCounts(plan.total.skippedByStatus)} ` +
        '(in progress and processing ones are still being made; absent and failed ones have no media).',
    );
  }
  for (const [reason, count] of plan.total.keptByReason) {
    lines.push(`Keep ${plural(count, 'completed recording')}: ${printable(reason)}.`);
  }
  lines.push(...keyMismatchLines(plan.otherKeys));
  lines.push(
    ...stoppedAtLimitLines(
      plan.stoppedAtLimit,
      'completed recordings',
      'they are not in this plan, and a later run with the same flags takes the next ones',
    ),
  );
  if (toDelete.count > 0) lines.push(`Deleting them saves ${describeMonthlyCost(toDelete.minutes)}.`);
  return lines;
}
