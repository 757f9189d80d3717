import { printableClip, printableJson, printable } from '../text/printable';
import { formatEventLine, formatTime, RECORDING_ERROR_MEANINGS, type RecordingStatusEvent } from './callback-event';
import type { ArchiveResult } from './callback-archiver';

/** How the listener judged a request. */
export type Verdict =
  | 'accepted'
  | 'unverified'
  | 'rejected'
  | 'invalid'
  | 'foreign-account'
  | 'not-found'
  | 'method-not-allowed'
  | 'too-large'
  | 'error';

/** True for the verdicts of requests taken as callbacks: verified, or any request when verification is off. */
export function isCallbackVerdict(verdict: string): boolean {
  return verdict === 'accepted' || verdict === 'unverified';
}

export interface ForwardOutcome {
  /** The handler's status; absent when it could not be reached. */
  status?: number;
  latencyMs: number;
  firstLine?: string;
  error?: string;
}

/** One request the listener answered. */
export interface RequestReport {
  time: Date;
  method: string;
  target: string;
  /** The status the listener answered with. */
  status: number;
  verdict: Verdict;
  reason?: string;
  event?: RecordingStatusEvent;
  forward?: ForwardOutcome;
  warnings: string[];
}

export interface DownloadReport {
  time: Date;
  result: ArchiveResult;
  /** What started it: a callback, or a catch-up scan. */
  trigger: 'callback' | 'catch-up';
}

/** One catch-up scan, once it ends. */
export interface CatchUpReport {
  startedAt: Date;
  finishedAt: Date;
  /** Recordings created at or after this instant were scanned. */
  from: Date;
  /** Recordings the scan listed. */
  scanned: number;
  /** Completed, settled recordings the manifest did not list: each was archived. */
  missing: number;
  saved: number;
  deleted: number;
  failed: number;
  /** Recordings not yet taken: still in progress, too recent (settling), or whose archive failed. */
  waiting: number;
  /** Why the scan itself stopped, when it did. */
  error?: string;
}

/** Where the listener tells what happens, one entry at a time. */
export interface ListenerReport {
  request(report: RequestReport): void;
  download(report: DownloadReport): void;
  catchUp(report: CatchUpReport): void;
}

const ANSWERED_WITHOUT_EVENT: Partial<Record<Verdict, string>> = {
  rejected: 'rejected',
  invalid: 'invalid',
  'foreign-account': 'rejected',
  'not-found': 'ignored',
  'method-not-allowed': 'ignored',
  'too-large': 'rejected',
  error: 'error',
};

/** Readable lines: one per request, indented lines for what followed from it. */
export class TextListenerReport implements ListenerReport {
  private readonly writeLine: (line: string) => void;

  constructor(writeLine: (line: string) => void) {
    // Lines quote callers, handlers and Twilio: whatever they sent stays on its line and moves no cursor.
    this.writeLine = (line) => writeLine(printable(line));
  }

  request(report: RequestReport): void {
    if (report.event && isCallbackVerdict(report.verdict)) {
      this.writeLine(
        formatEventLine(report.event, report.time) + (report.verdict === 'unverified' ? '  (unverified)' : ''),
      );
    } else {
      const label = ANSWERED_WITHOUT_EVENT[report.verdict] ?? report.verdict;
      this.writeLine(
        `${formatTime(report.time)}  ${label.padEnd(11)}  ${report.status} ${report.method} ${printableClip(report.target, 100)}${report.reason ? `: ${report.reason}` : ''}`,
      );
    }
    for (const warning of report.warnings) this.writeLine(`  ! ${warning}`);
    const forward = report.forward;
    if (forward) {
      const latency = `${Math.round(forward.latencyMs)} ms`;
      if (forward.status === undefined)
        this.writeLine(`  → handler unreachable after ${latency}: ${forward.error}; answered 502`);
      else
        this.writeLine(
          `  → handler answered ${forward.status} in ${latency}${forward.firstLine ? `: ${forward.firstLine}` : ''}`,
        );
    }
  }

  download(report: DownloadReport): void {
    const { result } = report;
    if (result.outcome === 'saved') {
      const saved =
        result.storeOutcome === 'downloaded' || !result.storeOutcome ? 'saved' : `saved (${result.storeOutcome})`;
      const deleted = result.deleted ? ', deleted from Twilio' : '';
      this.writeLine(
        `  ↓ ${result.recordingSid} ${saved} to ${result.path} (${result.bytes} bytes${deleted})${result.error ? `; ${result.error}` : ''}`,
      );
    } else {
      this.writeLine(`  ↓ ${result.recordingSid} not downloaded: ${result.error}`);
    }
  }

  catchUp(report: CatchUpReport): void {
    const head = `${formatTime(report.finishedAt)}  catch-up     since ${formatTime(report.from)}: `;
    if (report.error !== undefined) {
      this.writeLine(`${head}failed after ${report.scanned} listed: ${report.error}`);
      return;
    }
    this.writeLine(
      `${head}${report.scanned} listed, ${report.missing} missing from the archive: ${report.saved} saved, ${report.deleted} deleted, ${report.failed} failed; ${report.waiting} waiting`,
    );
  }
}

/** One JSON object per line (NDJSON), for piping into other tools; safe on a terminal too. */
export class JsonLinesListenerReport implements ListenerReport {
  constructor(private readonly writeLine: (line: string) => void) {}

  request(report: RequestReport): void {
    const event = report.event;
    this.writeLine(
      printableJson({
        type: 'request',
        time: report.time.toISOString(),
        method: report.method,
        target: report.target,
        status: report.status,
        verdict: report.verdict,
        reason: report.reason,
        event: event && {
          accountSid: event.accountSid,
          callSid: event.callSid,
          conferenceSid: event.conferenceSid,
          recordingSid: event.recordingSid,
          status: event.status,
          duration: event.duration,
          channels: event.channels,
          source: event.source,
          startTime: event.startTime,
          errorCode: event.errorCode,
          errorMeaning:
            event.errorCode === null
              ? undefined
              : (RECORDING_ERROR_MEANINGS[event.errorCode] ?? String(event.errorCode)),
          track: event.track,
          params: event.params,
        },
        forward: report.forward,
        warnings: report.warnings.length > 0 ? report.warnings : undefined,
      }),
    );
  }

  download(report: DownloadReport): void {
    this.writeLine(
      printableJson({
        type: 'download',
        time: report.time.toISOString(),
        trigger: report.trigger,
        ...report.result,
      }),
    );
  }

  catchUp(report: CatchUpReport): void {
    this.writeLine(
      printableJson({
        type: 'catch-up',
        time: report.finishedAt.toISOString(),
        startedAt: report.startedAt.toISOString(),
        from: report.from.toISOString(),
        scanned: report.scanned,
        missing: report.missing,
        saved: report.saved,
        deleted: report.deleted,
        failed: report.failed,
        waiting: report.waiting,
        error: report.error,
      }),
    );
  }
}
