import { BadInputError } from '../errors';
import { printable } from '../text/printable';
import { readRegularFile } from '../journal/input-file';
import { JsonLinesFile } from '../journal/json-lines-file';

/** One request as `listen --log` records it: enough to replay it, never a credential. */
export interface LoggedRequest {
  time: string;
  method: string;
  /** The public URL Twilio called (the one signatures are checked against). */
  url: string;
  /** Path and query as received. */
  target: string;
  headers: Record<string, string>;
  body: string;
  verdict: string;
  status: number;
}

// Credentials a proxy in front of the listener may add; replay needs none of them.
const UNLOGGED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

/** Appends one JSON line per request to a file. */
export class RequestLog {
  private constructor(
    private readonly file: JsonLinesFile,
    private readonly secrets: readonly string[],
  ) {}

  /** Opens `path` for appending; a bad-input error when it cannot be, so the listener never runs without its log. */
  static async open(path: string, secrets: readonly string[] = []): Promise<RequestLog> {
    try {
      return new RequestLog(await JsonLinesFile.open(path), secrets);
    } catch (error) {
      // Already says what is wrong with the path (a folder, a symbolic link) and what to do.
      if (error instanceof BadInputError) throw error;
      throw new BadInputError(
        `Cannot open --log file "${printable(path)}" (${(error as NodeJS.ErrnoException).code ?? String(error)}): give a file in a folder you can write to.`,
      );
    }
  }

  append(entry: LoggedRequest): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(entry.headers)) {
      if (!UNLOGGED_HEADERS.has(name.toLowerCase())) headers[this.redact(name)] = this.redact(value);
    }
    const logged = {
      ...entry,
      url: this.redact(entry.url),
      target: this.redact(entry.target),
      headers,
      body: this.redact(entry.body),
    };
    // A line that cannot be written must not take down the listener answering Twilio.
    this.file.append(logged).catch(() => undefined);
  }

  close(): Promise<void> {
    return this.file.close();
  }

  private redact(text: string): string {
    let redacted = text;
    for (const secret of this.secrets) if (secret) redacted = redacted.split(secret).join('[redacted]');
    return redacted;
  }
}

/** The most a --replay file may hold: days of callbacks, all checked in memory before any is sent. */
const MAX_REPLAY_FILE_BYTES = 256 * 1024 * 1024;

/** Which logged requests `send --replay` resends. */
export interface ReplayChoice {
  /** Also the requests taken with `listen --no-verify`, whose signatures nobody checked. */
  includeUnverified?: boolean;
}

export interface ReplayableRequests {
  requests: LoggedRequest[];
  /** Unverified requests left out because `includeUnverified` was not set. */
  unverifiedLeftOut: number;
}

/**
 * The requests of a log written by `listen --log` worth replaying, in the order they arrived: the
 * verified ones, and the unverified ones only when asked. Rejected ones never: re-signing a forged
 * request would launder it. Every line is checked before any is used, so a bad file sends nothing.
 * It is read as every input file is (see readRegularFile): a FIFO or a folder is refused unread.
 */
export async function readReplayableRequests(path: string, choice: ReplayChoice = {}): Promise<ReplayableRequests> {
  const text = (await readRegularFile(path, '--replay file', MAX_REPLAY_FILE_BYTES))!;
  const result: ReplayableRequests = { requests: [], unverifiedLeftOut: 0 };
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const entry = parseLoggedRequest(line);
    if (typeof entry === 'string') {
      throw new BadInputError(
        `Line ${index + 1} of --replay file "${printable(path)}" ${entry}: give a file written by "twilio recordings:callbacks:listen --log", or remove the line.`,
      );
    }
    if (entry.verdict === 'accepted' || (entry.verdict === 'unverified' && choice.includeUnverified)) {
      result.requests.push(entry);
    } else if (entry.verdict === 'unverified') {
      result.unverifiedLeftOut += 1;
    }
  });
  return result;
}

/** A logged request, or what is wrong with the line. */
function parseLoggedRequest(line: string): LoggedRequest | string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return 'is not JSON';
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    return `is ${entry === null ? 'null' : Array.isArray(entry) ? 'an array' : `a ${typeof entry}`}, not a logged request`;
  }
  const fields = entry as Record<string, unknown>;
  for (const name of ['method', 'target', 'body', 'verdict'] as const) {
    if (typeof fields[name] !== 'string') return `is not a logged request: it has no "${name}" text`;
  }
  if (fields.method !== 'POST' && fields.method !== 'GET')
    return 'is not a logged request: its method is not POST or GET';
  if (!(fields.target as string).startsWith('/')) return 'is not a logged request: its target is not a path';
  return entry as LoggedRequest;
}
