import type { MediaCipher } from './encryption';

export const RECORDING_STATUSES = [
  'in-progress',
  'paused',
  'stopped',
  'processing',
  'completed',
  'absent',
  'deleted',
] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const RECORDING_SOURCES = [
  'DialVerb',
  'Conference',
  'OutboundAPI',
  'Trunking',
  'RecordVerb',
  'StartCallRecordingAPI',
  'StartConferenceRecordingAPI',
] as const;
export type RecordingSource = (typeof RECORDING_SOURCES)[number];

/** One recording as the sandbox keeps it; the JSON shapes are rendered from this. */
export interface Recording {
  sid: string;
  accountSid: string;
  callSid: string | null;
  conferenceSid: string | null;
  /** Whole seconds (Twilio's dates have no sub-second part). */
  dateCreatedMs: number;
  dateUpdatedMs: number;
  startTimeMs: number;
  /** -1 while a recording is still in progress, as Twilio reports it. */
  durationSeconds: number;
  status: RecordingStatus;
  channels: 1 | 2;
  source: RecordingSource;
  errorCode: number | null;
  price: string | null;
  priceUnit: string;
  track: 'inbound' | 'outbound' | 'both';
  encryptionDetails: Record<string, string> | null;
  /** The content key and IV of an encrypted recording's media (never sent). */
  encryption?: MediaCipher;
}

/** A position in listing order: the sort key of one recording. */
export interface ListPosition {
  dateCreatedMs: number;
  sid: string;
}

export interface PageQuery {
  accountSid: string;
  callSid?: string;
  conferenceSid?: string;
  /** Inclusive lower bound on dateCreatedMs. */
  createdFromMs?: number;
  /** Exclusive upper bound on dateCreatedMs. */
  createdBeforeMs?: number;
  includeDeleted: boolean;
  pageSize: number;
  /** Items to skip from the start of the filtered set (offset paging, used only without a cursor). */
  offset?: number;
  /** Key-based cursor: the page starts right after this position, or ends right before it. */
  cursor?: { direction: 'after' | 'before'; position: ListPosition };
}

export interface PageResult {
  items: Recording[];
  hasMore: boolean;
  hasPrevious: boolean;
}

export type DeleteOutcome = 'deleted' | 'not-found' | 'not-deletable';

/** Accounts whose recordings are computed rather than stored (see generated-recordings.ts). */
export interface GeneratedSource {
  readonly size: number;
  holds(accountSid: string): boolean;
  get(sid: string): Recording | undefined;
  delete(sid: string, nowMs: number): DeleteOutcome;
  all(accountSid: string, includeDeleted: boolean): Recording[];
  page(query: PageQuery): PageResult;
}

/** Listing order is date_created descending, ties broken by sid descending. */
function comesBefore(a: ListPosition, b: ListPosition): boolean {
  return a.dateCreatedMs > b.dateCreatedMs || (a.dateCreatedMs === b.dateCreatedMs && a.sid > b.sid);
}

function compareListOrder(a: ListPosition, b: ListPosition): number {
  if (a.dateCreatedMs !== b.dateCreatedMs) return b.dateCreatedMs - a.dateCreatedMs;
  return a.sid < b.sid ? 1 : a.sid > b.sid ? -1 : 0;
}

