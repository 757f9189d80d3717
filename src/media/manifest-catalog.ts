import { createHash } from 'node:crypto';
import { constants, promises as fsPromises } from 'node:fs';
import { join } from 'node:path';
import { replaceFile } from '../journal/atomic-file';
import { parseJsonLines } from '../journal/json-lines-file';
import { takeLock, type LockPolicy } from '../journal/lock-file';
import { utcDay } from '../time/durations';
import type { MediaFormat } from '../twilio/media-format';
import { TEMP_FOLDER } from '../destinations/media-folder';
import { CATALOG_FOLDER } from './layout';
import type { KnownFile, ManifestEntry } from './manifest';
import type { MediaFileSystem } from '../destinations/file-system';

// CATALOG_FOLDER, beside `manifest.jsonl`, holds what the manifest says is saved, one file per UTC
// day of the recordings' creation. It is derived from the manifest and rebuilt from it when missing
// or out of step: deleting it costs one full read of the manifest, nothing else.
const CHECKPOINT_FILE = 'checkpoint.json';
const UNDATED_FILE = 'undated.jsonl';
const DAY_FILE = /^\d{4,}-\d{2}-\d{2}\.jsonl$/;
/** The manifest's bytes just before a checkpoint, hashed: an edit or a truncation there shows. */
const DIGEST_BYTES = 4096;
/** `downloaded` lines appended after the checkpoint before the next one is taken. */
const CHECKPOINT_EVERY = 1000;
/** Days of listings kept in memory at once, the most recently used. */
const DAYS_KEPT = 3;
/** A manifest shorter than this is read whole, as quick as a checkpoint: no catalog is written for it yet. */
const SMALL_MANIFEST_BYTES = 256 * 1024;
/** Open intents a checkpoint carries at most; beyond it the next open reads the whole manifest. */
const MAX_OPEN_INTENTS = 10_000;

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const LOCK_FILE = 'lock';
/** Another process writing the catalog is not waited for: this one reads the manifest whole instead. */
const LOCK_POLICY: LockPolicy = {
  waitMs: 0,
  staleAfterMs: 10 * 60 * 1000,
  ownerlessStaleAfterMs: 10_000,
  mode: 0o600,
  heldError: () => new Error('another process is writing the manifest index'),
  nothingDone: 'The manifest index was not changed.',
};
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/** What the catalog keeps of a `downloaded` line. */
interface Listing extends KnownFile {
  sid: string;
  format: string;
}

interface Checkpoint {
  version: 1;
  /** The manifest's length the catalog covers: it ends with a newline. */
  bytes: number;
  inode: number;
  /** SHA-256 of the DIGEST_BYTES before `bytes`. */
  digest: string;
  newestCreated: number | null;
  /** Deletion intents no outcome followed, as of `bytes`, in order. */
  openIntents: Array<Record<string, unknown>>;
  /** Listed paths inside the temporary folder, which its clean-up must leave alone (only a hand-edited manifest has any). */
  tempPaths: string[];
}

/** What one stretch of the manifest's lines says. */
interface Stretch {
  byDay: Map<string, Listing[]>;
  undated: Listing[];
  newestCreated: number | undefined;
  openIntents: Map<string, Record<string, unknown>>;
  tempPaths: Set<string>;
}

/**
 * What a folder's manifest says is saved, without reading the whole manifest at each start: the
 * listings up to a checkpoint live in day files under CATALOG_FOLDER, and only the lines appended
 * since the checkpoint are read when the folder is opened. A lookup names the recording's creation,
 * so it reads at most that day's file; a few days are kept in memory. The manifest stays the
 * record: the catalog is checked against it (its length, inode and last bytes before the
 * checkpoint) and rebuilt from it whenever they disagree, as for a manifest written before it.
 */
