import type { DeletionLog } from '../journal/deletion-log';
import { Destination, UnlistedCopyError, type MediaSink, type StoredCopy } from '../destinations/destination';
import type { IndexReader, OpenedSink } from '../destinations/choose-destination';
import { ObjectUploadError } from '../destinations/object-store-errors';
import type { KeyRing } from '../encryption/key-ring';
import type { Recording } from '../recordings/recording';
import type { TwilioApi } from '../twilio/twilio-api';
import { Layout } from './layout';
import type { MediaFormat } from '../twilio/media-format';
import { manifestEntry, ManifestIndex } from './manifest';
import { ManifestCatalog } from './manifest-catalog';
import type { MediaDestination, SavedMedia } from './media-destination';
import { ENCRYPTED_SUFFIX, mediaTreatment, type MediaTreatment } from './media-encryption';
import { asSaveError } from './media-errors';
import { MediaSaveError } from '../errors';
import { receiveMedia, type ReceivedMedia } from './media-receiver';

const CONTENT_TYPES: Record<MediaFormat, string> = { wav: 'audio/x-wav', mp3: 'audio/mpeg' };

/** What saving recordings' media needs, whatever the destination. */
export interface RecordingMediaOptions {
  format: MediaFormat;
  /** A layout template such as `{date}/{sid}.{ext}`, or a parsed layout. */
  layout: string | Layout;
  api: Pick<TwilioApi, 'fetchMedia'>;
  now?: () => Date;
  /** Private keys that decrypt encrypted recordings; without them such media is saved as served, under `….enc`. */
  keys?: KeyRing;
  /** Refuse, with this reason, to save encrypted media that cannot be decrypted and verified (before a deletion). */
  refuseUnverifiedEncrypted?: string;
}

/**
 * Recordings' media in a destination (a folder or a bucket): where each recording goes (the
 * layout, `.enc` for ciphertext kept as served), how it is received (fetched, checked,
 * decrypted, hashed) and the manifest line that lists it, on the one destination skeleton.
 */
export class RecordingDestination implements MediaDestination {
  readonly layout: Layout;
  readonly format: MediaFormat;
  private readonly destination: Destination;
  /** A folder's manifest through its catalog (read from a checkpoint on), a bucket's read whole. */
  private readonly index: ManifestIndex | ManifestCatalog;
  private readonly now: () => Date;
  /** Whether the manifest is open for appends: only then may the catalog write a checkpoint. */
  private writable: boolean;

  private constructor(
    opened: OpenedSink<ManifestIndex | ManifestCatalog>,
    private readonly options: RecordingMediaOptions,
  ) {
    this.layout = parsedLayout(options.layout);
    this.format = options.format;
    this.index = opened.index;
    this.destination = new Destination(opened.sink, opened.index, opened.manifest);
    this.writable = opened.manifest !== undefined;
    this.now = options.now ?? (() => new Date());
  }

  /** Opens a sink for recordings' media: its manifest is read for this format. */
  /** Throws the bad-input error `open` would for the layout. */
  static checkLayout(layout: string | Layout): void {
    parsedLayout(layout);
  }

  static async open(
    openSink: (
      readIndex: IndexReader<ManifestIndex | ManifestCatalog>,
    ) => Promise<OpenedSink<ManifestIndex | ManifestCatalog>>,
    options: RecordingMediaOptions,
  ): Promise<RecordingDestination> {
    parsedLayout(options.layout);
    const opened = await openSink(async (lines, folder) => {
      if (!folder) return ManifestIndex.fromLines(lines, options.format);
      const { root, manifestPath, fs, readOnly } = folder;
      const catalog = await ManifestCatalog.open(root, manifestPath, options.format, fs, readOnly);
      if (catalog.due) await catalog.takeCheckpoint();
      return catalog;
    });
    return new RecordingDestination(opened, options);
  }

  get root(): string {
    return this.sink.root;
  }

  get manifestPath(): string {
    return this.sink.manifestPath;
  }

  private get sink(): MediaSink {
    return this.destination.sink;
  }

