import { CredentialsError, TwilioApiError } from '../errors';
import { plural } from '../text/plural';
import { recordingFromApi, type ApiRecording } from '../recordings/recording';
import { TaskWindow } from '../tasks/task-window';
import { recordingPath, type TwilioApi } from '../twilio/twilio-api';
import type { DeletionEntry, DeletionIntent, DeletionLogLine, NotDeletedEntry, DeletionLog } from './deletion-log';

/** What reconciling a log found for the intents that had no outcome. */
export interface SettledIntents {
  path: string;
  /** Twilio has the recording as deleted, or no longer has it at all. */
  deleted: number;
  /** Twilio still has the recording: its DELETE never took effect. */
  notDeleted: number;
  /** Twilio could not be asked; the intent stays open for the next run. */
  unsettled: number;
}

/** The intents among a log's lines that no outcome line follows, in the order they were written. */
export async function openIntents(lines: AsyncIterable<unknown>): Promise<DeletionIntent[]> {
  const open = new Map<string, DeletionIntent>();
  for await (const line of lines) {
    if (!isLogLine(line)) continue;
    if (line.event === 'delete-intent') open.set(line.sid, line);
    else if (line.event === 'deleted' || line.event === 'not-deleted') open.delete(line.sid);
  }
  return [...open.values()];
}

function isLogLine(line: unknown): line is DeletionLogLine & { sid: string } {
  return (
    typeof line === 'object' &&
    line !== null &&
    typeof (line as { event?: unknown }).event === 'string' &&
    typeof (line as { sid?: unknown }).sid === 'string'
  );
}

export interface ReconcileOptions {
  api: Pick<TwilioApi, 'getJson'>;
  log: DeletionLog;
  /** Checks at once; the API's limiter bounds the requests themselves. */
  maxPending: number;
  clock?: () => Date;
}

/**
 * Settles the intents of an interrupted run: each recording whose DELETE got no recorded answer is
 * fetched with IncludeSoftDeleted=true, and what Twilio says it is becomes the intent's outcome line.
 * Returns undefined when the log has no open intent (and then writes nothing).
 */
export async function reconcileDeletions(options: ReconcileOptions): Promise<SettledIntents | undefined> {
  const { log } = options;
  const intents = await openIntents(log.lines());
  if (intents.length === 0) return undefined;
  const clock = options.clock ?? (() => new Date());
  const found: SettledIntents = { path: log.path, deleted: 0, notDeleted: 0, unsettled: 0 };
  const writer = await log.openWriter();
  const window = new TaskWindow(options.maxPending);
  try {
    for (const intent of intents) {
      if (window.failed) break;
      await window.add(async () => {
        const outcome = await outcomeOf(options.api, intent, clock());
        if (!outcome) found.unsettled += 1;
        else {
          await writer.append(outcome);
          if (outcome.event === 'deleted') found.deleted += 1;
          else found.notDeleted += 1;
        }
      });
    }
    await window.drain();
  } finally {
    await window.drain().catch(() => undefined);
    await writer.close();
  }
  return found;
}

async function outcomeOf(
  api: Pick<TwilioApi, 'getJson'>,
  intent: DeletionIntent,
  now: Date,
): Promise<DeletionEntry | NotDeletedEntry | undefined> {
  const { event: _event, at: _at, ...fields } = intent;
  const gone = (outcome: DeletionEntry['outcome'], deletedAt: Date): DeletionEntry => ({
    event: 'deleted',
    outcome,
    ...fields,
    deletedAt: deletedAt.toISOString(),
    reconciled: true,
  });
  try {
    const path = `${recordingPath(intent.accountSid, intent.sid)}.json`;
    const recording = recordingFromApi(await api.getJson<ApiRecording>(path, { IncludeSoftDeleted: 'true' }));
    if (recording.status === 'deleted') return gone('deleted', recording.dateUpdated ?? now);
    return {
      event: 'not-deleted',
      sid: intent.sid,
      accountSid: intent.accountSid,
      at: now.toISOString(),
      reason: `still on Twilio (${recording.status}) after an interrupted run`,
      reconciled: true,
    };
  } catch (error) {
    // Twilio keeps a deleted recording's metadata for 40 days; after that, or if never there, it answers 404.
    if (error instanceof TwilioApiError && error.httpStatus === 404) return gone('already-deleted', now);
    if (error instanceof CredentialsError) throw error;
    return undefined;
  }
}

/** One line for stderr about what a reconciliation found. */
export function reconciliationLine(found: SettledIntents): string {
  const settled = found.deleted + found.notDeleted;
  const parts = [
    `${found.deleted.toLocaleString('en-US')} deleted`,
    `${found.notDeleted.toLocaleString('en-US')} still on Twilio`,
  ];
  let line = `Checked ${plural(settled + found.unsettled, 'deletion')} an earlier run left unanswered: ${parts.join(', ')}; recorded in ${found.path}.`;
  if (found.unsettled > 0) {
    line += ` ${plural(found.unsettled, 'recording')} could not be checked and will be checked by the next run.`;
  }
  return line;
}