/** First index in [0, length) for which `test` holds, given `test` is false then true along the array. */
function firstIndexWhere<T>(items: readonly T[], test: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (test(items[mid] as T)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function insertSorted(items: Recording[], recording: Recording): void {
  items.splice(
    firstIndexWhere(items, (item) => comesBefore(recording, item)),
    0,
    recording,
  );
}

/** What a caller may pass to add one recording; everything left out gets a plausible default. */
export type RecordingInit = Partial<Omit<Recording, 'dateCreatedMs' | 'dateUpdatedMs' | 'startTimeMs'>> & {
  dateCreated?: Date | number | string;
  dateUpdated?: Date | number | string;
  startTime?: Date | number | string;
};

/** Builds recordings from seeds or partial fields (see seed.ts); injected so the store stays about storage. */
export interface RecordingFactory<SeedOptions> {
  seed(options: SeedOptions): Recording[];
  make(init: RecordingInit): Recording;
}

/**
 * Every recording of every account, kept in listing order per account, per call and per conference,
 * so that a page is a binary search plus a short scan instead of a pass over everything.
 */
export class RecordingStore<SeedOptions = unknown> {
  private readonly bySid = new Map<string, Recording>();
  private readonly byAccount = new Map<string, Recording[]>();
  private readonly byCall = new Map<string, Recording[]>();
  private readonly byConference = new Map<string, Recording[]>();

  constructor(
    private readonly factory: RecordingFactory<SeedOptions>,
    private readonly generated?: GeneratedSource,
  ) {}

  get size(): number {
    return this.bySid.size + (this.generated?.size ?? 0);
  }

  /** Adds generated recordings in bulk (sorted once at the end) and returns them. */
  seedRecordings(options: SeedOptions): Recording[] {
    const created = this.factory.seed(options);
    const touched = new Set<Recording[]>();
    for (const recording of created) {
      this.checkStorable(recording);
      this.bySid.set(recording.sid, recording);
      for (const list of this.listsFor(recording)) {
        list.push(recording);
        touched.add(list);
      }
    }
    for (const list of touched) list.sort(compareListOrder);
    return created;
  }

  /** Adds one recording with exactly the fields given (others defaulted) and returns it. */
  addRecording(init: RecordingInit): Recording {
    const recording = this.factory.make(init);
    this.checkStorable(recording);
    this.bySid.set(recording.sid, recording);
    for (const list of this.listsFor(recording)) insertSorted(list, recording);
    return recording;
  }

  getRecording(sid: string): Recording | undefined {
    return this.bySid.get(sid) ?? this.generated?.get(sid);
  }

  /** All recordings in listing order, of one account or of all; soft-deleted ones only when asked. */
  recordings(accountSid?: string, options: { includeDeleted?: boolean } = {}): Recording[] {
    if (accountSid !== undefined && this.generated?.holds(accountSid)) {
      return this.generated.all(accountSid, options.includeDeleted ?? false);
    }
    const source =
      accountSid === undefined
        ? [...this.bySid.values()].sort(compareListOrder)
        : (this.byAccount.get(accountSid) ?? []);
    return source.filter((r) => options.includeDeleted || r.status !== 'deleted');
  }

  /** Soft delete as Twilio does it: metadata stays, status becomes `deleted`, media is gone. */
  deleteRecording(sid: string, nowMs = Date.now()): DeleteOutcome {
    if (this.generated && !this.bySid.has(sid)) return this.generated.delete(sid, nowMs);
    const recording = this.bySid.get(sid);
    if (!recording || recording.status === 'deleted') return 'not-found';
    if (recording.status !== 'completed') return 'not-deletable';
    recording.status = 'deleted';
    recording.dateUpdatedMs = Math.floor(nowMs / 1000) * 1000;
    return 'deleted';
  }

  page(query: PageQuery): PageResult {
    if (this.generated?.holds(query.accountSid)) return this.generated.page(query);
    const base = this.baseListFor(query);
    const matches = (r: Recording): boolean =>
      r.accountSid === query.accountSid &&
      (query.includeDeleted || r.status !== 'deleted') &&
      (query.callSid === undefined || r.callSid === query.callSid) &&
      (query.conferenceSid === undefined || r.conferenceSid === query.conferenceSid);

    const { createdBeforeMs, createdFromMs } = query;
    const lo = createdBeforeMs === undefined ? 0 : firstIndexWhere(base, (r) => r.dateCreatedMs < createdBeforeMs);
    const hi =
      createdFromMs === undefined ? base.length : firstIndexWhere(base, (r) => r.dateCreatedMs < createdFromMs);

    const items: Recording[] = [];
    const cursor = query.cursor;
    if (cursor?.direction === 'before') {
      // Walk backwards from just before the cursor, then restore listing order.
      const end = Math.min(
        hi,
        Math.max(
          lo,
          firstIndexWhere(base, (r) => !comesBefore(r, cursor.position)),
        ),
      );
      let i = end - 1;
      for (; i >= lo && items.length < query.pageSize; i--) {
        const r = base[i] as Recording;
        if (matches(r)) items.push(r);
      }
      items.reverse();
      return {
        items,
        hasMore: this.anyMatch(base, end, hi, matches),
        hasPrevious: this.anyMatchBackwards(base, i, lo, matches),
      };
    }

    let start = lo;
    if (cursor) {
      start = Math.max(
        lo,
        firstIndexWhere(base, (r) => comesBefore(cursor.position, r)),
      );
    }
    let toSkip = cursor ? 0 : (query.offset ?? 0);
    let i = start;
    for (; i < hi && items.length < query.pageSize; i++) {
      const r = base[i] as Recording;
      if (!matches(r)) continue;
      if (toSkip > 0) {
        toSkip--;
        continue;
      }
      items.push(r);
    }
    const first = items[0];
    const hasPrevious = first ? this.anyMatchBackwards(base, base.indexOf(first, start) - 1, lo, matches) : false;
    return { items, hasMore: this.anyMatch(base, i, hi, matches), hasPrevious };
  }

  private checkStorable(recording: Recording): void {
    if (this.bySid.has(recording.sid)) throw new Error(`Duplicate recording sid ${recording.sid}`);
    if (this.generated?.holds(recording.accountSid)) {
      throw new Error(`Account ${recording.accountSid} holds generated recordings: add recordings to another account`);
    }
  }

  private baseListFor(query: PageQuery): Recording[] {
    if (query.callSid !== undefined) return this.byCall.get(query.callSid) ?? [];
    if (query.conferenceSid !== undefined) return this.byConference.get(query.conferenceSid) ?? [];
    return this.byAccount.get(query.accountSid) ?? [];
  }

  private anyMatch(items: Recording[], from: number, to: number, matches: (r: Recording) => boolean): boolean {
    for (let i = from; i < to; i++) if (matches(items[i] as Recording)) return true;
    return false;
  }

  private anyMatchBackwards(items: Recording[], from: number, to: number, matches: (r: Recording) => boolean): boolean {
    for (let i = from; i >= to; i--) if (matches(items[i] as Recording)) return true;
    return false;
  }

  private listsFor(recording: Recording): Recording[][] {
    const lists = [this.listIn(this.byAccount, recording.accountSid)];
    if (recording.callSid) lists.push(this.listIn(this.byCall, recording.callSid));
    if (recording.conferenceSid) lists.push(this.listIn(this.byConference, recording.conferenceSid));
    return lists;
  }

  private listIn(index: Map<string, Recording[]>, key: string): Recording[] {
    let list = index.get(key);
    if (!list) {
      list = [];
      index.set(key, list);
    }
    return list;
  }
}
