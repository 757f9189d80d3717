import type { Principal } from './accounts';
import { bump, type RouteKind } from './counters';
import { DAY_MS, parseFilterDay } from './dates';
import { sendBadRequest, sendEmpty, sendJson, sendNotFound, sendUnauthorized } from './http-replies';
import { pageCostMs } from './knobs';
import type { MediaFormat } from './media';
import { streamMedia } from './media-response';
import { decodePageToken, encodePageToken } from './page-token';
import type { Recording } from './recording-store';
import {
  accountJson,
  callRecordingJson,
  conferenceRecordingJson,
  newKeyJson,
  pageEnvelope,
  recordingJson,
  twilioError,
} from './representations';
import type { RequestContext, SandboxState } from './request-context';
import { recordingSidOfTranscription, transcriptionJson, transcriptionOf } from './transcriptions';

type Handler = (
  ctx: RequestContext,
  state: SandboxState,
  principal: Principal | undefined,
  params: string[],
) => Promise<void> | void;

interface Endpoint {
  kind: RouteKind;
  handle: Handler;
  /** Media may be public (account setting); everything else needs credentials. */
  publicWhen?: (state: SandboxState) => boolean;
}

interface RouteDefinition {
  pattern: RegExp;
  methods: Partial<Record<string, Endpoint>>;
}

export type ApiMatch =
  | { kind: RouteKind; endpoint: Endpoint; params: string[] }
  | { kind: 'other'; endpoint: undefined; params: string[]; methodNotAllowed: boolean };

const AC = '(AC[0-9a-fA-F]{32})';
const PREFIX = '^/2010-04-01/Accounts';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

const ROUTES: RouteDefinition[] = [
  { pattern: new RegExp(`${PREFIX}\\.json$`), methods: { GET: { kind: 'accounts', handle: listAccounts } } },
  { pattern: new RegExp(`${PREFIX}/${AC}\\.json$`), methods: { GET: { kind: 'accounts', handle: fetchAccount } } },
  { pattern: new RegExp(`${PREFIX}/${AC}/Keys\\.json$`), methods: { POST: { kind: 'keys', handle: createKey } } },
  {
    pattern: new RegExp(`${PREFIX}/${AC}/Recordings\\.json$`),
    methods: { GET: { kind: 'list', handle: (c, s, _p, [ac]) => listRecordings(c, s, ac as string, {}) } },
  },
  {
    pattern: new RegExp(`${PREFIX}/${AC}/Calls/(CA[0-9a-fA-F]{32})/Recordings\\.json$`),
    methods: {
      GET: { kind: 'list', handle: (c, s, _p, [ac, ca]) => listRecordings(c, s, ac as string, { callSid: ca }) },
    },
  },
  {
    pattern: new RegExp(`${PREFIX}/${AC}/Conferences/(CF[0-9a-fA-F]{32})/Recordings\\.json$`),
    methods: {
      GET: { kind: 'list', handle: (c, s, _p, [ac, cf]) => listRecordings(c, s, ac as string, { conferenceSid: cf }) },
    },
  },
  {
    pattern: new RegExp(`${PREFIX}/${AC}/Recordings/(RE[0-9a-fA-F]{32})\\.json$`),
    methods: { GET: { kind: 'fetch', handle: fetchRecording }, DELETE: { kind: 'delete', handle: deleteRecording } },
  },
  {
    pattern: new RegExp(`${PREFIX}/${AC}/Recordings/(RE[0-9a-fA-F]{32})/Transcriptions\\.json$`),
    methods: { GET: { kind: 'fetch', handle: listTranscriptions } },
  },
  {
    pattern: new RegExp(`${PREFIX}/${AC}/Transcriptions/(TR[0-9a-fA-F]{32})\\.json$`),
    methods: { GET: { kind: 'fetch', handle: fetchTranscription } },
  },
  {
    pattern: new RegExp(`${PREFIX}/${AC}/Recordings/(RE[0-9a-fA-F]{32})(?:\\.(wav|mp3))?$`),
    methods: { GET: { kind: 'media', handle: serveMedia, publicWhen: (s) => !s.knobs().mediaAuth } },
  },
];