export class ManifestCatalog {
  /** Listings from the manifest's lines after the checkpoint, and from this run's saves. */
  private readonly recent = new Map<string, KnownFile>();
  private readonly recentTempPaths = new Set<string>();
  private readonly days = new Map<string, Map<string, KnownFile>>();
  private undated = new Map<string, KnownFile>();
  private newestMs: number | undefined;
  private recentDownloads = 0;
  /** Loads and checkpoints, one after another: a day file is never read while it is appended to. */
  private work: Promise<unknown> = Promise.resolve();
  private checkpointing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly manifestPath: string,
    private readonly folder: string,
    private readonly format: MediaFormat,
    private readonly fs: MediaFileSystem,
    private readonly writable: boolean,
    private checkpoint: Checkpoint | undefined,
  ) {}

  /**
   * Reads the checkpoint and the manifest's lines after it; without a checkpoint that agrees with
   * the manifest, reads the whole manifest and (unless read-only) writes the catalog anew.
   */
  static async open(
    root: string,
    manifestPath: string,
    format: MediaFormat,
    fs: MediaFileSystem = fsPromises,
    readOnly = false,
  ): Promise<ManifestCatalog> {
    const folder = join(root, CATALOG_FOLDER);
    const checkpoint = await readCheckpoint(folder, manifestPath, fs);
    const catalog = new ManifestCatalog(manifestPath, folder, format, fs, !readOnly, checkpoint);
    if (checkpoint) {
      catalog.newestMs = checkpoint.newestCreated ?? undefined;
      catalog.undated = toFiles(await readListings(join(folder, UNDATED_FILE), fs), format);
      const { lines } = await readLinesFrom(manifestPath, checkpoint.bytes, fs);
      for (const line of lines) catalog.note(line);
      return catalog;
    }
    const size = (await fs.lstat(manifestPath).catch(() => undefined))?.size ?? 0;
    if (!readOnly && size >= SMALL_MANIFEST_BYTES) {
      try {
        await catalog.rebuild();
        return catalog;
      } catch {
        // A catalog that cannot be written (a full disk, a read-only folder) is only slower: read it all.
      }
    }
    // The whole manifest in memory, as if every line were recent (until there are enough for a checkpoint).
    const { lines } = await readLinesFrom(manifestPath, 0, fs);
    for (const line of lines) catalog.note(line);
    return catalog;
  }

  /** Whether the lines read since the checkpoint are many enough to take the next one. */
  get due(): boolean {
    return this.writable && !this.closed && this.recentDownloads >= CHECKPOINT_EVERY;
  }

  /** When the newest recording any `downloaded` line names was created; undefined for none. */
  get newestCreated(): Date | undefined {
    return this.newestMs === undefined ? undefined : new Date(this.newestMs);
  }

  /** Whether the listings of recordings created on `createdAt`'s day are in memory, so that `get` answers for them. */
  holds(createdAt: Date | undefined): boolean {
    const day = dayOf(createdAt);
    return day === undefined || !this.checkpoint || this.days.has(day);
  }

  /** Brings the listings of `createdAt`'s day into memory. */
  async load(createdAt: Date | undefined): Promise<void> {
    const day = dayOf(createdAt);
    if (day === undefined || this.holds(createdAt)) return;
    await this.serially(async () => {
      if (this.days.has(day)) return;
      const listings = await readListings(join(this.folder, `${day}.jsonl`), this.fs);
      this.days.delete(day);
      this.days.set(day, toFiles(listings, this.format));
      while (this.days.size > DAYS_KEPT) this.days.delete(this.days.keys().next().value!);
    });
  }

  /** The listed file of recording `sid`, created at `createdAt`, reading its day's listings when needed. */
  async lookUp(sid: string, createdAt: Date | undefined): Promise<KnownFile | undefined> {
    // Another lookup may let the day go between the load and the answer: load it again then.
    while (!this.holds(createdAt)) await this.load(createdAt);
    return this.get(sid, createdAt);
  }

  /**
   * The listed file of recording `sid` as far as what is in memory tells: exact for a recording
   * whose day `holds` says is in memory (or with `createdAt` unknown, for any listing in memory).
   */
  get(sid: string, createdAt?: Date): KnownFile | undefined {
    const found = this.recent.get(sid) ?? this.undated.get(sid);
    if (found) return found;
    const day = dayOf(createdAt);
    if (day !== undefined) {
      const files = this.days.get(day);
      if (files) {
        // Most recently used last.
        this.days.delete(day);
        this.days.set(day, files);
      }
      return files?.get(sid);
    }
    for (const files of this.days.values()) {
      const file = files.get(sid);
      if (file) return file;
    }
    return undefined;
  }

  /** Notes a `downloaded` line this run has just appended to the manifest. */
  add(sid: string, file: KnownFile, dateCreated?: Date): void {
    this.recent.set(sid, file);
    if (file.path.startsWith(`${TEMP_FOLDER}/`)) this.recentTempPaths.add(file.path);
    if (dateCreated) this.noteCreated(dateCreated.getTime());
    this.recentDownloads += 1;
    if (this.due) void this.takeCheckpoint();
  }

  /** Whether a line lists this path inside the temporary folder, relative to the output folder. */
  listsTempPath(path: string): boolean {
    return this.recentTempPaths.has(path) || (this.checkpoint?.tempPaths.includes(path) ?? false);
  }

  /**
   * Whether a line lists this path, relative to the output folder: known only for paths inside the
   * temporary folder, the ones its clean-up asks about.
   */
  lists(path: string): boolean {
    return this.listsTempPath(path);
  }

  /**
   * The manifest's lines a reconciliation needs: the intents still open at the checkpoint, then
   * every line after it.
   */
  async *linesForReconciliation(): AsyncGenerator<unknown> {
    const checkpoint = this.checkpoint;
    if (!checkpoint) {
      yield* (await readLinesFrom(this.manifestPath, 0, this.fs)).lines;
      return;
    }
    yield* checkpoint.openIntents;
    yield* (await readLinesFrom(this.manifestPath, checkpoint.bytes, this.fs)).lines;
  }

  /** Takes a last checkpoint, so that the next open reads only what is appended after this run. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.writable && this.recentDownloads > 0) await this.takeCheckpoint();
    else await this.checkpointing;
    this.closed = true;
  }

  /**
   * Moves the listings the manifest gained since the checkpoint into their day files and records
   * the new checkpoint. A failure changes nothing that counts: the next open reads a longer tail.
   */
  takeCheckpoint(): Promise<void> {
    this.checkpointing ??= this.serially(() => this.advance())
      .catch(() => undefined)
      .finally(() => (this.checkpointing = undefined));
    return this.checkpointing;
  }

  private async advance(): Promise<void> {
    if (!this.checkpoint) {
      const size = (await this.fs.lstat(this.manifestPath).catch(() => undefined))?.size ?? 0;
      if (size >= SMALL_MANIFEST_BYTES) await this.rebuild();
      return;
    }
    await this.underLock(async () => {
      // Another process sharing the folder may have written the catalog since: start from the earlier checkpoint.
      const onDisk = await readCheckpoint(this.folder, this.manifestPath, this.fs);
      if (!onDisk) return this.rebuildLocked();
      await this.advanceFrom(onDisk.bytes <= this.checkpoint!.bytes ? onDisk : this.checkpoint!);
    });
  }

  private async advanceFrom(checkpoint: Checkpoint): Promise<void> {
    const { lines, end } = await readLinesFrom(this.manifestPath, checkpoint.bytes, this.fs);
    const stretch = newStretch();
    for (const [sid, intent] of checkpoint.openIntents.map((line) => [line.sid as string, line] as const)) {
      stretch.openIntents.set(sid, intent);
    }
    for (const path of checkpoint.tempPaths) stretch.tempPaths.add(path);
    for (const line of lines) readInto(stretch, line);
    await this.writeListings(stretch, false);
    const next = await this.writeCheckpoint(stretch, end, checkpoint.newestCreated ?? undefined);
    // What is now in the day files leaves memory, unless this run saved it again since.
    for (const listings of stretch.byDay.values()) this.forgetRecent(listings);
    this.forgetRecent(stretch.undated);
    for (const [day, listings] of stretch.byDay) {
      const files = this.days.get(day);
      if (files) for (const listing of listings) setListing(files, listing, this.format);
    }
    for (const listing of stretch.undated) setListing(this.undated, listing, this.format);
    this.checkpoint = next;
    this.recentDownloads = this.recent.size;
  }

  /** Reads the whole manifest and writes the catalog anew. */
  private rebuild(): Promise<void> {
    return this.underLock(() => this.rebuildLocked());
  }

  private async rebuildLocked(): Promise<void> {
    // Gone first: a rebuild cut short leaves no checkpoint vouching for day files half rewritten.
    await this.fs.unlink(join(this.folder, CHECKPOINT_FILE)).catch(() => undefined);
    const { lines, end } = await readLinesFrom(this.manifestPath, 0, this.fs);
    const stretch = newStretch();
    for (const line of lines) readInto(stretch, line);
    await this.writeListings(stretch, true);
    const next = await this.writeCheckpoint(stretch, end, undefined);
    // Lines appended after `end` keep their listings in memory; the rest are read from the day files.
    for (const listings of stretch.byDay.values()) this.forgetRecent(listings);
    this.forgetRecent(stretch.undated);
    this.days.clear();
    this.undated = toFiles(stretch.undated, this.format);
    this.checkpoint = next;
    if (stretch.newestCreated !== undefined) this.noteCreated(stretch.newestCreated);
    this.recentDownloads = this.recent.size;
  }

  /**
   * Runs `task` holding the catalog's lock file, so that two processes sharing the folder never
   * write it at once. Throws when another live process holds it: the caller goes on without.
   */
  private async underLock(task: () => Promise<void>): Promise<void> {
    await this.fs.mkdir(this.folder, { recursive: true, mode: 0o700 });
    // A link in its place would have the day files written wherever it points.
    if (!(await this.fs.lstat(this.folder)).isDirectory()) throw new Error(`${this.folder} is not a folder`);
    const lock = await takeLock(join(this.folder, LOCK_FILE), LOCK_POLICY);
    try {
      await task();
    } finally {
      await lock.release();
    }
  }

  private async writeListings(stretch: Stretch, fresh: boolean): Promise<void> {
    if (fresh) {
      for (const name of await this.fs.readdir(this.folder)) {
        if (DAY_FILE.test(name) || name === UNDATED_FILE) await this.fs.unlink(join(this.folder, name));
      }
    }
    const files: Array<[string, Listing[]]> = [...stretch.byDay].map(([day, listings]) => [`${day}.jsonl`, listings]);
    if (stretch.undated.length > 0) files.push([UNDATED_FILE, stretch.undated]);
    for (const [name, listings] of files) {
      const file = await this.fs.open(join(this.folder, name), APPEND_FLAGS, 0o600);
      try {
        await file.write(listings.map((listing) => `${JSON.stringify(listing)}\n`).join(''));
        await file.sync();
      } finally {
        await file.close();
      }
    }
  }

  private async writeCheckpoint(stretch: Stretch, end: number, newestBefore: number | undefined): Promise<Checkpoint> {
    const newest = Math.max(newestBefore ?? -Infinity, stretch.newestCreated ?? -Infinity);
    const openIntents = [...stretch.openIntents.values()];
    const checkpoint: Checkpoint = {
      version: 1,
      bytes: end,
      inode: (await this.fs.stat(this.manifestPath).catch(() => ({ ino: 0 }))).ino,
      digest: await digestBefore(this.manifestPath, end, this.fs),
      newestCreated: Number.isFinite(newest) ? newest : null,
      // Too many open intents to carry: an empty manifest length makes the next open read it all.
      openIntents: openIntents.length <= MAX_OPEN_INTENTS ? openIntents : [],
      tempPaths: [...stretch.tempPaths],
    };
    if (openIntents.length > MAX_OPEN_INTENTS) return { ...checkpoint, bytes: 0 };
    await replaceFile(join(this.folder, CHECKPOINT_FILE), `${JSON.stringify(checkpoint)}\n`, 'manifest index');
    return checkpoint;
  }

  private forgetRecent(listings: Listing[]): void {
    for (const listing of listings) {
      const known = this.recent.get(listing.sid);
      if (known && known.path === listing.path && known.sha256 === listing.sha256) this.recent.delete(listing.sid);
      this.recentTempPaths.delete(listing.path);
    }
  }

  private note(line: unknown): void {
    const listing = listingOf(line);
    if (!listing) return;
    const created = createdOf(line);
    if (created !== undefined) this.noteCreated(created);
    if (listing.path.startsWith(`${TEMP_FOLDER}/`)) this.recentTempPaths.add(listing.path);
    if (listing.format === this.format) this.recent.set(listing.sid, fileOf(listing));
    this.recentDownloads += 1;
  }

  private noteCreated(ms: number): void {
    if (Number.isFinite(ms) && (this.newestMs === undefined || ms > this.newestMs)) this.newestMs = ms;
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.work.then(task, task);
    this.work = run.catch(() => undefined);
    return run;
  }
}

