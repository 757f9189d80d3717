import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { BadInputError } from '../errors';

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
  private readonly stream: WriteStream;

  constructor(
    readonly path: string,
    private readonly secrets: readonly string[] = [],
  ) {
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', () => undefined);
  }

  append(entry: LoggedRequest): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(entry.headers)) {
      if (!UNLOGGED_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    let line = JSON.stringify({ ...entry, headers });
    for (const secret of this.secrets) if (secret) line = line.split(secret).join('[redacted]');
    this.stream.write(`${line}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}

/** Verdicts of requests that really were callbacks, the only ones worth replaying (re-signing a forged one would launder it). */
const REPLAYABLE_VERDICTS = new Set(['accepted', 'unverified']);

/** The replayable requests of a log written by `listen --log`, in the order they arrived. */
export function readReplayableRequests(path: string): LoggedRequest[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BadInputError(
      `Cannot read --replay file "${path}" (${(error as NodeJS.ErrnoException).code}): give a file written by "twilio recordings:callbacks:listen --log".`,
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
        `Line ${index + 1} of --replay file "${path}" is not JSON: give a file written by "twilio recordings:callbacks:listen --log".`,
      );
    }
    if (typeof entry.method !== 'string' || typeof entry.target !== 'string' || typeof entry.body !== 'string') {
      throw new BadInputError(
        `Line ${index + 1} of --replay file "${path}" is not a logged request: give a file written by "twilio recordings:callbacks:listen --log".`,
      );
    }
    if (REPLAYABLE_VERDICTS.has(String(entry.verdict))) requests.push(entry as LoggedRequest);
  });
  return requests;
}
