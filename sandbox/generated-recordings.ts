import { accountShape, timelineOf, type GeneratedShape, type Timeline } from './generated-timeline';
import { Prng } from './prng';
import type { PageQuery, PageResult, Recording, RecordingStatus } from './recording-store';
import { DEFAULT_STATUS_MIX, recordingPrice } from './seed';

export interface GeneratedAccountsOptions {
  /** Recordings in each generated account (under the `skewed` shape, in the largest ones). */
  perAccount: number;
  /** How they spread over time and accounts (see GENERATED_SHAPES); default `even`. */
  shape?: GeneratedShape;
  /** date_created of the oldest and newest recording; default the two years before now. */
  from?: Date | number | string;
  to?: Date | number | string;
  /** Which accounts hold generated recordings; default the parent only. */
  accounts?: 'parent' | 'subaccounts' | 'all';
  /** Same seed, same recordings. Default the sandbox's seed. */
  seed?: number;
  /** Relative weights of statuses; default the seeder's mix. */
  statusMix?: Partial<Record<RecordingStatus, number>>;
}

const TWO_YEARS_MS = 730 * 86_400_000;

function toMs(value: Date | number | string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`Not a date: ${String(value)}`);
  return ms;
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/** A 32-bit mix of two numbers (murmur3's finalizer over their combination). */
function mix(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

interface GeneratedAccount {
  sid: string;
  /** The first 8 hex digits of every sid in this account, naming it. */
  tag: string;
  timeline: Timeline;
}

/**
 * Accounts whose recordings are computed from their index and the seed instead of stored, so a
 * sandbox can serve millions of them in constant memory. Recording 0 is the newest; each is at
 * least a second older than the one before, so listing order is index order. A sid carries its
 * account tag and index, so a fetch or delete finds it without a lookup table; only deletions are
 * remembered.
 */
export class GeneratedRecordings {
  private readonly accounts = new Map<string, GeneratedAccount>();
  private readonly accountsByTag = new Map<string, GeneratedAccount>();
  private readonly deletedAt = new Map<string, number>();
  private readonly mix: [RecordingStatus, number][];
  private readonly mixTotal: number;
  /** The recordings of every account together. */
  readonly size: number;
  /** When the oldest recording could have been created: every account is older. */
  readonly oldestMs: number;

  constructor(
    accountSids: string[],
    options: GeneratedAccountsOptions,
    private readonly seed: number,
    nowMs: number,
  ) {
    const newestMs = options.to === undefined ? nowMs : toMs(options.to);
    const fromMs = options.from === undefined ? newestMs - TWO_YEARS_MS : toMs(options.from);
    const shape = options.shape ?? 'even';
    const weights = options.statusMix ?? DEFAULT_STATUS_MIX;
    this.mix = (Object.entries(weights) as [RecordingStatus, number][]).filter(([, weight]) => weight > 0);
    this.mixTotal = this.mix.reduce((sum, [, weight]) => sum + weight, 0);
    let size = 0;
    let oldestMs = fromMs;
    accountSids.forEach((sid, ordinal) => {
      const own = accountShape(shape, options.perAccount, ordinal);
      const count = own.count;
      const timeline = timelineOf(own.shape, count, fromMs, newestMs, seed + ordinal);
      const account = { sid, tag: hex8(mix(seed, ordinal + 1)), timeline };
      this.accounts.set(sid, account);
      this.accountsByTag.set(account.tag, account);
      size += count;
      if (count > 0) oldestMs = Math.min(oldestMs, timeline.createdMs(count - 1));
    });
    this.size = size;
    this.oldestMs = oldestMs;
  }

  holds(accountSid: string): boolean {
    return this.accounts.has(accountSid);
  }

  /** The recording with this sid, if it is a generated one. */
  get(sid: string): Recording | undefined {
    const match = /^RE([0-9a-f]{8})([0-9a-f]{8})([0-9a-f]{16})$/.exec(sid);
    const account = match && this.accountsByTag.get(match[1] as string);
    if (!match || !account) return undefined;
    const index = Number.parseInt(match[2] as string, 16);
    if (index >= account.timeline.count) return undefined;
    const recording = this.recording(account, index);
    return recording.sid === sid ? recording : undefined;
  }

  /** Soft deletes a generated recording; false when it is not one, or not completed. */
  delete(sid: string, nowMs: number): 'deleted' | 'not-found' | 'not-deletable' {
    const recording = this.get(sid);
    if (!recording || recording.status === 'deleted') return 'not-found';
    if (recording.status !== 'completed') return 'not-deletable';
    this.deletedAt.set(sid, Math.floor(nowMs / 1000) * 1000);
    return 'deleted';
  }

  /** Every recording of one account in listing order (for tests: this does hold them all). */
  all(accountSid: string, includeDeleted: boolean): Recording[] {
    const account = this.accounts.get(accountSid);
    if (!account) return [];
    const out: Recording[] = [];
    for (let i = 0; i < account.timeline.count; i++) {
      const recording = this.recording(account, i);
      if (includeDeleted || recording.status !== 'deleted') out.push(recording);
    }
    return out;
  }

  page(query: PageQuery): PageResult {
    const account = this.accounts.get(query.accountSid);
    if (!account || query.conferenceSid !== undefined) return { items: [], hasMore: false, hasPrevious: false };
    const visible = (i: number): Recording | undefined => {
      const recording = this.recording(account, i);
      if (!query.includeDeleted && recording.status === 'deleted') return undefined;
      if (query.callSid !== undefined && recording.callSid !== query.callSid) return undefined;
      return recording;
    };
    const { createdBeforeMs, createdFromMs, cursor } = query;
    const { timeline } = account;
    let lo = createdBeforeMs === undefined ? 0 : firstOlderThan(timeline, createdBeforeMs);
    let hi = createdFromMs === undefined ? timeline.count : firstOlderThan(timeline, createdFromMs);
    if (query.callSid !== undefined) {
      // A generated call has one recording, whose index its sid carries.
      const index = Number.parseInt(query.callSid.slice(10, 18), 16);
      if (query.callSid.slice(2, 10) !== account.tag || !(index >= lo && index < hi)) {
        return { items: [], hasMore: false, hasPrevious: false };
      }
      [lo, hi] = [index, index + 1];
    }
    const items: Recording[] = [];
    if (cursor?.direction === 'before') {
      const end = Math.max(lo, Math.min(hi, firstOlderThan(timeline, cursor.position.dateCreatedMs + 1)));
      let i = end - 1;
      for (; i >= lo && items.length < query.pageSize; i--) {
        const recording = visible(i);
        if (recording) items.push(recording);
      }
      items.reverse();
      return {
        items,
        hasMore: this.anyVisible(end, hi, 1, visible),
        hasPrevious: this.anyVisible(i, lo - 1, -1, visible),
      };
    }
    const start = cursor ? Math.max(lo, firstOlderThan(timeline, cursor.position.dateCreatedMs)) : lo;
    let toSkip = cursor ? 0 : (query.offset ?? 0);
    let i = start;
    let firstIndex: number | undefined;
    for (; i < hi && items.length < query.pageSize; i++) {
      const recording = visible(i);
      if (!recording) continue;
      if (toSkip > 0) {
        toSkip--;
        continue;
      }
      firstIndex ??= i;
      items.push(recording);
    }
    const hasPrevious = firstIndex !== undefined && this.anyVisible(firstIndex - 1, lo - 1, -1, visible);
    return { items, hasMore: this.anyVisible(i, hi, 1, visible), hasPrevious };
  }

  private anyVisible(from: number, to: number, step: 1 | -1, visible: (i: number) => Recording | undefined): boolean {
    for (let i = from; step > 0 ? i < to : i > to; i += step) if (visible(i)) return true;
    return false;
  }

  private recording(account: GeneratedAccount, index: number): Recording {
    const key = mix(mix(this.seed, Number.parseInt(account.tag, 16)), index);
    const prng = new Prng(key);
    const body = `${account.tag}${hex8(index)}${hex8(prng.next() * 4294967296)}${hex8(prng.next() * 4294967296)}`;
    const sid = `RE${body}`;
    let status = this.pickStatus(prng.next());
    const durationSeconds =
      status === 'in-progress' || status === 'paused' ? -1 : 3 + Math.floor(prng.next() ** 3 * 1798);
    const createdMs = account.timeline.createdMs(index);
    let updatedMs = createdMs + Math.max(0, durationSeconds) * 1000 + 2000;
    const deletedAt = this.deletedAt.get(sid);
    if (deletedAt !== undefined) {
      status = 'deleted';
      updatedMs = deletedAt;
    }
    return {
      sid,
      accountSid: account.sid,
      callSid: `CA${body}`,
      conferenceSid: null,
      dateCreatedMs: createdMs,
      dateUpdatedMs: updatedMs,
      startTimeMs: createdMs,
      durationSeconds: status === 'absent' ? 0 : durationSeconds,
      status,
      channels: prng.chance(0.3) ? 2 : 1,
      source: 'DialVerb',
      errorCode: status === 'absent' ? 16101 : null,
      price: status === 'completed' || status === 'deleted' ? recordingPrice(durationSeconds) : null,
      priceUnit: 'USD',
      track: 'both',
      encryptionDetails: null,
    };
  }

  private pickStatus(draw: number): RecordingStatus {
    let r = draw * this.mixTotal;
    for (const [status, weight] of this.mix) {
      r -= weight;
      if (r < 0) return status;
    }
    return (this.mix[this.mix.length - 1] as [RecordingStatus, number])[0];
  }
}

/** The first index whose recording was created before `ms` (the count when none was). */
function firstOlderThan(timeline: Timeline, ms: number): number {
  let lo = 0;
  let hi = timeline.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeline.createdMs(mid) < ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
