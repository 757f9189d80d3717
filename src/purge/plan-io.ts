import { createHash, randomBytes, type Hash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BadInputError, TwilioApiError, messageOf } from '../errors';
import { readRegularFile } from '../journal/input-file';
import { describeBytes } from '../text/bytes';
import { printable } from '../text/printable';
import { recordingFromApi, type ApiRecording, type Recording } from '../recordings/recording';
import {
  PLAN_KIND,
  checkPlanDocument,
  plannedRecording,
  type PlanDocument,
  type PlanHeader,
  type PlannedRecording,
} from '../retention/plan-file';
import type { RecordingPage } from '../selection/select-recordings';
import { recordingPath, type TwilioApi } from '../twilio/twilio-api';

/** Takes the recordings a plan deletes (a plan file): committed once the plan is complete, abandoned otherwise. */
export interface PlanRecorder {
  add(recording: Recording, rule: string | undefined): Promise<void>;
  commit(): Promise<void>;
  abandon(): Promise<void>;
  /** The SHA-256 of the plan file, once committed. */
  sha256(): string | undefined;
  readonly description: string;
}

/**
 * The most a plan file may hold. A plan's line is about 175 bytes, so this is some 380,000
 * recordings: more than anyone reviews, and each is fetched again one by one when the plan runs
 * (hours at Twilio's pace), while the whole file is parsed in memory. A larger purge is reviewed
 * in parts, with --limit.
 */
export const MAX_PLAN_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Writes a plan file as the plan is made, one recording a line, in constant memory: into a
 * temporary file beside it, flushed and renamed into place only once complete, so that a plan
 * that stopped half-way never stands under the name someone will review.
 */
export class PlanFileWriter {
  private count = 0;
  /** SHA-256 of the bytes written, for the approver to check the file they review is the file run. */
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;

  private constructor(
    private readonly path: string,
    private readonly temporary: string,
    private readonly handle: fs.FileHandle,
  ) {}

  static async create(path: string, header: PlanHeader): Promise<PlanFileWriter> {
    const absolute = resolve(path);
    const existing = await fs.lstat(absolute).catch(() => undefined);
    if (existing && !existing.isFile()) {
      throw new BadInputError(`--plan-out ${printable(path)} is not a regular file: name a file to write the plan to.`);
    }
    const temporary = join(dirname(absolute), `.${basename(absolute)}.${randomBytes(6).toString('hex')}.tmp`);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(
        temporary,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
    } catch (error) {
      throw new BadInputError(`Cannot write the plan ${printable(path)}: ${messageOf(error)}.`);
    }
    const writer = new PlanFileWriter(absolute, temporary, handle);
    const head = JSON.stringify(header, null, 2);
    await writer.write(`${head.slice(0, -2)},\n  "recordings": [`);
    return writer;
  }

  /** A plan that --plan would refuse as too large is never written. */
  private async write(text: string): Promise<void> {
    this.bytes += Buffer.byteLength(text);
    // Room is kept for the closing lines.
    if (this.bytes > MAX_PLAN_FILE_BYTES - 16) {
      throw new BadInputError(
        `The plan would be larger than ${describeBytes(MAX_PLAN_FILE_BYTES)} (over ${this.count.toLocaleString('en-US')} recordings), the most --plan reads: make it in parts with --limit.`,
      );
    }
    this.hash.update(text, 'utf8');
    await this.handle.write(text);
  }

  async add(recording: Recording, rule: string | undefined): Promise<void> {
    const line = JSON.stringify(plannedRecording(recording, rule));
    await this.write(`${this.count === 0 ? '\n' : ',\n'}    ${line}`);
    this.count += 1;
  }

  /** Completes the file and gives it its name; returns the SHA-256 of its bytes. */
  async commit(): Promise<string> {
    await this.write(`${this.count === 0 ? '' : '\n  '}]\n}\n`);
    await this.handle.sync();
    await this.handle.close();
    await fs.rename(this.temporary, this.path);
    return this.hash.digest('hex');
  }

