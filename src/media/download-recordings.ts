import { plural } from '../text/plural';
import { printable } from '../text/printable';
import { encryptedWithOtherKey, encryptionKeySid, hasMedia, type Recording } from '../recordings/recording';
import type { SelectionCriteria } from '../selection/criteria';
import { selectRecordingPages } from '../selection/select-recordings';
import { walkSelection } from '../selection/selection-walk';
import type { TwilioApi } from '../twilio/twilio-api';
import { Layout } from './layout';
import { saveFailureReason } from './media-errors';
import { ENCRYPTED_MP3_REASON } from './media-encryption';
import type { MediaDestination } from './media-destination';
import { ResultBatch } from '../tasks/result-batch';
import type { MediaFormat } from '../twilio/media-format';
import { DiskFullError } from '../errors';
import { formatBytes } from '../text/bytes';

/** What happened to one selected recording; `-o json` prints these. */
export interface DownloadResult {
  sid: string;
  accountSid: string;
  /** Relative to the output folder (or the bucket's prefix), with forward slashes. */
  path: string;
  /** Where the saved copy is: a file's absolute path, or an object's `s3://` URL; only for a copy that is there. */
  location?: string;
  /** The file's size; an estimate for `would-download`; 0 when nothing was saved. */
  bytes: number;
  sha256: string | null;
  outcome: 'downloaded' | 'already-present' | 'failed' | 'skipped' | 'would-download';
  /** Why a recording failed or was skipped. */
  reason?: string;
  /** For an encrypted recording: the Public Key SID its details name (null when they are unreadable). */
  keySid?: string | null;
}

export interface DownloadEvents {
  /** Results in batches as they finish (in no particular order). */
  onResults?(results: DownloadResult[]): void;
  /** The number of recordings selected so far; it grows while pages stream in. */
  onSelected?(count: number): void;
  /** Media bytes received, as they arrive. */
  onBytes?(bytes: number): void;
  onResultDone?(result: DownloadResult): void;
  onSidNotFound?(sid: string): void;
  /** Awaited before each recording starts, so that whoever reads the results sets the pace. */
  waitForRoom?(): Promise<void>;
}

export interface DownloadOptions {
  api: TwilioApi;
  criteria: SelectionCriteria;
  /** A folder or an object store; opened read-only for a dry run. */
  store: MediaDestination;
  dryRun?: boolean;
  /** Recordings started but not finished at most; bounds memory whatever the selection's size. */
  maxPending?: number;
  events?: DownloadEvents;
  clock?: () => number;
  /** When aborted (Ctrl-C), no new download starts; those under way finish. */
  stop?: AbortSignal;
  /** `--expect-key`: recordings encrypted with any other public key are reported. */
  expectKey?: string;
}

export interface DownloadSummary {
  dryRun: boolean;
  selected: number;
  downloaded: number;
  alreadyPresent: number;
  skipped: number;
  /** Of the skipped: encrypted recordings asked for as mp3. */
  skippedEncrypted: number;
  failed: number;
  /** Bytes of the files downloaded by this run (or, in a dry run, the estimate of what would be). */
  bytes: number;
  /** The first failures, for the summary; every failure is also in the results. */
  failures: Array<{ sid: string; reason: string }>;
  /** With --expect-key: how many were encrypted with another key, and the first of them. */
  otherKeys: KeyMismatches;
  /** Why the run stopped early (a full disk), if it did. */
  stoppedBecause?: string;
  /** Set when a stop request ended the run before the selection did. */
  interrupted: boolean;
  elapsedMs: number;
}

const FAILURES_KEPT = 10;
/** A batch of results waits at most this long, so that a slow download still shows progress on stdout. */
const RESULT_BATCH_MS = 1000;

/** The layout a download uses: one folder per account when subaccounts are included and the template names none. */
export function downloadLayout(template: string, includeSubaccounts: boolean): Layout {
  const layout = Layout.parse(template);
  return includeSubaccounts ? layout.perAccount() : layout;
}

