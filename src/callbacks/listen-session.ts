import { BadInputError } from '../errors';
import { holdCheck, readHoldsFile, type HoldsLocation } from '../holds/holds-file';
import type { KeyRing } from '../encryption/key-ring';
import type { MediaDestination } from '../media/media-destination';
import { checkMediaDestination, openMediaDestination, type S3DestinationSettings } from '../media/open-destination';
import { plural } from '../text/plural';
import { printable } from '../text/printable';
import type { TwilioApi } from '../twilio/twilio-api';
import { AccountCheck } from './account-check';
import { missingAuthTokenError, type AuthToken } from './auth-token';
import { reconciliationLine } from '../journal/reconciliation';
import { CallbackArchiver } from './callback-archiver';
import { RECORDING_URL_ORIGIN } from './callback-event';
import { CallbackListener, HEALTH_PATH, type ListenerTally } from './callback-listener';
import { CatchUp, type CatchUpSettings } from './catch-up';
import { DestinationWrites, healthReply } from './listener-health';
import { formatDuration, instantBefore, parseDuration, parseInstant } from '../time/durations';
import { CallbackServer } from './callback-server';
import { CallbackForwarder } from './forwarder';
import { JsonLinesListenerReport, TextListenerReport, type ListenerReport } from './listener-report';
import { RequestLog } from './request-log';
import {
  isLoopbackHostname,
  LocalOnly,
  NgrokTunnelOpener,
  parsePublicUrl,
  UserPublicUrl,
  requireNgrok,
  type NgrokModule,
  type TunnelOpener,
} from './tunnel';
import { parseHandlerUrl } from './webhook-request';
import type { Inspector } from './inspector/inspector';
import type { MediaFormat } from '../twilio/media-format';

export const DEFAULT_CALLBACK_PATH = '/recording-status';
const SUGGESTED_EVENTS = 'in-progress completed absent';

export interface ListenOptions {
  host: string;
  port: number;
  path: string;
  /** `ngrok` opens a tunnel; a URL names one the user runs; neither: local only. */
  tunnel?: 'ngrok';
  publicUrl?: string;
  ngrokAuthToken?: string;
  /** Verifies signatures with it unless `verify` is false; also re-signs forwarded requests. */
  authToken?: AuthToken;
  verify: boolean;
  forwardTo?: string;
  /**
   * A folder or `s3://bucket/prefix` (with `s3`'s settings). `keys` decrypt encrypted recordings
   * on arrival; without them such media is saved as served (never deleted).
   */
  download?: { dir: string; format: MediaFormat; layout: string; keys?: KeyRing; s3?: S3DestinationSettings };
  /** Deletes each downloaded recording from Twilio once its file is verified; needs `download`. */
  deleteAfterDownload: boolean;
  /** The legal holds file: a held recording is downloaded but never deleted. */
  holds?: HoldsLocation;
  logFile?: string;
  output: 'text' | 'json' | 'none';
  /** Serves the inspector page on 127.0.0.1 at this port (0 for any free one). */
  inspect?: { port: number };
  /** Scans for recordings whose callbacks never arrived, at start and then every interval; needs `download`. */
  catchUp?: ListenCatchUp;
}

/** The catch-up's settings; it deletes when the listener does. */
export type ListenCatchUp = Omit<CatchUpSettings, 'deleting'>;

/** The catch-up flags as typed. */
export interface CatchUpInput {
  interval: string;
  settle: string;
  since: string;
  subaccounts: boolean;
}

/** Reads the catch-up flags against `now`; throws a bad-input error naming the flag. */
export function catchUpSettingsFrom(input: CatchUpInput, now: Date): ListenCatchUp {
  const intervalMs = parseDuration(input.interval, '--catch-up');
  if (intervalMs < 1000) {
    throw new BadInputError(`Invalid --catch-up "${input.interval}": scan at most once a second, for example 10m.`);
  }
  const settleMs = parseDuration(input.settle, '--settle');
  const since = /^\d{4}-/.test(input.since.trim())
    ? parseInstant(input.since, '--catch-up-since')
    : instantBefore(now, parseDuration(input.since, '--catch-up-since'), '--catch-up-since', input.since);
  return { intervalMs, settleMs, since, includeSubaccounts: input.subaccounts };
}

