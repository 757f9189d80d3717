import { readFileSync } from 'node:fs';
import { BadInputError } from '../errors';
import { printable } from '../output/printable';
import { JsonLinesFile } from '../media/json-lines-file';
import { isCallbackVerdict } from './listener-report';

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

/**
 * The requests of a log written by `listen --log` that were taken as callbacks, in the order they
 * arrived; only those are worth replaying (re-signing a forged one would launder it).
 */
export function readReplayableRequests(path: string): LoggedRequest[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BadInputError(
      `Cannot read --replay file "${printable(path)}" (${(error as NodeJS.ErrnoException).code}): give a file written by "twilio recordings:callbacks:listen --log".`,
    );
  }
  const requests: LoggedRequest[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let entry: Partial<LoggedRequest>;
    try {
      entry = JSON.parse(line) as Partial<LoggedRequest>;
    } catch {
      throw new BadInputError(
        `Line ${index + 1} of --replay file "${printable(path)}" is not JSON: give a file written by "twilio recordings:callbacks:listen --log".`,
      );
    }
    if (typeof entry.method !== 'string' || typeof entry.target !== 'string' || typeof entry.body !== 'string') {
      throw new BadInputError(
        `Line ${index + 1} of --replay file "${printable(path)}" is not a logged request: give a file written by "twilio recordings:callbacks:listen --log".`,
      );
    }
    if (isCallbackVerdict(String(entry.verdict))) requests.push(entry as LoggedRequest);
  });
  return requests;
}