/** Twilio's media sizes: WAV is 16-bit 8 kHz PCM per channel plus a 44-byte header, MP3 about 32 kbit/s. */
function estimatedMediaBytes(recording: Recording, format: MediaFormat): number {
  return format === 'wav' ? recording.duration * 16_000 * (recording.channels ?? 1) + 44 : recording.duration * 4_000;
}

/**
 * Saves the media of every selected recording while the selection streams in, a bounded
 * number at a time; one recording's failure never stops the others, a full disk stops new
 * downloads from starting.
 */
export async function downloadRecordings(options: DownloadOptions): Promise<DownloadSummary> {
  const { store, events = {} } = options;
  const clock = options.clock ?? Date.now;
  const startedAt = clock();
  const maxPending = options.maxPending ?? options.api.limiter.max * 2;
  const summary: DownloadSummary = {
    dryRun: options.dryRun ?? false,
    selected: 0,
    downloaded: 0,
    alreadyPresent: 0,
    skipped: 0,
    skippedEncrypted: 0,
    failed: 0,
    bytes: 0,
    failures: [],
    otherKeys: { count: 0, first: [] },
    interrupted: false,
    elapsedMs: 0,
  };
  const batch = new ResultBatch<DownloadResult>((results) => events.onResults?.(results), RESULT_BATCH_MS, clock);

  const finish = (result: DownloadResult) => {
    if (result.outcome === 'downloaded' || result.outcome === 'would-download') {
      summary.downloaded += 1;
      summary.bytes += result.bytes;
    } else if (result.outcome === 'already-present') {
      summary.alreadyPresent += 1;
    } else if (result.outcome === 'skipped') {
      summary.skipped += 1;
      if (result.reason === ENCRYPTED_MP3_REASON) summary.skippedEncrypted += 1;
    } else {
      summary.failed += 1;
      if (summary.failures.length < FAILURES_KEPT)
        summary.failures.push({ sid: result.sid, reason: result.reason ?? '' });
    }
    batch.add(result);
    events.onResultDone?.(result);
  };

  const handle = async (recording: Recording): Promise<void> => {
    const path = store.plannedPath(recording);
    const base = {
      sid: recording.sid,
      accountSid: recording.accountSid,
      path,
      ...(recording.encryption ? { keySid: encryptionKeySid(recording) } : {}),
    };
    if (options.expectKey) noteKeyMismatch(summary.otherKeys, recording, options.expectKey);
    if (!hasMedia(recording)) {
      const reason = `status is ${recording.status}: Twilio has media only for completed recordings`;
      return finish({ ...base, bytes: 0, sha256: null, outcome: 'skipped', reason });
    }
    if (recording.encryption && store.format === 'mp3') {
      return finish({ ...base, bytes: 0, sha256: null, outcome: 'skipped', reason: ENCRYPTED_MP3_REASON });
    }
    if (summary.dryRun) {
      const present = await store.presentCopy(recording);
      if (present) {
        const { path: presentPath, absolutePath: location, bytes, sha256 } = present;
        return finish({ ...base, path: presentPath, location, bytes, sha256, outcome: 'already-present' });
      }
      return finish({
        ...base,
        bytes: estimatedMediaBytes(recording, store.format),
        sha256: null,
        outcome: 'would-download',
      });
    }
    try {
      const saved = await store.save(recording, events.onBytes);
      finish({
        ...base,
        path: saved.path,
        location: saved.absolutePath,
        bytes: saved.bytes,
        sha256: saved.sha256,
        outcome: saved.outcome,
      });
    } catch (error) {
      const reason = saveFailureReason(error);
      if (error instanceof DiskFullError) summary.stoppedBecause ??= reason;
      finish({ ...base, bytes: 0, sha256: null, outcome: 'failed', reason });
    }
  };

  const pages = selectRecordingPages(options.api, options.criteria, { onSidNotFound: events.onSidNotFound });
  try {
    await walkSelection(pages, {
      maxPending,
      workFor: (recording) => () => {
        summary.selected += 1;
        events.onSelected?.(summary.selected);
        return handle(recording);
      },
      waitForRoom: () => events.waitForRoom?.() ?? Promise.resolve(),
      stopped: () => {
        if (summary.stoppedBecause) return true;
        if (options.stop?.aborted) summary.interrupted = true;
        return summary.interrupted;
      },
    });
  } finally {
    // Also when the selection breaks: the downloads under way have finished, and are reported before the error.
    batch.flush();
  }
  summary.elapsedMs = clock() - startedAt;
  return summary;
}