export function matchApiRoute(method: string, path: string): ApiMatch {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const params = match.slice(1).filter((p): p is string => p !== undefined);
    const endpoint = route.methods[method];
    if (endpoint) return { kind: endpoint.kind, endpoint, params };
    return { kind: 'other', endpoint: undefined, params, methodNotAllowed: true };
  }
  return { kind: 'other', endpoint: undefined, params: [], methodNotAllowed: false };
}

export async function handleApiRequest(ctx: RequestContext, state: SandboxState, match: ApiMatch): Promise<void> {
  if (!match.endpoint) {
    if (match.methodNotAllowed) {
      sendJson(ctx.res, 405, twilioError(405, 20004, 'Method not allowed'), { Allow: 'GET, POST, DELETE' });
    } else {
      sendNotFound(ctx.res, ctx.path);
    }
    return;
  }
  const principal = state.accounts.authenticate(ctx.req.headers.authorization);
  const isPublic = match.endpoint.publicWhen?.(state) ?? false;
  if (!isPublic) {
    // UNVERIFIED: Twilio may answer 403 or 404 for valid credentials aimed at another account; 401 is what we send.
    const accountSid = match.params[0];
    if (!principal || (accountSid !== undefined && !state.accounts.canAccess(principal, accountSid))) {
      sendUnauthorized(ctx.res);
      return;
    }
    // UNVERIFIED: the answers Twilio gives for a suspended or closed account.
    const target = accountSid === undefined ? principal.account : state.accounts.get(accountSid);
    const inactive = [principal.account, target].find((account) => account && account.status !== 'active');
    if (inactive?.status === 'suspended') {
      sendJson(ctx.res, 403, twilioError(403, 20005, 'Account not active'));
      return;
    }
    if (inactive?.status === 'closed') {
      sendNotFound(ctx.res, ctx.path);
      return;
    }
  }
  await match.endpoint.handle(ctx, state, principal, match.params);
}

function listAccounts(ctx: RequestContext, state: SandboxState, principal: Principal | undefined): void {
  const paging = parsePaging(ctx);
  if (!paging) return;
  const me = principal?.account;
  const friendlyName = ctx.query.get('FriendlyName');
  const status = ctx.query.get('Status');
  const visible = state.accounts
    .all()
    .filter((a) => me && (a.sid === me.sid || a.ownerAccountSid === me.sid))
    .filter((a) => friendlyName === null || a.friendlyName === friendlyName)
    .filter((a) => status === null || a.status === status);
  const offset = paging.page * paging.pageSize;
  const items = visible.slice(offset, offset + paging.pageSize);
  const hasMore = offset + paging.pageSize < visible.length;
  sendJson(
    ctx.res,
    200,
    pageEnvelope({
      key: 'accounts',
      items: items.map(accountJson),
      path: ctx.path,
      filters: filtersOf(ctx.query),
      page: paging.page,
      pageSize: paging.pageSize,
      pageToken: paging.pageToken ?? undefined,
      nextPageToken: hasMore ? `PA${Buffer.from(String(offset + paging.pageSize)).toString('base64url')}` : undefined,
      hasPrevious: offset > 0,
    }),
  );
}

function fetchAccount(ctx: RequestContext, state: SandboxState, _p: Principal | undefined, [sid]: string[]): void {
  const account = state.accounts.get(sid as string);
  if (!account) return sendNotFound(ctx.res, ctx.path);
  sendJson(ctx.res, 200, accountJson(account));
}

async function createKey(
  ctx: RequestContext,
  state: SandboxState,
  _p: Principal | undefined,
  [sid]: string[],
): Promise<void> {
  const form = new URLSearchParams(await readBody(ctx));
  const key = state.accounts.createKey(sid as string, form.get('FriendlyName') ?? '', Date.now());
  sendJson(ctx.res, 201, newKeyJson(key));
}

interface Paging {
  pageSize: number;
  page: number;
  pageToken: string | null;
}

/** Parses PageSize/Page; answers 400 itself and returns undefined when they are invalid. */
function parsePaging(ctx: RequestContext): Paging | undefined {
  const rawSize = ctx.query.get('PageSize');
  const rawPage = ctx.query.get('Page');
  const pageSize = rawSize === null ? DEFAULT_PAGE_SIZE : Number(rawSize);
  const page = rawPage === null ? 0 : Number(rawPage);
  // UNVERIFIED: the exact error code Twilio uses for an out-of-range PageSize.
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    sendBadRequest(ctx.res, 20001, `Invalid PageSize: must be an integer between 1 and ${MAX_PAGE_SIZE}`);
    return undefined;
  }
  if (!Number.isInteger(page) || page < 0) {
    sendBadRequest(ctx.res, 20001, 'Invalid Page: must be a non-negative integer');
    return undefined;
  }
  return { pageSize, page, pageToken: ctx.query.get('PageToken') };
}

