import type { Recording } from '../recordings/recording';
import type { Layout } from './layout';
import type { MediaFormat } from '../twilio/media-format';
import type { DeletionLog } from '../journal/deletion-log';

/** A recording's media as a destination holds it, verified. */
export interface SavedMedia {
  sid: string;
  accountSid: string;
  /** Relative to the destination's root, with forward slashes. */
  path: string;
  /** Where the copy is, as printed: a file's absolute path, or the object's `s3://` URL. */
  absolutePath: string;
  bytes: number;
  sha256: string;
  outcome: 'downloaded' | 'already-present';
}

/**
 * Where recordings' media are archived: a local folder or a place in an object store. Each
 * copy is verified before it counts as saved, and a manifest next to the copies lists the
 * copies and the deletions, so that a re-run fetches only what is missing and an interrupted
 * deletion is settled.
 */
export interface MediaDestination {
  /** The destination as printed: a folder's path, or `s3://bucket/prefix`. */
  readonly root: string;
  readonly format: MediaFormat;
  readonly layout: Layout;
  /** Where the manifest is, as printed. */
  readonly manifestPath: string;
  /** Where `recording` is (or would be) saved, relative to the root, with forward slashes. */
  plannedPath(recording: Recording): string;
  /**
   * Whether the manifest lists a copy of recording `sid`, created at `createdAt`, in this format
   * (without checking the copy). A destination that keeps only some days' listings in memory
   * answers for a day once `holdsListings` says so.
   */
  listsRecording(sid: string, createdAt?: Date): boolean;
  /** Whether `listsRecording` answers now for recordings created on `createdAt`'s day; absent when it always does. */
  holdsListings?(createdAt: Date): boolean;
  /** Brings the listings of `createdAt`'s day into memory. */
  loadListings?(createdAt: Date): Promise<void>;
  /** Records what the manifest lists so far, so that the next open reads only what follows; never fails. */
  saveListings?(): Promise<void>;
  /** When the newest recording the manifest lists was created; undefined when it lists none. */
  newestListedCreation(): Date | undefined;
  /** The saved copy of `recording` when the manifest lists it at its planned path and the copy agrees. */
  presentCopy(recording: Recording): Promise<SavedMedia | undefined>;
  /**
   * Saves the recording's media unless a complete copy is already there. Throws a
   * MediaSaveError with a short reason when it cannot.
   */
  save(recording: Recording, onBytes?: (bytes: number) => void): Promise<SavedMedia>;
  /** Appends a line (such as a deletion) to the manifest, stored durably before the promise resolves. */
  appendToManifest(entry: object): Promise<void>;
  /** The manifest as a deletion log, for settling the deletions an interrupted run left unanswered. */
  manifestLog(): DeletionLog;
  close(): Promise<void>;
}
