import { Readable } from 'node:stream';
import { parseFilterDay, rfc2822 } from '../../sandbox/dates';
import { GeneratedRecordings, type GeneratedAccountsOptions } from '../../sandbox/generated-recordings';
import { PAGE_COST_MODEL, pageCostMs, type PageCost } from '../../sandbox/knobs';
import { decodePageToken, encodePageToken } from '../../sandbox/page-token';
import { ConcurrencyLimiter } from '../../src/twilio/concurrency-limiter';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../src/twilio/http-transport';
import { RetryPolicy } from '../../src/twilio/retry-policy';
import { TwilioApi } from '../../src/twilio/twilio-api';

const DAY_MS = 86_400_000;
const API = '/2010-04-01';

/**
 * A clock that moves only when everything else has settled: each timer fires, in order, once the
 * process has nothing left to do before it, so that a run takes no wall time and its order of
 * events is the same every time.
 */
export class VirtualClock {
  now = 0;
  private timers: Array<{ at: number; order: number; fire: () => void }> = [];
  private order = 0;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.now + ms, order: this.order++, fire: resolve });
    });
  }

  /** Runs `work` to its end, moving the clock to each timer in turn whenever nothing else can run. */
  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const settled = work.then(
      () => (done = true),
      () => (done = true),
    );
    let idleTurns = 0;
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done) break;
      if (this.timers.length === 0) {
        idleTurns += 1;
        if (idleTurns > 10_000) throw new Error('the simulated scan waits for something that never comes');
        continue;
      }
      idleTurns = 0;
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const timer = this.timers.shift()!;
      this.now = Math.max(this.now, timer.at);
      timer.fire();
    }
    await settled;
    return work;
  }
}

export interface SimulatedAccounts extends GeneratedAccountsOptions {
  /** Subaccounts holding the generated recordings; 0 for the parent alone. */
  subaccounts: number;
  /** When every account was created. */
  createdMs: number;
  /**
   * How day filters read: whole GMT days, both ends included, as the sandbox reads them (the
   * default), or as instants at midnight, the other reading of Twilio's documentation.
   */
  dayFilters?: 'whole-days' | 'midnights';
}

/**
 * Twilio's list of recordings, as the sandbox serves its generated accounts (the same shapes, day
 * filters, page tokens and next page links), answered in-process on a virtual clock after the
 * sandbox's page cost: for tests of how a scan plans its requests, at any size, in no wall time.
 * Counts list requests and the recordings they carried.
 */
export class SimulatedTwilio implements HttpTransport {
  readonly clock = new VirtualClock();
  readonly parentSid = 'AC' + '0'.repeat(31) + '1';
  readonly subaccountSids: string[];
  readonly generated: GeneratedRecordings;
  listRequests = 0;
  listedRecords = 0;
  /** List requests being answered now, and the most there were at once. */
  private listsInFlight = 0;
  mostListsAtOnce = 0;

  constructor(
    private readonly accounts: SimulatedAccounts,
    private readonly pageCost: PageCost = PAGE_COST_MODEL,
  ) {
    this.subaccountSids = Array.from(
      { length: accounts.subaccounts },
      (_, i) => `AC${(i + 2).toString(16).padStart(32, '0')}`,
    );
    const holders = accounts.subaccounts > 0 ? this.subaccountSids : [this.parentSid];
    this.generated = new GeneratedRecordings(holders, accounts, accounts.seed ?? 1, Date.now());
  }

  /** The accounts a walk lists: the parent, then each subaccount when there are any. */
  get accountSids(): string[] {
    return [this.parentSid, ...this.subaccountSids];
  }