  listsRecording(sid: string, createdAt?: Date): boolean {
    return this.index.get(sid, createdAt) !== undefined;
  }

  holdsListings(createdAt: Date): boolean {
    return this.index instanceof ManifestCatalog ? this.index.holds(createdAt) : true;
  }

  async loadListings(createdAt: Date): Promise<void> {
    if (this.index instanceof ManifestCatalog) await this.index.load(createdAt);
  }

  async saveListings(): Promise<void> {
    if (this.writable && this.index instanceof ManifestCatalog) await this.index.takeCheckpoint();
  }

  newestListedCreation(): Date | undefined {
    return this.index.newestCreated;
  }

  plannedPath(recording: Recording): string {
    const path = this.layout.render(recording, this.format);
    // Ciphertext never stands under a name that says it is audio.
    const asServed = recording.encryption && !this.options.keys && this.options.refuseUnverifiedEncrypted === undefined;
    return asServed ? `${path}${ENCRYPTED_SUFFIX}` : path;
  }

  async presentCopy(recording: Recording): Promise<SavedMedia | undefined> {
    const path = this.plannedPath(recording);
    const present = await this.destination.present(recording.sid, path, decryptedPathOf(path), recording.dateCreated);
    return present && savedMedia(recording, present);
  }

  async save(recording: Recording, onBytes?: (bytes: number) => void): Promise<SavedMedia> {
    const path = this.plannedPath(recording);
    let treatment: MediaTreatment | undefined;
    try {
      const copy = await this.destination.save<ReceivedMedia>({
        recording,
        path,
        alsoAt: decryptedPathOf(path),
        contentType: path.endsWith(ENCRYPTED_SUFFIX) ? 'application/octet-stream' : CONTENT_TYPES[this.format],
        check: async () => {
          const { keys, refuseUnverifiedEncrypted } = this.options;
          treatment = await mediaTreatment(recording, this.format, keys, refuseUnverifiedEncrypted);
        },
        receive: (spoolFile) =>
          receiveMedia({
            api: this.options.api,
            recording,
            format: this.format,
            treatment: treatment!,
            spoolFile,
            onBytes,
          }),
        line: (file, received) => manifestEntry(recording, this.format, file, this.now(), received.encryption),
      });
      return savedMedia(recording, copy);
    } catch (error) {
      throw saveErrorOf(recording.sid, this.sink.placeOf(path), error);
    }
  }

  appendToManifest(entry: object): Promise<void> {
    return this.destination.appendToManifest(entry);
  }

  manifestLog(): DeletionLog {
    const log = this.destination.manifestLog();
    const index = this.index;
    // A catalog carries the intents still open at its checkpoint: only the lines after it are read.
    return index instanceof ManifestCatalog ? { ...log, lines: () => index.linesForReconciliation() } : log;
  }

  close(): Promise<void> {
    this.writable = false;
    return this.destination.close();
  }
}

function parsedLayout(layout: string | Layout): Layout {
  return typeof layout === 'string' ? Layout.parse(layout) : layout;
}

/** For ciphertext saved as served, the plaintext that recordings:decrypt writes beside it: a verified copy too. */
function decryptedPathOf(path: string): string | undefined {
  return path.endsWith(ENCRYPTED_SUFFIX) ? path.slice(0, -ENCRYPTED_SUFFIX.length) : undefined;
}

function savedMedia(recording: Recording, copy: StoredCopy): SavedMedia {
  return {
    sid: recording.sid,
    accountSid: recording.accountSid,
    path: copy.path,
    absolutePath: copy.location,
    bytes: copy.bytes,
    sha256: copy.sha256,
    outcome: copy.outcome,
  };
}

/** A MediaSaveError with a short reason, whatever stopped the save; `place` names where it was being written. */
function saveErrorOf(sid: string, place: string, error: unknown): MediaSaveError {
  if (error instanceof ObjectUploadError || error instanceof UnlistedCopyError) {
    return new MediaSaveError(sid, error.reason, true);
  }
  return asSaveError(sid, place, error);
}
