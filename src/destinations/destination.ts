import type { DeletionLog } from '../journal/deletion-log';
import type { Recording } from '../recordings/recording';
import { SavesUnderWay } from './saves-under-way';
import type { SpooledFile, SpoolFile } from './spooled-file';

/** A copy as a manifest lists it: where it is under the destination's root, its size and SHA-256. */
export interface StoredFile {
  /** Relative to the root, with forward slashes. */
  path: string;
  bytes: number;
  sha256: string;
}

/** What the manifests say is stored, by recording; the media side reads it from the manifest's lines. */
export interface StoredIndex {
  get(sid: string): StoredFile | undefined;
  /**
   * The listed file of recording `sid`, created at `createdAt`, when the index keeps only some of
   * its listings in memory and reads the others when asked; absent when `get` always answers.
   */
  lookUp?(sid: string, createdAt: Date | undefined): Promise<StoredFile | undefined>;
  add(sid: string, file: StoredFile, dateCreated?: Date): void;
  /** Whether any line names this path, whatever the recording or format. */
  lists(path: string): boolean;
  /** Called once the manifest's lines are all written and it is let go of (not for a read-only destination). */
  close?(): Promise<void>;
}

/** Bytes received, checked and hashed into a spool the sink gave, waiting to be committed. */
export interface ReceivedBody {
  spool: SpooledFile;
  spoolFile: SpoolFile;
  bytes: number;
  sha256: string;
  /** Closes the spool and removes its file. */
  discard(): Promise<void>;
}

/** A copy the destination holds, verified. */
export interface StoredCopy extends StoredFile {
  /** Where the copy is, as printed: a file's absolute path, or the object's `s3://` URL. */
  location: string;
  outcome: 'downloaded' | 'already-present';
}

/** Appends lines to a manifest, each stored durably before its promise resolves. */
export interface ManifestWriter {
  append(entry: object): Promise<void>;
  /** Waits for the lines appended so far, then lets go of the manifest. */
  close(): Promise<void>;
}

/** One recording's copy to save: what the caller knows of it, and how its bytes are received. */
export interface CopyRequest<Received extends ReceivedBody> {
  recording: Recording;
  /** Where the copy goes under the root. */
  path: string;
  /** Another path under which a listed copy also counts (plaintext decrypted since from the copy at `path`). */
  alsoAt?: string;
  /** The copy's content type, for a store that keeps one. */
  contentType: string;
  /** Refuses, before anything is written, what cannot be saved. */
  check(): Promise<void>;
  /** Receives the bytes into a spool file the sink gives (a new one for each try). */
  receive(spoolFile: () => SpoolFile): Promise<Received>;
  /** The manifest line that lists the committed copy. */
  line(file: StoredFile, received: Received): object;
}

/**
 * Where a destination's bytes go: a folder or a bucket. The two differ only in how a received
 * body is committed and how a listed copy is checked; the skeleton does the rest.
 */
export interface MediaSink {
  /** The destination as printed: a folder's path, or `s3://bucket/prefix/`. */
  readonly root: string;
  /** Where the manifest is, as printed. */
  readonly manifestPath: string;
  /**
   * Whether recordings:decrypt writes plaintext beside the ciphertext copies kept as served (a
   * folder): then a listed plaintext copy stands for the ciphertext one.
   */
  readonly decryptedInPlace: boolean;
  /** Where the copy at `path` is, as printed. */
  locationOf(path: string): string;
  /** Whether the copy the manifest lists is there, complete and with its size and SHA-256. */
  holds(file: StoredFile): Promise<boolean>;
  /** Makes the place for `path` ready before its bytes arrive (a folder's subfolders). */
  prepare(path: string): Promise<void>;
  /** A new spool file for a body on its way to `path`. */
  spoolFile(recording: Recording, path: string): SpoolFile;
  /** Commits a received body under `path`, verified, durably: once this resolves, the copy is there. */
  commit(body: ReceivedBody, path: string, request: CopyRequest<ReceivedBody>): Promise<void>;
  /** The error for a committed copy whose manifest line could not be written, if it differs from what was thrown. */
  unlisted?(error: unknown): Error;
  /** How a failure while saving to `path` names the place it wrote to. */
  placeOf(path: string): string;
  /** Every line of the manifests, oldest first. */
  manifestLines(): AsyncIterable<unknown>;
  close(): Promise<void>;
}