  /** The sids a page-by-page walk of these accounts lists, in its order, and its pages and their cost. */
  walk(): { sids: string[]; pages: number; records: number; idealMs: number } {
    const walk = { sids: [] as string[], pages: 0, records: 0, idealMs: 0 };
    for (const accountSid of this.accountSids) {
      const recordings = this.generated.all(accountSid, false);
      const pages = Math.max(1, Math.ceil(recordings.length / 1000));
      for (const recording of recordings) walk.sids.push(recording.sid);
      walk.pages += pages;
      walk.records += recordings.length;
      for (let page = 0; page < pages; page += 1) {
        walk.idealMs += pageCostMs(this.pageCost, Math.min(1000, recordings.length - page * 1000));
      }
    }
    return walk;
  }

  /** A client of this Twilio with `concurrency` requests in flight at most. */
  api(concurrency: number): TwilioApi {
    return new TwilioApi({
      transport: this,
      credentials: { username: this.parentSid, password: 'secret' },
      accountSid: this.parentSid,
      baseUrl: 'https://api.twilio.com',
      retryPolicy: new RetryPolicy({ maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 }),
      limiter: new ConcurrencyLimiter(concurrency),
      credentialsLabel: 'the simulated credentials',
    });
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path === `${API}/Accounts.json`) {
      await this.clock.sleep(this.pageCost.baseMs);
      const accounts = this.accountSids.map((sid) => this.accountJson(sid));
      return json({ accounts, next_page_uri: null });
    }
    const account = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\.json$/.exec(path);
    if (account) {
      await this.clock.sleep(this.pageCost.baseMs);
      return json(this.accountJson(account[1] as string));
    }
    const list = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Recordings\.json$/.exec(path);
    if (!list) return json({ message: `not simulated: ${path}` }, 404);
    return this.listPage(list[1] as string, url);
  }

  private accountJson(sid: string) {
    return { sid, status: 'active', date_created: rfc2822(this.accounts.createdMs) };
  }

  private async listPage(accountSid: string, url: URL): Promise<HttpResponse> {
    this.listRequests += 1;
    const query = url.searchParams;
    let createdFromMs: number | undefined;
    let createdBeforeMs: number | undefined;
    // `DateCreated<` is the end of that day, or its midnight itself; `DateCreated>` its midnight either way.
    const lastOfDayMs = this.accounts.dayFilters === 'midnights' ? 1 : DAY_MS;
    for (const [name, value] of query.entries()) {
      const day = parseFilterDay(value);
      if (day === undefined) continue;
      if (name === 'DateCreated>') createdFromMs = Math.max(createdFromMs ?? -Infinity, day);
      if (name === 'DateCreated<') createdBeforeMs = Math.min(createdBeforeMs ?? Infinity, day + lastOfDayMs);
    }
    const token = query.get('PageToken');
    const pageSize = Number(query.get('PageSize') ?? 50);
    const page = this.generated.page({
      accountSid,
      createdFromMs,
      createdBeforeMs,
      includeDeleted: false,
      pageSize,
      cursor: token ? decodePageToken(token) : undefined,
    });
    this.listsInFlight += 1;
    this.mostListsAtOnce = Math.max(this.mostListsAtOnce, this.listsInFlight);
    await this.clock.sleep(pageCostMs(this.pageCost, page.items.length));
    this.listsInFlight -= 1;
    this.listedRecords += page.items.length;
    const last = page.items.at(-1);
    let next: string | null = null;
    if (page.hasMore && last) {
      const nextUrl = new URL(url);
      nextUrl.searchParams.set('PageToken', encodePageToken({ direction: 'after', position: last }));
      next = nextUrl.pathname + nextUrl.search;
    }
    // Only what ordering and selection read: the rest of a recording's fields cost time and tell a scan nothing.
    const recordings = page.items.map((r) => ({
      sid: r.sid,
      account_sid: r.accountSid,
      date_created: rfc2822(r.dateCreatedMs),
      status: r.status,
    }));
    return json({ recordings, next_page_uri: next });
  }
}

function json(body: unknown, status = 200): HttpResponse {
  const bytes = Buffer.from(JSON.stringify(body));
  return {
    status,
    headers: { 'content-type': 'application/json', 'content-length': String(bytes.length) },
    body: Readable.from([bytes]),
  };
}