  /** Leaves nothing behind. */
  async abandon(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await fs.unlink(this.temporary).catch(() => undefined);
  }
}

/** A plan file as read: its document, and the SHA-256 of the very bytes it was parsed from. */
export interface ReadPlan {
  plan: PlanDocument;
  sha256: string;
}

/** Reads and checks a plan file; a missing, linked or malformed one is a bad-input error. */
export async function readPlanFile(path: string): Promise<ReadPlan> {
  const text = (await readRegularFile(resolve(path), 'plan', MAX_PLAN_FILE_BYTES))!;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${printable(path)} is not JSON (${messageOf(error)}): make a plan with --plan-out.`);
  }
  return { plan: checkPlanDocument(data, path), sha256: createHash('sha256').update(text, 'utf8').digest('hex') };
}

/** Recordings fetched at once while a plan is re-checked; the API's limiter bounds the requests. */
const FETCH_BATCH = 50;

/**
 * The recordings of a plan as they are now, page by page, each fetched from its own account
 * (soft-deleted ones included). One Twilio no longer knows at all was deleted meanwhile: it is
 * yielded with the status `deleted`, so that it counts as done and is never deleted again.
 */
export async function* planPages(api: TwilioApi, entries: readonly PlannedRecording[]): AsyncGenerator<RecordingPage> {
  for (let start = 0; start < entries.length; start += FETCH_BATCH) {
    const batch = entries.slice(start, start + FETCH_BATCH);
    const recordings = await Promise.all(batch.map((entry) => currentRecording(api, entry)));
    // Pages are per account, as the selection's are.
    let page: RecordingPage | undefined;
    for (const recording of recordings) {
      if (page && page.accountSid !== recording.accountSid) {
        yield page;
        page = undefined;
      }
      page ??= { accountSid: recording.accountSid, recordings: [] };
      page.recordings.push(recording);
    }
    if (page) yield page;
  }
}

async function currentRecording(api: TwilioApi, entry: PlannedRecording): Promise<Recording> {
  try {
    const json = await api.getJson<ApiRecording>(`${recordingPath(entry.accountSid, entry.sid)}.json`, {
      IncludeSoftDeleted: 'true',
    });
    const recording = recordingFromApi(json);
    // Only what the plan names: an answer about another recording or account is not acted on.
    if (recording.sid === entry.sid && recording.accountSid === entry.accountSid) return recording;
    return goneRecording(entry, 'unknown');
  } catch (error) {
    if (error instanceof TwilioApiError && error.httpStatus === 404) return goneRecording(entry, 'deleted');
    throw error;
  }
}

function goneRecording(entry: PlannedRecording, status: string): Recording {
  return {
    sid: entry.sid,
    accountSid: entry.accountSid,
    callSid: null,
    conferenceSid: null,
    dateCreated: new Date(entry.dateCreated),
    dateUpdated: null,
    startTime: null,
    duration: entry.duration,
    status,
    channels: null,
    source: null,
    price: null,
    priceUnit: null,
    errorCode: null,
    uri: `${recordingPath(entry.accountSid, entry.sid)}.json`,
    mediaUrl: null,
  };
}

/** A plan file as the purge's plan recorder: created now, named once the plan is complete. */
export function planFileRecorder(path: string, header: Omit<PlanHeader, 'kind' | 'version'>): PlanRecorder {
  // Created with the first line: a run refused before planning leaves no file behind.
  let writer: Promise<PlanFileWriter> | undefined;
  let sha256: string | undefined;
  const open = () => (writer ??= PlanFileWriter.create(path, { kind: PLAN_KIND, version: 1, ...header }));
  return {
    add: async (recording, rule) => (await open()).add(recording, rule),
    commit: async () => {
      sha256 = await (await open()).commit();
    },
    sha256: () => sha256,
    abandon: async () => {
      if (writer) await (await writer).abandon();
    },
    description: resolve(path),
  };
}