const PAGING_PARAMS = new Set(['PageSize', 'Page', 'PageToken']);

function filtersOf(query: URLSearchParams): [string, string][] {
  return [...query.entries()].filter(([name]) => !PAGING_PARAMS.has(name));
}

type ListScope = { callSid?: string; conferenceSid?: string };

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function listRecordings(
  ctx: RequestContext,
  state: SandboxState,
  accountSid: string,
  scope: ListScope,
): Promise<void> {
  const paging = parsePaging(ctx);
  if (!paging) return;
  const { query } = ctx;

  let createdFromMs: number | undefined;
  let createdBeforeMs: number | undefined;
  // Twilio's filters are whole GMT days: `DateCreated<` means on or before that day, `DateCreated>` on or after.
  for (const [name, value] of query.entries()) {
    if (name !== 'DateCreated' && name !== 'DateCreated<' && name !== 'DateCreated>') continue;
    const day = parseFilterDay(value);
    if (day === undefined) {
      return sendBadRequest(ctx.res, 20001, `Invalid ${name}: expected a date as YYYY-MM-DD, got '${value}'`);
    }
    if (name !== 'DateCreated<') createdFromMs = Math.max(createdFromMs ?? -Infinity, day);
    if (name !== 'DateCreated>') createdBeforeMs = Math.min(createdBeforeMs ?? Infinity, day + DAY_MS);
  }

  let cursor;
  if (paging.pageToken) {
    cursor = decodePageToken(paging.pageToken);
    if (!cursor) return sendBadRequest(ctx.res, 20001, `Invalid PageToken: '${paging.pageToken}'`);
  } else if (paging.page > 0 && state.knobs().requirePageToken) {
    // Reported by users of Twilio's SDKs for large lists (twilio-ruby#494, twilio-php#507).
    return sendBadRequest(ctx.res, 70002, 'Paged requests must include a PageToken');
  }

  const isPlainList = scope.callSid === undefined && scope.conferenceSid === undefined;
  const callSid = scope.callSid ?? (isPlainList ? (query.get('CallSid') ?? undefined) : undefined);
  const conferenceSid = scope.conferenceSid ?? (isPlainList ? (query.get('ConferenceSid') ?? undefined) : undefined);
  const result = state.store.page({
    accountSid,
    callSid,
    conferenceSid,
    createdFromMs,
    createdBeforeMs,
    // The per-call and per-conference lists have no IncludeSoftDeleted parameter.
    includeDeleted: isPlainList && query.get('IncludeSoftDeleted')?.toLowerCase() === 'true',
    pageSize: paging.pageSize,
    offset: paging.page * paging.pageSize,
    cursor,
  });

  const render = scope.callSid
    ? callRecordingJson
    : scope.conferenceSid
      ? conferenceRecordingJson
      : (r: Recording) => recordingJson(r, mediaOrigin(ctx, state));
  const cost = pageCostMs(state.knobs().pageCost, result.items.length);
  if (cost > 0) await delay(cost);
  if (ctx.res.destroyed) return;
  state.counters.listedRecords += result.items.length;
  const first = result.items[0];
  const last = result.items[result.items.length - 1];
  sendJson(
    ctx.res,
    200,
    pageEnvelope({
      key: 'recordings',
      items: result.items.map(render),
      path: ctx.path,
      filters: filtersOf(query),
      page: paging.page,
      pageSize: paging.pageSize,
      pageToken: paging.pageToken ?? undefined,
      nextPageToken: result.hasMore && last ? encodePageToken({ direction: 'after', position: last }) : undefined,
      previousPageToken: first ? encodePageToken({ direction: 'before', position: first }) : undefined,
      hasPrevious: result.hasPrevious,
    }),
  );
}

/** The recording named in the URL if it belongs to that account and is visible. */
function findRecording(
  state: SandboxState,
  accountSid: string,
  sid: string,
  includeDeleted: boolean,
): Recording | undefined {
  const recording = state.store.getRecording(sid);
  if (!recording || recording.accountSid !== accountSid) return undefined;
  if (recording.status === 'deleted' && !includeDeleted) return undefined;
  return recording;
}