/** Lines for stderr at the end of a run. */
export function downloadSummaryLines(summary: DownloadSummary, root: string): string[] {
  const seconds = (summary.elapsedMs / 1000).toFixed(1);
  const lines: string[] = [];
  if (summary.dryRun) {
    lines.push(
      `Would download ${plural(summary.downloaded, 'recording')}, about ${formatBytes(summary.bytes)}, into ${printable(root)}; ` +
        `${summary.alreadyPresent.toLocaleString('en-US')} already present. Nothing was fetched.`,
    );
  } else {
    lines.push(
      `Downloaded ${plural(summary.downloaded, 'recording')} (${formatBytes(summary.bytes)}) into ${printable(root)} in ${seconds} s; ` +
        `${summary.alreadyPresent.toLocaleString('en-US')} already present; ${summary.failed.toLocaleString('en-US')} failed.`,
    );
  }
  const withoutMedia = summary.skipped - summary.skippedEncrypted;
  if (withoutMedia > 0) lines.push(`Skipped ${plural(withoutMedia, 'recording')} without media (not completed).`);
  if (summary.skippedEncrypted > 0) {
    lines.push(
      `Skipped ${plural(summary.skippedEncrypted, 'encrypted recording')}: Twilio serves them as WAV only (16109); run again with --format wav.`,
    );
  }
  lines.push(...keyMismatchLines(summary.otherKeys));
  for (const failure of summary.failures) lines.push(`Failed ${failure.sid}: ${printable(failure.reason)}`);
  if (summary.failed > summary.failures.length) {
    lines.push(
      `… and ${(summary.failed - summary.failures.length).toLocaleString('en-US')} more failures (see the results).`,
    );
  }
  if (summary.stoppedBecause)
    lines.push(
      `Stopped early: ${printable(summary.stoppedBecause)}. Completed files and their manifest lines are kept.`,
    );
  if (summary.interrupted) {
    lines.push('Stopped on request: no new download was started; those under way finished and are in the manifest.');
  }
  return lines;
}

/** Recordings encrypted with another public key than the expected one: how many, and the first few. */
export interface KeyMismatches {
  count: number;
  first: Array<{ sid: string; keySid: string | null }>;
  expected?: string;
}

/** Counts `recording` when it is encrypted with another key than `expected` (Twilio's 16107 fallback). */
export function noteKeyMismatch(
  mismatches: KeyMismatches,
  recording: Pick<Recording, 'sid' | 'encryption'>,
  expected: string,
): void {
  mismatches.expected = expected;
  if (!encryptedWithOtherKey(recording, expected)) return;
  const keySid = encryptionKeySid(recording);
  mismatches.count += 1;
  if (mismatches.first.length < FAILURES_KEPT) mismatches.first.push({ sid: recording.sid, keySid });
}

/** The report of --expect-key, for a summary. */
export function keyMismatchLines(mismatches: KeyMismatches): string[] {
  if (mismatches.count === 0) return [];
  const lines = [
    `${plural(mismatches.count, 'recording')} encrypted with another public key than ${mismatches.expected} ` +
      `(Twilio uses the most recently added valid key when the configured one is invalid, error 16107):`,
  ];
  for (const { sid, keySid } of mismatches.first) {
    lines.push(`  ${sid}: ${keySid ?? 'encryption details unreadable'}`);
  }
  if (mismatches.count > mismatches.first.length) {
    lines.push(`  … and ${(mismatches.count - mismatches.first.length).toLocaleString('en-US')} more.`);
  }
  return lines;
}
