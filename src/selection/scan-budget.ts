/**
 * What the pages of one account's list have shown so far: the evidence the scan's request
 * budget is reckoned from.
 */
export interface AccountEvidence {
  /** Whether any page of the account's list has come back yet. */
  answered: boolean;
  /** Recordings received that the account's shards own (each counted once). */
  records: number;
  /** Pages that came back full. */
  fullPages: number;
  /**
   * Whether Twilio has said, with a next page link, that a recording not yet received exists,
   * and no page with a recording has come back since from the shards that took its stretch on.
   */
  moreShown: boolean;
}

/**
 * The fewest pages a one-page-at-a-time walk of the account needs, by what its pages showed: one
 * page for each `pageSize` recordings received, one more when more are shown to exist beyond a
 * whole number of pages, and at least one for every account.
 */
export function walkPagesAtLeast(evidence: AccountEvidence, pageSize: number): number {
  const pages = Math.ceil(evidence.records / pageSize);
  const more = evidence.moreShown && evidence.records % pageSize === 0 ? 1 : 0;
  return Math.max(1, pages + more);
}

/**
 * How many requests that may come back less than full the scan can still afford, so that it
 * never asks for more than twice the pages a walk needs, whatever the rest of the accounts hold.
 *
 * Every request comes back either full, and then holds a page's worth of recordings the walk
 * pages through too (each shard owns its own recordings), or less than full, which a shard does
 * once, as its last page (or it is the one request that learns how day filters read). So the
 * requests are the full pages plus the shards plus that one, and the walk's pages are at least
 * the full pages plus one for the rest of each account. A full page still to come adds one
 * request and one page to the walk, so it pays for itself twice over; what is committed is one
 * request per shard that has not come back less than full yet, plus those that have. Before an
 * account's first page comes back, its first page might be full, so it counts for one.
 */
export function spareRequests(accounts: Iterable<AccountEvidence>, committed: number, pageSize: number): number {
  let allowed = 0;
  for (const account of accounts) {
    allowed += account.answered ? 2 * walkPagesAtLeast(account, pageSize) - account.fullPages : 1;
  }
  return allowed - committed;
}

/**
 * How many shards to split a full page's stretch into, beyond the shard that keeps its chain:
 * as many as the budget affords (one of it goes to learning how day filters read, when that is
 * still to be asked), no more than the requests that could start now, and no more than one split makes.
 * Zero means the shard walks on alone, which costs nothing the walk would not.
 */
export function shardsToSplitInto(input: {
  spare: number;
  /** Whether the request that learns how day filters read is still to be made. */
  readingToAsk: boolean;
  /** Requests that could start now: the limit less those in flight and shards waiting to start. */
  room: number;
  maxShards: number;
}): number {
  const affordable = input.spare - (input.readingToAsk ? 1 : 0);
  return Math.max(0, Math.min(affordable, input.room, input.maxShards));
}