function newStretch(): Stretch {
  return { byDay: new Map(), undated: [], newestCreated: undefined, openIntents: new Map(), tempPaths: new Set() };
}

function readInto(stretch: Stretch, line: unknown): void {
  const entry = line as Record<string, unknown> | null;
  if (entry === null || typeof entry !== 'object') return;
  const event = entry.event;
  if (typeof entry.sid === 'string') {
    if (event === 'delete-intent') stretch.openIntents.set(entry.sid, entry);
    else if (event === 'deleted' || event === 'not-deleted') stretch.openIntents.delete(entry.sid);
  }
  const listing = listingOf(line);
  if (!listing) return;
  if (listing.path.startsWith(`${TEMP_FOLDER}/`)) stretch.tempPaths.add(listing.path);
  const created = createdOf(line);
  const day = created === undefined ? undefined : dayOf(new Date(created));
  if (created !== undefined && (stretch.newestCreated === undefined || created > stretch.newestCreated)) {
    stretch.newestCreated = created;
  }
  if (day === undefined) {
    stretch.undated.push(listing);
    return;
  }
  const listings = stretch.byDay.get(day);
  if (listings) listings.push(listing);
  else stretch.byDay.set(day, [listing]);
}

/** The listing of a `downloaded` line that names a whole file; undefined for any other line. */
function listingOf(line: unknown): Listing | undefined {
  const entry = line as Partial<ManifestEntry> | null;
  if (
    entry?.event !== 'downloaded' ||
    typeof entry.sid !== 'string' ||
    typeof entry.path !== 'string' ||
    typeof entry.format !== 'string' ||
    typeof entry.bytes !== 'number' ||
    typeof entry.sha256 !== 'string'
  ) {
    return undefined;
  }
  return { sid: entry.sid, format: entry.format, path: entry.path, bytes: entry.bytes, sha256: entry.sha256 };
}