/** media_url points at Twilio, except for direct (no proxy) clients, who get the sandbox's own address. */
function mediaOrigin(ctx: RequestContext, state: SandboxState): string {
  return ctx.transport === 'direct' ? state.directOrigin() : 'https://api.twilio.com';
}

function fetchRecording(ctx: RequestContext, state: SandboxState, _p: Principal | undefined, [ac, re]: string[]): void {
  const includeDeleted = ctx.query.get('IncludeSoftDeleted')?.toLowerCase() === 'true';
  const recording = findRecording(state, ac as string, re as string, includeDeleted);
  if (!recording) return sendNotFound(ctx.res, ctx.path);
  sendJson(ctx.res, 200, recordingJson(recording, mediaOrigin(ctx, state)));
}

function deleteRecording(
  ctx: RequestContext,
  state: SandboxState,
  _p: Principal | undefined,
  [ac, re]: string[],
): void {
  bump(state.counters.deletesPerSid, re as string);
  const recording = findRecording(state, ac as string, re as string, false);
  if (!recording) return sendNotFound(ctx.res, ctx.path);
  const outcome = state.store.deleteRecording(recording.sid);
  if (outcome === 'not-found') return sendNotFound(ctx.res, ctx.path);
  if (outcome === 'not-deletable') {
    // UNVERIFIED: Twilio documents that only completed recordings can be deleted, not the error it answers with.
    return sendBadRequest(
      ctx.res,
      20001,
      `Recording ${recording.sid} cannot be deleted while its status is '${recording.status}': only completed recordings can be deleted`,
    );
  }
  sendEmpty(ctx.res, 204);
}

async function serveMedia(
  ctx: RequestContext,
  state: SandboxState,
  _p: Principal | undefined,
  [ac, re, ext]: string[],
): Promise<void> {
  const format: MediaFormat = ext === 'mp3' ? 'mp3' : 'wav';
  const recording = findRecording(state, ac as string, re as string, false);
  if (!recording || recording.status !== 'completed') return sendNotFound(ctx.res, ctx.path);
  // UNVERIFIED: the HTTP status of error 16109; Twilio serves encrypted recordings as WAV only.
  if (recording.encryption && format === 'mp3') {
    return sendBadRequest(ctx.res, 16109, 'Encrypted recordings can be fetched as WAV only, not as mp3');
  }
  const knobs = state.knobs();
  if (knobs.redirectMedia) {
    const origin = ctx.transport === 'direct' ? `${state.directOrigin()}/__cdn` : `https://${state.cdnHost}`;
    sendEmpty(ctx.res, 302, { Location: state.cdnSigner.link(origin, recording.accountSid, recording.sid, format) });
    return;
  }
  await streamMedia(ctx.res, recording, format, ctx.fault.truncateAt(), knobs, state.counters);
}

function readBody(ctx: RequestContext): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    ctx.req.on('data', (chunk: Buffer) => chunks.push(chunk));
    ctx.req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    ctx.req.on('error', reject);
  });
}

/** A recording's legacy transcriptions: none, or one (see transcriptionOf); the recording must exist. */
function listTranscriptions(
  ctx: RequestContext,
  state: SandboxState,
  _p: Principal | undefined,
  [ac, re]: string[],
): void {
  const recording = findRecording(state, ac as string, re as string, true);
  if (!recording) return sendNotFound(ctx.res, ctx.path);
  const status = transcriptionOf(recording);
  sendJson(
    ctx.res,
    200,
    pageEnvelope({
      key: 'transcriptions',
      items: status ? [transcriptionJson(recording, status)] : [],
      path: ctx.path,
      filters: [],
      page: 0,
      pageSize: DEFAULT_PAGE_SIZE,
      hasPrevious: false,
    }),
  );
}

function fetchTranscription(
  ctx: RequestContext,
  state: SandboxState,
  _p: Principal | undefined,
  [ac, tr]: string[],
): void {
  const recording = findRecording(state, ac as string, recordingSidOfTranscription(tr as string), true);
  const status = recording && transcriptionOf(recording);
  if (!recording || !status) return sendNotFound(ctx.res, ctx.path);
  sendJson(ctx.res, 200, transcriptionJson(recording, status));
}
