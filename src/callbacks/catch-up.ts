import { messageOf } from '../errors';
import { hasMedia, type Recording } from '../recordings/recording';
import type { SelectionCriteria } from '../selection/criteria';
import { selectRecordings } from '../selection/select-recordings';
import type { TwilioApi } from '../twilio/twilio-api';
import type { MediaDestination } from '../media/media-destination';
import type { ArchiveResult } from './callback-archiver';
import type { CatchUpReport } from './listener-report';

/**
 * How far each scan reaches back before the newest recording the one before it saw: recordings
 * Twilio lists a little late are still seen. Measured on Twilio's own dates, so that this machine's
 * clock, wherever it is set, never moves the window.
 */
export const CATCH_UP_OVERLAP_MS = 10 * 60 * 1000;

/** Statuses that will never have media: nothing to archive, nothing to wait for. */
const WITHOUT_MEDIA = new Set(['absent', 'failed', 'deleted']);

export interface CatchUpSettings {
  /** Time between the end of one scan and the start of the next. */
  intervalMs: number;
  /** A recording is taken only this long after it completed, so that its callback has the first chance. */
  settleMs: number;
  /** Where the first scan starts when the manifest lists no recording. */
  since: Date;
  includeSubaccounts: boolean;
  /**
   * With --delete-after-download: a recording the manifest lists but Twilio still has (its deletion
   * interrupted, or refused) is handed on too, unless this run saw a hold keep it.
   */
  deleting: boolean;
}

/** Recordings remembered as kept by a hold, at most: beyond it the oldest are forgotten (and checked again). */
const MAX_REMEMBERED_HOLDS = 100_000;

export interface CatchUpDependencies {
  api: TwilioApi;
  /** What the destination's manifest lists. */
  destination: Pick<
    MediaDestination,
    'listsRecording' | 'newestListedCreation' | 'holdsListings' | 'loadListings' | 'saveListings'
  >;
  /** The listener's own archiving path: save, verify, delete when asked, counted and reported once. */
  archive(accountSid: string, recordingSid: string): Promise<ArchiveResult>;
  report(run: CatchUpReport): void;
  clock: () => Date;
  /** Runs `run` after `ms`; returns a function that cancels it. */
  schedule?: (ms: number, run: () => void) => () => void;
  /** Archives running at once (the API's limiter bounds the requests in any case). */
  concurrency: number;
}

/**
 * Finds the recordings whose callbacks never arrived: at start and then every interval, lists the
 * recordings created since the last scan (with an overlap) through the selection engine, and
 * hands each completed, settled one that the manifest does not list to the listener's archiver.
 * The first scan reaches back to the newest recording the manifest lists, or to `since`.
 */
export class CatchUp {
  private cursor: Date | undefined;
  private running: Promise<CatchUpReport> | undefined;
  private cancelTimer: (() => void) | undefined;
  private stopping = false;
  /** Recordings this run archived and a hold kept on Twilio: not handed on again while it runs. */
  private readonly keptByHold = new Set<string>();
  /** The last scan that ended, for the health check. */
  last: CatchUpReport | undefined;

  constructor(
    private readonly settings: CatchUpSettings,
    private readonly deps: CatchUpDependencies,
  ) {}

  /** Whether a scan is running now. */
  get scanning(): boolean {
    return this.running !== undefined;
  }

  /** Runs the first scan now, and each later one an interval after the previous one ends. */
  start(): void {
    void this.runNow();
  }

  /** Runs a scan now (or joins the one running), then waits an interval for the next. */
  runNow(): Promise<CatchUpReport> {
    if (this.running) return this.running;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const run = this.scan().finally(() => {
      this.running = undefined;
      if (!this.stopping) this.scheduleNext();
    });
    this.running = run;
    return run;
  }