/** A copy stored, but whose manifest line was not: it counts as not saved, and a re-run stores it again. */
export class UnlistedCopyError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * The one media destination skeleton: each copy saved once however often it is asked for at
 * once, an already-present copy found from the manifest and checked by the sink, otherwise the
 * bytes received into the sink's spool, committed and verified by the sink, then listed in the
 * manifest before the copy counts as saved. Appends of other lines (deletions) go to the same
 * manifest.
 */
export class Destination {
  private readonly saving = new SavesUnderWay<StoredCopy>();

  constructor(
    readonly sink: MediaSink,
    readonly index: StoredIndex,
    /** Undefined for a read-only destination (a dry run): then `save` and appends are refused. */
    private manifest: ManifestWriter | undefined,
  ) {}

  /**
   * The copy of recording `sid` when the manifest lists it at `path` (or `alsoAt`) and the sink
   * holds it as listed; `createdAt`, the recording's creation, lets an index read only that day.
   */
  async present(sid: string, path: string, alsoAt?: string, createdAt?: Date): Promise<StoredCopy | undefined> {
    const known = this.index.lookUp ? await this.index.lookUp(sid, createdAt) : this.index.get(sid);
    const decrypted = alsoAt !== undefined && this.sink.decryptedInPlace && known?.path === alsoAt;
    if (!known || (known.path !== path && !decrypted)) return undefined;
    if (!(await this.sink.holds(known))) return undefined;
    return this.copy(known, 'already-present');
  }

  /** Saves the copy unless it is already present; what a failure throws is the sink's or the request's own error. */
  save<Received extends ReceivedBody>(request: CopyRequest<Received>): Promise<StoredCopy> {
    if (!this.manifest) return Promise.reject(new Error('This destination is read-only or closed.'));
    return this.saving.once(request.recording.sid, () => this.saveOnce(request));
  }

  appendToManifest(entry: object): Promise<void> {
    if (!this.manifest) return Promise.reject(new Error('This destination is read-only or closed.'));
    return this.manifest.append(entry);
  }

  /** The manifest as a deletion log: its lines, and appends that go where `appendToManifest` puts them. */
  manifestLog(): DeletionLog {
    const path = this.sink.manifestPath;
    return {
      path,
      lines: () => this.sink.manifestLines(),
      openWriter: async () => ({ path, append: (line) => this.appendToManifest(line), close: async () => undefined }),
    };
  }

  async close(): Promise<void> {
    await this.saving.settled();
    const manifest = this.manifest;
    this.manifest = undefined;
    if (manifest) {
      await manifest.close();
      await this.index.close?.();
    }
    await this.sink.close();
  }

  private async saveOnce<Received extends ReceivedBody>(request: CopyRequest<Received>): Promise<StoredCopy> {
    const { recording, path } = request;
    const present = await this.present(recording.sid, path, request.alsoAt, recording.dateCreated);
    if (present) return present;
    await request.check();
    await this.sink.prepare(path);
    const received = await request.receive(() => this.sink.spoolFile(recording, path));
    const file = { path, bytes: received.bytes, sha256: received.sha256 };
    await this.sink.commit(received, path, request);
    try {
      await this.manifest!.append(request.line(file, received));
    } catch (error) {
      throw this.sink.unlisted?.(error) ?? error;
    }
    this.index.add(recording.sid, file, recording.dateCreated);
    return this.copy(file, 'downloaded');
  }

  private copy(file: StoredFile, outcome: StoredCopy['outcome']): StoredCopy {
    const { path, bytes, sha256 } = file;
    return { path, bytes, sha256, location: this.sink.locationOf(path), outcome };
  }
}
