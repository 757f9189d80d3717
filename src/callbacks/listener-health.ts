import type { ArchiveResult } from './callback-archiver';
import type { ListenerTally } from './callback-listener';
import type { CallbackReply } from './callback-server';
import type { CatchUpReport } from './listener-report';

/** What the health check reads of a running listener. */
export interface HealthSources {
  startedAt: Date;
  clock: () => Date;
  tally: () => ListenerTally;
  lastCallbackAt: () => Date | undefined;
  stopping: () => boolean;
  /** Absent when the listener runs no catch-up. */
  catchUp?: { scanning: () => boolean; last: () => CatchUpReport | undefined };
  /** Absent when the listener downloads nothing. */
  destination?: { writable: () => boolean };
}

/**
 * The answer to GET /healthz: counts, times and states only, never a sid, URL, token or path, so
 * that it can be shown to a load balancer. 503 when the last catch-up failed or the destination
 * refused its last write.
 */
export function healthReply(sources: HealthSources): CallbackReply {
  const now = sources.clock();
  const tally = sources.tally();
  const last = sources.catchUp?.last();
  const problems: string[] = [];
  if (last?.error !== undefined) problems.push('the last catch-up failed');
  if (sources.destination && !sources.destination.writable()) problems.push('the destination refused a write');
  const state = sources.stopping() ? 'stopping' : sources.catchUp?.scanning() ? 'catching-up' : 'listening';
  const body = {
    status: problems.length === 0 ? 'ok' : 'failing',
    state,
    problems,
    uptimeSeconds: Math.max(0, Math.floor((now.getTime() - sources.startedAt.getTime()) / 1000)),
    callbacks: {
      received: tally.received,
      verified: tally.verified,
      unverified: tally.unverified,
      rejected: tally.rejected,
      last: sources.lastCallbackAt()?.toISOString() ?? null,
    },
    recordings: {
      saved: tally.downloaded,
      deleted: tally.deleted,
      failed: tally.downloadFailed,
      waiting: last?.waiting ?? 0,
    },
    catchUp: sources.catchUp
      ? {
          last: last
            ? {
                startedAt: last.startedAt.toISOString(),
                finishedAt: last.finishedAt.toISOString(),
                ok: last.error === undefined,
                scanned: last.scanned,
                missing: last.missing,
                saved: last.saved,
                deleted: last.deleted,
                failed: last.failed,
                waiting: last.waiting,
              }
            : null,
        }
      : null,
  };
  return {
    status: problems.length === 0 ? 200 : 503,
    contentType: 'application/json',
    body: `${JSON.stringify(body)}\n`,
  };
}

/** Follows archive outcomes: the destination counts as writable until a write fails, and again after one succeeds. */
export class DestinationWrites {
  private failed = false;

  note(result: ArchiveResult): void {
    if (result.destinationFailed) this.failed = true;
    else if (result.outcome === 'saved') this.failed = false;
  }

  writable(): boolean {
    return !this.failed;
  }
}