  /** Starts no more archives or scans, and waits for the archives under way. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.running?.catch(() => undefined);
  }

  private scheduleNext(): void {
    const schedule = this.deps.schedule ?? scheduleWithTimer;
    this.cancelTimer = schedule(this.settings.intervalMs, () => {
      this.cancelTimer = undefined;
      void this.runNow();
    });
  }

  private async scan(): Promise<CatchUpReport> {
    const startedAt = this.deps.clock();
    const from = this.cursor ?? this.firstFrom();
    const run: CatchUpReport = {
      startedAt,
      finishedAt: startedAt,
      from,
      scanned: 0,
      missing: 0,
      saved: 0,
      deleted: 0,
      failed: 0,
      waiting: 0,
    };
    /** The oldest recording to look at again: still in progress, settling, or failed. */
    let oldestWaiting: number | undefined;
    /** The newest recording Twilio listed in the window, by Twilio's clock. */
    let newestSeen: number | undefined;
    const wait = (recording: Recording) => {
      run.waiting += 1;
      const created = recording.dateCreated.getTime();
      if (oldestWaiting === undefined || created < oldestWaiting) oldestWaiting = created;
    };
    const archives = new Set<Promise<void>>();
    const criteria: SelectionCriteria = {
      createdFrom: from,
      includeSubaccounts: this.settings.includeSubaccounts,
      limitCounts: 'matching',
    };
    try {
      for await (const recording of selectRecordings(this.deps.api, criteria)) {
        if (this.stopping) break;
        run.scanned += 1;
        const created = recording.dateCreated.getTime();
        if (newestSeen === undefined || created > newestSeen) newestSeen = created;
        if (WITHOUT_MEDIA.has(recording.status)) continue;
        // Twilio's clock, as far as its newest recording tells, when it is ahead of this machine's.
        const twilioNow = Math.max(startedAt.getTime(), newestSeen);
        if (!hasMedia(recording) || !this.settled(recording, twilioNow)) {
          if (hasMedia(recording)) await this.loadListingsOf(recording);
          if (!(hasMedia(recording) && this.archived(recording))) wait(recording);
          continue;
        }
        while (archives.size >= this.deps.concurrency) await Promise.race(archives);
        await this.loadListingsOf(recording);
        // Checked and handed on with no wait between, so that a callback saving it now shares that work.
        if (this.archived(recording)) continue;
        run.missing += 1;
        const work = this.deps
          .archive(recording.accountSid, recording.sid)
          .then((result) => {
            if (result.outcome === 'saved') run.saved += 1;
            if (result.deleted) run.deleted += 1;
            if (result.held) this.rememberHeld(recording.sid);
            // Not saved, or saved but not deleted for a reason other than a hold: the next scan tries again.
            const undone = this.settings.deleting && result.outcome === 'saved' && !result.deleted && !result.held;
            if (result.outcome === 'failed' || undone) {
              run.failed += 1;
              wait(recording);
            }
          })
          .catch(() => {
            run.failed += 1;
            wait(recording);
          })
          .finally(() => archives.delete(work));
        archives.add(work);
      }
    } catch (error) {
      run.error = messageOf(error);
    }
    await Promise.allSettled([...archives]);
    // A restart after this scan reads only the manifest's lines that follow it.
    await this.deps.destination.saveListings?.();
    run.finishedAt = this.deps.clock();
    // A scan that failed is repeated from the same place; one that ended moves on, keeping what waits in view.
    if (run.error === undefined) {
      const reached = newestSeen === undefined ? from.getTime() : newestSeen - CATCH_UP_OVERLAP_MS;
      const next = Math.min(reached, oldestWaiting ?? Number.POSITIVE_INFINITY);
      this.cursor = new Date(Math.max(next, from.getTime()));
    } else {
      this.cursor = from;
    }
    this.last = run;
    this.deps.report(run);
    return run;
  }

  private rememberHeld(sid: string): void {
    if (this.keptByHold.size >= MAX_REMEMBERED_HOLDS) this.keptByHold.clear();
    this.keptByHold.add(sid);
  }

  /** The first scan reaches back to the newest recording the manifest lists (less the overlap), or to `since`. */
  private firstFrom(): Date {
    const newest = this.deps.destination.newestListedCreation();
    if (!newest) return this.settings.since;
    return new Date(Math.max(newest.getTime() - CATCH_UP_OVERLAP_MS, 0));
  }

  /** Whether the recording completed at least the settle time ago (it completes its duration after creation). */
  private settled(recording: Recording, nowMs: number): boolean {
    const completedAt = recording.dateCreated.getTime() + Math.max(recording.duration, 0) * 1000;
    return nowMs - completedAt >= this.settings.settleMs;
  }

  /** Brings into memory what the manifest lists for the recording's day, when the destination keeps only some days. */
  private async loadListingsOf(recording: Recording): Promise<void> {
    const { destination } = this.deps;
    while (destination.holdsListings && !destination.holdsListings(recording.dateCreated)) {
      await destination.loadListings!(recording.dateCreated);
    }
  }

  /** Whether the recording needs nothing more: the manifest lists it and, when deleting, a hold kept it. */
  private archived(recording: Recording): boolean {
    const { destination } = this.deps;
    // Listings let go of since they were loaded: not known to be archived, so handed on (the save checks its copy).
    if (destination.holdsListings && !destination.holdsListings(recording.dateCreated)) return false;
    if (!destination.listsRecording(recording.sid, recording.dateCreated)) return false;
    return !this.settings.deleting || this.keptByHold.has(recording.sid);
  }
}

function scheduleWithTimer(ms: number, run: () => void): () => void {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
}