export interface ListenDependencies {
  api: TwilioApi;
  /** Writes one line to stdout. */
  writeLine(line: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  stopRequested: Promise<void>;
  /** Calls `run` whenever the user asks for a catch-up at once (SIGHUP). */
  onCatchUpRequested?: (run: () => void) => void;
  clock?: () => Date;
  loadNgrok?: () => NgrokModule;
}

/** Checks the options that can be wrong before anything starts; throws a bad-input error naming the flag. */
function checkListenOptions(options: ListenOptions): void {
  parsePort(String(options.port));
  if (!/^\/[A-Za-z0-9\-._~/%!$&'()*+,;=:@]*$/.test(options.path)) {
    throw new BadInputError(
      `Invalid --path "${printable(options.path)}": use a path that starts with /, without query or fragment, e.g. ${DEFAULT_CALLBACK_PATH}.`,
    );
  }
  if (options.tunnel && options.publicUrl) {
    throw new BadInputError('Give either --tunnel ngrok or --public-url, not both.');
  }
  if (options.publicUrl) parsePublicUrl(options.publicUrl);
  if (options.forwardTo) parseHandlerUrl(options.forwardTo, '--forward-to');
  if (options.verify && !options.authToken) {
    throw missingAuthTokenError('Verifying X-Twilio-Signature', 'verify', 'turn verification off with --no-verify');
  }
  if (options.path === HEALTH_PATH) {
    throw new BadInputError(
      `Invalid --path "${HEALTH_PATH}": the listener answers health checks there; pick another path.`,
    );
  }
  if (options.catchUp && !options.download) {
    throw new BadInputError('--catch-up saves the recordings whose callbacks were lost: add --download-dir DIR.');
  }
  if (options.deleteAfterDownload && !options.download) {
    throw new BadInputError('--delete-after-download deletes what it has downloaded: add --download-dir DIR.');
  }
  if (options.deleteAfterDownload && !options.verify) {
    throw new BadInputError(
      '--delete-after-download needs signature verification: without it anyone who reaches the listener could have recordings deleted. Drop --no-verify.',
    );
  }
}

/** Reads --port: a whole number from 0 (any free port) to 65535. */
export function parsePort(text: string): number {
  const port = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || port > 65_535) {
    throw new BadInputError(
      `Invalid --port "${printable(text)}": use a whole number from 1 to 65535, or 0 for any free port.`,
    );
  }
  return port;
}

/**
 * Runs the callback listener until the user stops it: opens what the options ask for, prints where
 * to point Twilio, reports each request, then drains and returns the tally.
 */
export async function listenForCallbacks(options: ListenOptions, deps: ListenDependencies): Promise<ListenerTally> {
  checkListenOptions(options);
  const forwardUrl = options.forwardTo ? parseHandlerUrl(options.forwardTo, '--forward-to') : undefined;
  const tunnel = tunnelFor(options, deps);
  tunnel.prepare?.();
  await CallbackServer.checkAddress(options.host, options.port);
  // Loaded only with --inspect: listen without it starts as fast as before.
  const inspectorModule = options.inspect ? await import('./inspector/inspector') : undefined;
  if (options.inspect) await inspectorModule?.Inspector.checkPort(options.inspect.port);
  const download = options.download
    ? {
        format: options.download.format,
        layout: options.download.layout,
        api: deps.api,
        keys: options.download.keys,
        s3: options.download.s3,
        // A copy that cannot be verified is no reason to delete.
        refuseUnverifiedEncrypted:
          options.deleteAfterDownload && !options.download.keys
            ? 'encrypted, and without --decrypt-key its copy cannot be verified: kept on Twilio (give --decrypt-key, or leave out --delete-after-download to save it as served)'
            : undefined,
      }
    : undefined;
  // Every path is checked before any file is created, so that a refused folder leaves no empty log behind.
  if (download) await checkMediaDestination(options.download!.dir, download);
  // A holds file that is named but missing or invalid stops the listener before it deletes anything.
  if (options.deleteAfterDownload && options.holds) await readHoldsFile(options.holds);
  const holdOf = options.deleteAfterDownload && options.holds ? holdCheck(options.holds) : undefined;
  const token = options.authToken?.token;
  const log = options.logFile ? await RequestLog.open(options.logFile, token ? [token] : []) : undefined;
  let store: MediaDestination | undefined;
  let listener: CallbackListener;
  let archiver: CallbackArchiver | undefined;
  let forwarder: CallbackForwarder | undefined;
  const clock = deps.clock ?? (() => new Date());
  const startedAt = clock();
  const writes = new DestinationWrites();
  let catchUp: CatchUp | undefined;
  let stopping = false;
  try {
    store = download ? await openMediaDestination(options.download!.dir, download) : undefined;
    archiver = store
      ? new CallbackArchiver(deps.api, store, options.deleteAfterDownload, undefined, holdOf)
      : undefined;
    const settled = await archiver?.prepare(deps.api.limiter.max);
    if (settled) deps.info(reconciliationLine(settled));
    listener = await CallbackListener.start({
      host: options.host,
      port: options.port,
      path: options.path,
      authToken: options.verify ? token : undefined,
      accounts: new AccountCheck(deps.api),
      recordingUrlOrigins: [...new Set([RECORDING_URL_ORIGIN, new URL(deps.api.baseUrl).origin])],
      tunnel,
      report: reportFor(options.output, deps.writeLine),
      forwarder: (forwarder = forwardUrl
        ? new CallbackForwarder(forwardUrl, options.verify ? token : undefined)
        : undefined),
      archiver,
      log,
      clock,
      onArchived: (result) => writes.note(result),
      health: () =>
        healthReply({
          startedAt,
          clock,
          tally: () => listener.tally,
          lastCallbackAt: () => listener.lastCallbackAt,
          stopping: () => stopping,
          catchUp: catchUp && {
            scanning: () => catchUp!.scanning,
            last: () => catchUp!.last,
          },
          destination: store && { writable: () => writes.writable() },
        }),
    });
  } catch (error) {
    await store?.close();
    await log?.close();
    throw error;
  }
  // These lines quote flags and the tunnel's URL: each stays one line, whatever they hold.
  const info = (line: string) => deps.info(printable(line));
  let inspector: Inspector | undefined;
  if (inspectorModule && options.inspect) {
    try {
      inspector = await startInspector(inspectorModule, options.inspect.port, listener, options, {
        forwardUrl,
        forwarder,
        token,
        accountSid: deps.api.accountSid,
      });
    } catch (error) {
      await listener.stop();
      await store?.close();
      throw error;
    }
    listener.observe(inspector);
  }
  if (options.catchUp && store) {
    const report = reportFor(options.output, deps.writeLine);
    catchUp = new CatchUp(
      { ...options.catchUp, deleting: options.deleteAfterDownload },
      {
        api: deps.api,
        destination: store,
        archive: (accountSid, recordingSid) => listener.archive(accountSid, recordingSid, 'catch-up'),
        report: (run) => report.catchUp(run),
        clock,
        concurrency: deps.api.limiter.max,
      },
    );
  }
  for (const line of introduction(listener, options, forwardUrl, deps.api.accountSid, inspector?.url)) info(line);
  for (const line of warnings(options)) deps.warn(printable(line));
  if (catchUp) {
    const scans = catchUp;
    scans.start();
    deps.onCatchUpRequested?.(() => void scans.runNow());
  }
  await deps.stopRequested;
  stopping = true;
  info('Stopping: closing the tunnel and finishing the requests and downloads under way…');
  await catchUp?.stop();
  const tally = await listener.stop();
  await inspector?.close();
  await store?.close();
  info(summaryLine(tally));
  return tally;
}

/** Serves the --inspect page for a running listener: what it shows of the session, and what it may send. */
async function startInspector(
  module: typeof import('./inspector/inspector'),
  port: number,
  listener: CallbackListener,
  options: ListenOptions,
  relay: { forwardUrl?: string; forwarder?: CallbackForwarder; token?: string; accountSid: string },
): Promise<Inspector> {
  return module.Inspector.start({
    port,
    session: {
      callbackUrl: listener.callbackUrl,
      localUrl: listener.localUrl,
      twiml: twimlFor(listener.callbackUrl),
      verification:
        options.verify && options.authToken
          ? `X-Twilio-Signature verified with ${options.authToken.source}`
          : 'off (--no-verify): every request is taken as a callback',
      forwardTo: relay.forwardUrl ?? null,
      downloadDir: options.download?.dir ?? null,
    },
    tally: () => ({ ...listener.tally }),
    accountSid: relay.accountSid,
    authToken: relay.token,
    forwarder: relay.forwarder,
  });
}

function tunnelFor(options: ListenOptions, deps: ListenDependencies): TunnelOpener {
  if (options.tunnel === 'ngrok') return new NgrokTunnelOpener(options.ngrokAuthToken, deps.loadNgrok ?? requireNgrok);
  if (options.publicUrl) return new UserPublicUrl(options.publicUrl);
  return new LocalOnly();
}

function reportFor(output: ListenOptions['output'], writeLine: (line: string) => void): ListenerReport {
  if (output === 'json') return new JsonLinesListenerReport(writeLine);
  if (output === 'none') return new TextListenerReport(() => undefined);
  return new TextListenerReport(writeLine);
}

/** What to tell the user once the listener runs: where it is, the URL for Twilio, and how to use it. */
function introduction(
  listener: CallbackListener,
  options: ListenOptions,
  forwardUrl: string | undefined,
  accountSid: string,
  inspectorUrl: string | undefined,
): string[] {
  const url = listener.callbackUrl;
  const localOnly = listener.localOnly;
  const lines = [
    `Listening on ${listener.localUrl}${localOnly ? ' (local only: Twilio cannot reach it; add --tunnel ngrok or --public-url URL)' : ''}`,
    `Callback URL${localOnly ? '' : ` (${listener.tunnelDescription})`}: ${url}`,
  ];
  if (options.verify && options.authToken)
    lines.push(
      `Verifying X-Twilio-Signature with ${options.authToken.source}, for account ${accountSid} and its subaccounts.`,
    );
  if (forwardUrl) {
    lines.push(
      options.verify
        ? `Forwarding each verified callback, re-signed, to ${forwardUrl}`
        : `Forwarding each callback, unsigned, to ${forwardUrl}`,
    );
  }
  if (options.download) {
    lines.push(
      `Downloading completed recordings to ${options.download.dir}${options.deleteAfterDownload ? ', then deleting them from Twilio' : ''}`,
    );
  }
  if (options.catchUp) {
    lines.push(
      `Catching up every ${formatDuration(options.catchUp.intervalMs)} on completed recordings the archive lacks, ${formatDuration(options.catchUp.settleMs)} after they complete${options.catchUp.includeSubaccounts ? ', in the account and its subaccounts' : ''}`,
    );
  }
  lines.push(`Health checks: ${new URL(HEALTH_PATH, listener.localUrl).href}`);
  if (options.logFile) lines.push(`Logging every request to ${options.logFile}`);
  lines.push(
    'Point Twilio at it with TwiML:',
    `  ${twimlFor(url)}`,
    'or with the API parameters:',
    `  RecordingStatusCallback=${url}  RecordingStatusCallbackEvent=${SUGGESTED_EVENTS}`,
  );
  if (inspectorUrl) {
    lines.push(`Inspector (anyone with this URL can see every request and send signed ones): ${inspectorUrl}`);
  }
  lines.push('Press Ctrl-C to stop.');
  return lines;
}

function warnings(options: ListenOptions): string[] {
  const lines: string[] = [];
  if (!options.verify)
    lines.push(
      'Signature verification is off (--no-verify): any request that reaches the listener is taken as a callback.',
    );
  if (!options.verify && options.forwardTo) {
    lines.push(
      'Unverified requests are forwarded without X-Twilio-Signature (marked X-Unverified-Callback): a handler that validates signatures refuses them.',
    );
  }
  if (!isLoopbackHostname(options.host))
    lines.push(`Listening on ${options.host}, not only on this machine: anyone who can reach it can send requests.`);
  return lines;
}

/** The line printed when the listener stops. */
function summaryLine(tally: ListenerTally): string {
  const parts = [`${tally.verified} verified`];
  if (tally.unverified > 0) parts.push(`${tally.unverified} unverified`);
  parts.push(`${tally.rejected} rejected`);
  if (tally.ignored > 0) parts.push(`${tally.ignored} ignored`);
  parts.push(`${tally.forwarded} forwarded${tally.forwardFailed > 0 ? ` (${tally.forwardFailed} failed)` : ''}`);
  parts.push(`${tally.downloaded} downloaded${tally.downloadFailed > 0 ? ` (${tally.downloadFailed} failed)` : ''}`);
  parts.push(`${tally.deleted} deleted`);
  return `Received ${plural(tally.received, 'request')}: ${parts.join(', ')}.`;
}

/** Ready-to-paste TwiML that sends a call's recording status callbacks to `url`. */
function twimlFor(url: string): string {
  return `<Dial record="record-from-answer" recordingStatusCallback="${escapeXml(url)}" recordingStatusCallbackEvent="${SUGGESTED_EVENTS}">…</Dial>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