function createdOf(line: unknown): number | undefined {
  const created = (line as Partial<ManifestEntry>).dateCreated;
  const ms = typeof created === 'string' ? Date.parse(created) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function dayOf(createdAt: Date | undefined): string | undefined {
  const ms = createdAt?.getTime();
  return ms === undefined || !Number.isFinite(ms) ? undefined : utcDay(new Date(ms));
}

function fileOf(listing: Listing): KnownFile {
  return { path: listing.path, bytes: listing.bytes, sha256: listing.sha256 };
}

function setListing(files: Map<string, KnownFile>, listing: Listing, format: MediaFormat): void {
  if (listing.format === format) files.set(listing.sid, fileOf(listing));
}

function toFiles(listings: Listing[], format: MediaFormat): Map<string, KnownFile> {
  const files = new Map<string, KnownFile>();
  for (const listing of listings) setListing(files, listing, format);
  return files;
}

/** A day file's listings; a line that does not parse, or is not a listing, is skipped. */
async function readListings(path: string, fs: MediaFileSystem): Promise<Listing[]> {
  const listings: Listing[] = [];
  for (const value of parseJsonLines(await readWhole(path, fs))) {
    const listing = listingOf({ ...(value as object), event: 'downloaded' });
    if (listing) listings.push(listing);
  }
  return listings;
}

async function readWhole(path: string, fs: MediaFileSystem): Promise<string> {
  let file: fsPromises.FileHandle;
  try {
    file = await fs.open(path, READ_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) return '';
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}

/**
 * The manifest's whole lines from byte `start` to its last newline, parsed (a line that does not
 * parse is skipped), and where they end. Nothing when the manifest does not exist.
 */
async function readLinesFrom(
  path: string,
  start: number,
  fs: MediaFileSystem,
): Promise<{ lines: unknown[]; end: number }> {
  let file: fsPromises.FileHandle;
  try {
    file = await fs.open(path, READ_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], end: 0 };
    throw error;
  }
  try {
    const { size } = await file.stat();
    const length = Math.max(0, size - start);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await file.read(buffer, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const whole = buffer.subarray(0, buffer.subarray(0, read).lastIndexOf(0x0a) + 1);
    const lines: unknown[] = [];
    for (const text of whole.toString('utf8').split('\n')) {
      if (text.trim() === '') continue;
      try {
        lines.push(JSON.parse(text));
      } catch {
        // A torn or foreign line: the lines around it still count.
      }
    }
    return { lines, end: start + whole.length };
  } finally {
    await file.close();
  }
}

async function digestBefore(path: string, end: number, fs: MediaFileSystem): Promise<string> {
  const from = Math.max(0, end - DIGEST_BYTES);
  const buffer = Buffer.alloc(end - from);
  if (buffer.length > 0) {
    const file = await fs.open(path, READ_FLAGS);
    try {
      await file.read(buffer, 0, buffer.length, from);
    } finally {
      await file.close();
    }
  }
  return createHash('sha256').update(buffer).digest('hex');
}

/** The checkpoint, when it is well formed and the manifest still agrees with it; otherwise undefined. */
async function readCheckpoint(
  folder: string,
  manifestPath: string,
  fs: MediaFileSystem,
): Promise<Checkpoint | undefined> {
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(await readWhole(join(folder, CHECKPOINT_FILE), fs)) as Checkpoint;
  } catch {
    return undefined;
  }
  if (!isCheckpoint(checkpoint)) return undefined;
  return (await agrees(checkpoint, manifestPath, fs)) ? checkpoint : undefined;
}

function isCheckpoint(value: unknown): value is Checkpoint {
  const checkpoint = value as Partial<Checkpoint> | null;
  return (
    checkpoint?.version === 1 &&
    Number.isSafeInteger(checkpoint.bytes) &&
    checkpoint.bytes! > 0 &&
    typeof checkpoint.inode === 'number' &&
    typeof checkpoint.digest === 'string' &&
    (checkpoint.newestCreated === null || Number.isFinite(checkpoint.newestCreated)) &&
    Array.isArray(checkpoint.openIntents) &&
    checkpoint.openIntents.every((line) => typeof line === 'object' && line !== null && typeof line.sid === 'string') &&
    Array.isArray(checkpoint.tempPaths) &&
    checkpoint.tempPaths.every((path) => typeof path === 'string')
  );
}

/** Whether the manifest is still the file the checkpoint was taken of, at least as long, with the same bytes before it. */
async function agrees(checkpoint: Checkpoint, manifestPath: string, fs: MediaFileSystem): Promise<boolean> {
  const stats = await fs.lstat(manifestPath).catch(() => undefined);
  if (!stats?.isFile() || stats.ino !== checkpoint.inode || stats.size < checkpoint.bytes) return false;
  const digest = await digestBefore(manifestPath, checkpoint.bytes, fs).catch(() => undefined);
  return digest === checkpoint.digest;
}
