import type { ArchiveResult } from '../callback-archiver';
import type { ObservedRequest } from '../callback-listener';
import { hasMedia } from '../../recordings/recording';

/** Requests the inspector keeps by default; older ones are dropped, the counters go on. */
export const DEFAULT_KEPT_REQUESTS = 500;
/** Bytes of a handler's answer kept for the page; the rest is dropped and marked as cut. */
export const KEPT_ANSWER_BYTES = 16 * 1024;

/** How a row came about: a request the listener received, a replay, or a test event sent to the handler. */
export type EntryKind = 'callback' | 'replay' | 'test';

/** A replay or a test event the inspector sent to the handler itself, kept in the shape of a received request. */
export interface OwnRequest extends Omit<ObservedRequest, 'verdict'> {
  kind: 'replay' | 'test';
  verdict: 'replayed' | 'test';
  replayOf?: number;
}

/** What the history keeps of a request: the listener's own object, never a copy. */
export type KeptRequest = ObservedRequest | OwnRequest;

export interface DownloadOutcome {
  outcome: ArchiveResult['outcome'];
  path?: string;
  bytes?: number;
  deleted: boolean;
  error?: string;
}

export function kindOf(request: KeptRequest): EntryKind {
  return 'kind' in request ? request.kind : 'callback';
}

/**
 * The last `limit` requests, in a ring of that many slots: memory stays bounded however long the
 * listener runs, and keeping one more request is one slot written. Ids count from 1 and are never
 * reused; a request is kept while its id is among the newest `limit`.
 */
export class RequestHistory {
  private readonly slots: Array<KeptRequest | undefined>;
  private readonly downloads = new Map<number, DownloadOutcome[]>();
  /** Requests whose handler's answer was cut to KEPT_ANSWER_BYTES. */
  private readonly cutAnswers = new Set<number>();
  private newest = 0;

  constructor(readonly limit: number = DEFAULT_KEPT_REQUESTS) {
    this.slots = new Array<KeptRequest | undefined>(limit).fill(undefined);
  }

  /** Keeps `request` itself and returns its id; the oldest request beyond the limit is let go. */
  add(request: KeptRequest): number {
    const id = ++this.newest;
    this.downloads.delete(id - this.limit);
    this.cutAnswers.delete(id - this.limit);
    if (cutAnswer(request)) this.cutAnswers.add(id);
    this.slots[id % this.limit] = request;
    return id;
  }

  /** True when only the start of the handler's answer to this request is kept. */
  answerCut(id: number): boolean {
    return this.cutAnswers.has(id);
  }

  get(id: number): KeptRequest | undefined {
    return this.isKept(id) ? this.slots[id % this.limit] : undefined;
  }

  isKept(id: number): boolean {
    return Number.isInteger(id) && id >= this.oldestId && id <= this.newest;
  }

  /** The id of the newest request kept; 0 before the first. */
  get newestId(): number {
    return this.newest;
  }

  /** The id of the oldest request kept. */
  get oldestId(): number {
    return Math.max(1, this.newest - this.limit + 1);
  }

  get size(): number {
    return Math.min(this.newest, this.limit);
  }

  /** Requests no longer kept. */
  get droppedCount(): number {
    return Math.max(0, this.newest - this.limit);
  }

  downloadsOf(id: number): readonly DownloadOutcome[] | undefined {
    return this.downloads.get(id);
  }

  /**
   * Attaches a download's outcome to the newest completed callback of its recording; the id of that
   * request, or undefined when it is no longer kept.
   */
  addDownload(result: ArchiveResult): number | undefined {
    for (let id = this.newest; id >= this.oldestId; id -= 1) {
      const request = this.slots[id % this.limit] as KeptRequest;
      if (kindOf(request) !== 'callback' || request.event?.recordingSid !== result.recordingSid) continue;
      if (!hasMedia(request.event)) continue;
      const outcome: DownloadOutcome = {
        outcome: result.outcome,
        path: result.path,
        bytes: result.bytes,
        deleted: result.deleted,
        error: result.error,
      };
      const list = this.downloads.get(id);
      if (list) list.push(outcome);
      else this.downloads.set(id, [outcome]);
      return id;
    }
    return undefined;
  }
}

/**
 * A handler's answer can be up to a megabyte, relayed in full: past the page's bound, only a copy of
 * its start is kept. The listener's reply holds the whole answer of its own, and keeps no reference
 * to the request it hands on. True when the answer was cut.
 */
function cutAnswer(request: KeptRequest): boolean {
  const relay = request.relay;
  const answer = relay?.answer;
  if (!relay || !answer || answer.body.length <= KEPT_ANSWER_BYTES) return false;
  request.relay = { ...relay, answer: { ...answer, body: Buffer.from(answer.body.subarray(0, KEPT_ANSWER_BYTES)) } };
  return true;
}
