import type { S3Client } from '@aws-sdk/client-s3';
import { BadInputError } from '../errors';
import { printableClip } from '../text/printable';

/** How to reach the object store; everything else comes from the AWS SDK's default chains. */
export interface S3ConnectionSettings {
  /** An explicit endpoint (`--s3-endpoint`); without it AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS itself. */
  endpoint?: string;
  /** Path-style addressing (`host/bucket/key`): on by default for a custom endpoint, off for AWS. */
  forcePathStyle?: boolean;
  /** Without it, AWS_REGION, then the shared config's; `us-east-1` for a custom endpoint that names none. */
  region?: string;
  /** Tries per request, the first included, on 5xx, throttling, time-outs and dropped connections. */
  maxAttempts?: number;
  /**
   * A request whose connection carries nothing either way for this long is given up (and sent
   * again, up to `maxAttempts` tries): without it a store that stops answering holds an upload
   * forever. Idle time, not the request's whole time, so a slow upload that keeps moving is never cut.
   */
  idleTimeoutMs?: number;
  /** Static credentials instead of the default provider chain (tests against a local store). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const DEFAULT_MAX_ATTEMPTS = 4;

/**
 * The SDK's own log: without one it writes a warning to stderr when a streamed body fails,
 * which the caller already reports (and sends again) in its own words.
 */
const QUIET_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/** Overrides the idle time-out, in milliseconds: for tests of a store that stops answering. */
export const IDLE_TIMEOUT_VARIABLE = 'TWILIO_RECORDINGS_S3_IDLE_TIMEOUT_MS';
const CUSTOM_ENDPOINT_REGION = 'us-east-1';

/** The endpoint the settings and the standard variables name, checked, or undefined for AWS itself. */
export function resolveEndpoint(
  settings: S3ConnectionSettings,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const [text, source] =
    settings.endpoint !== undefined
      ? [settings.endpoint, '--s3-endpoint']
      : env.AWS_ENDPOINT_URL_S3
        ? [env.AWS_ENDPOINT_URL_S3, 'AWS_ENDPOINT_URL_S3']
        : env.AWS_ENDPOINT_URL
          ? [env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL']
          : [undefined, ''];
  if (text === undefined) return undefined;
  const problem = (what: string) =>
    new BadInputError(
      `Invalid ${source} "${printableClip(withoutUserInfo(text), 200)}": ${what}. Example: https://s3.example.com or http://127.0.0.1:9000`,
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw problem('it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem('use an http or https URL');
  // Credentials belong to the provider chain, where they are never printed.
  if (url.username || url.password) throw problem('leave credentials out of the URL');
  if (url.search || url.hash) throw problem('leave out the query and fragment');
  return url.href.replace(/\/$/, '');
}

/**
 * An S3 client with settings that work on AWS and on the common S3-compatible stores: no
 * checksum the store was not asked for (`WHEN_REQUIRED`: older and compatible stores refuse
 * aws-chunked bodies with trailing checksums), since each body carries its own Content-MD5;
 * path-style addressing for a custom endpoint; the default credential provider chain. The SDK
 * is loaded here, on first use, so commands that never name `s3://` do not pay for it.
 */
export function createS3Client(settings: S3ConnectionSettings, env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = resolveEndpoint(settings, env);
  // The SDK warns on Node 20 about its own future releases; this plugin supports the Node the Twilio CLI runs on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { S3Client: Client } = loadS3Sdk();
  const region = settings.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  return new Client({
    ...(endpoint ? { endpoint, forcePathStyle: settings.forcePathStyle ?? true } : {}),
    ...(settings.forcePathStyle !== undefined ? { forcePathStyle: settings.forcePathStyle } : {}),
    ...(region ? { region } : endpoint ? { region: CUSTOM_ENDPOINT_REGION } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    logger: QUIET_LOGGER,
    // The handler's `requestTimeout` only logs a warning unless told to throw, and counts the whole
    // request (a large part on a slow link would fail); `socketTimeout` ends a connection that went idle.
    requestHandler: { socketTimeout: idleTimeoutOf(settings, env) },
  });
}

function idleTimeoutOf(settings: S3ConnectionSettings, env: NodeJS.ProcessEnv): number {
  if (settings.idleTimeoutMs !== undefined) return settings.idleTimeoutMs;
  const fromEnv = Number(env[IDLE_TIMEOUT_VARIABLE]);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_IDLE_TIMEOUT_MS;
}

/** The URL with any `user:password@` shown as `***@`, so that a refused endpoint never prints a secret. */
function withoutUserInfo(text: string): string {
  return text.replace(/\/\/[^/?#]*@/, '//***@');
}

/** `@aws-sdk/client-s3`, loaded on first use. */
export function loadS3Sdk(): typeof import('@aws-sdk/client-s3') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
}
