import { promises as fsPromises } from 'node:fs';
import type { Recording } from '../recordings/recording';
import { readJsonLines } from '../journal/json-lines-file';
import type { MediaFileSystem } from './media-file-system';
import type { ManifestEncryption } from './media-encryption';
import type { MediaFormat } from '../twilio/media-format';

export const MANIFEST_FILE = 'manifest.jsonl';

/** One saved recording as the manifest records it. */
export interface ManifestEntry {
  event: 'downloaded';
  sid: string;
  accountSid: string;
  callSid: string | null;
  conferenceSid: string | null;
  dateCreated: string;
  /** Seconds. */
  duration: number;
  channels: number | null;
  source: string | null;
  status: string;
  format: MediaFormat;
  /** Relative to the output folder, with forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
  downloadedAt: string;
  /** For an encrypted recording: its key, its ciphertext's size and hash, and whether the file is decrypted. */
  encryption?: ManifestEncryption;
}

/** A file the manifest says is complete. */
export interface KnownFile {
  /** Relative to the output folder, with forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
}

export function manifestEntry(
  recording: Recording,
  format: MediaFormat,
  file: KnownFile,
  downloadedAt: Date,
  encryption?: ManifestEncryption,
): ManifestEntry {
  return {
    event: 'downloaded',
    sid: recording.sid,
    accountSid: recording.accountSid,
    callSid: recording.callSid,
    conferenceSid: recording.conferenceSid,
    dateCreated: recording.dateCreated.toISOString(),
    duration: recording.duration,
    channels: recording.channels,
    source: recording.source,
    status: recording.status,
    format,
    path: file.path,
    bytes: file.bytes,
    sha256: file.sha256,
    downloadedAt: downloadedAt.toISOString(),
    ...(encryption ? { encryption } : {}),
  };
}

/**
 * What a manifest says is saved: the files of one format by recording, and every path any of
 * its lines names (whatever the format), which no clean-up may remove.
 */
export class ManifestIndex {
  private readonly files = new Map<string, KnownFile>();
  private readonly paths = new Set<string>();
  private newestMs: number | undefined;

  private constructor(private readonly format: MediaFormat) {}

  static load(path: string, format: MediaFormat, fs: MediaFileSystem = fsPromises): Promise<ManifestIndex> {
    return ManifestIndex.fromLines(readJsonLines(path, fs), format);
  }

  /** The index of a manifest's lines, wherever they are kept (a file, or a bucket's manifest objects). */
  static async fromLines(lines: AsyncIterable<unknown>, format: MediaFormat): Promise<ManifestIndex> {
    const index = new ManifestIndex(format);
    for await (const line of lines) index.read(line as Partial<ManifestEntry> | null);
    return index;
  }

  get(sid: string): KnownFile | undefined {
    return this.files.get(sid);
  }

  add(sid: string, file: KnownFile, dateCreated?: Date): void {
    this.files.set(sid, file);
    this.paths.add(file.path);
    if (dateCreated) this.noteCreated(dateCreated.getTime());
  }

  /** Whether a copy of recording `sid` in this index's format is listed. */
  has(sid: string): boolean {
    return this.files.has(sid);
  }

  /** When the most recently created recording any downloaded line names was created; undefined for none. */
  get newestCreated(): Date | undefined {
    return this.newestMs === undefined ? undefined : new Date(this.newestMs);
  }

  private noteCreated(ms: number): void {
    if (Number.isFinite(ms) && (this.newestMs === undefined || ms > this.newestMs)) this.newestMs = ms;
  }

  /** Whether any line names this path, relative to the output folder with forward slashes. */
  lists(path: string): boolean {
    return this.paths.has(path);
  }

  private read(entry: Partial<ManifestEntry> | null): void {
    if (entry?.event !== 'downloaded' || typeof entry.path !== 'string') return;
    this.paths.add(entry.path);
    if (typeof entry.dateCreated === 'string') this.noteCreated(Date.parse(entry.dateCreated));
    if (
      entry.format === this.format &&
      typeof entry.sid === 'string' &&
      typeof entry.bytes === 'number' &&
      typeof entry.sha256 === 'string'
    ) {
      this.files.set(entry.sid, { path: entry.path, bytes: entry.bytes, sha256: entry.sha256 });
    }
  }
}
