import { constants, promises as fsPromises } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseEncryptionDetails } from '../encryption/encryption-details';
import { GcmDecipherStream, TagMismatchError } from '../encryption/gcm-decipher';
import { WrongKeyError, type KeyRing } from '../encryption/key-ring';
import { BadInputError, messageOf } from '../errors';
import { printable } from '../text/printable';
import { sha256OfFile } from './file-hash';
import { JsonLinesFile, readJsonLines } from '../journal/json-lines-file';
import { MANIFEST_FILE, type ManifestEntry } from './manifest';
import { MediaInspector } from './media-check';
import { ENCRYPTED_SUFFIX } from './media-encryption';
import type { MediaFileSystem } from './media-file-system';
import { MediaFolder } from './media-folder';
import { printablePath } from '../text/printable-path';
import { LocalWriteError, SpooledFile } from './spooled-file';
import { TempFiles } from './temp-files';

/** What happened to one encrypted file of the folder; `-o json` prints these. */
export interface DecryptResult {
  sid: string;
  /** The encrypted file, relative to the folder. */
  source: string;
  /** The decrypted WAV, relative to the folder. */
  path: string;
  keySid: string | null;
  outcome: 'decrypted' | 'already-decrypted' | 'failed';
  bytes: number;
  sha256: string | null;
  reason?: string;
}

export interface DecryptFolderOptions {
  root: string;
  keys: KeyRing;
  fs?: MediaFileSystem;
  now?: () => Date;
  onResult?(result: DecryptResult): void;
  /** When aborted (Ctrl-C), no new file is started. */
  stop?: AbortSignal;
}

export interface DecryptSummary {
  decrypted: number;
  alreadyDecrypted: number;
  failed: number;
  failures: Array<{ sid: string; reason: string }>;
  interrupted: boolean;
}

const FAILURES_KEPT = 10;
/** Files up to this size are decrypted in memory and written once checked; larger ones stream to disk. */
const SPOOL_MEMORY_BYTES = 512 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

type EncryptedEntry = ManifestEntry & { encryption: NonNullable<ManifestEntry['encryption']> };

/**
 * Decrypts the encrypted recordings a download saved as served (`….wav.enc`, listed in the
 * folder's manifest with their encryption details): each into a temporary file, its GCM tag and
 * WAV checks passed, flushed, then renamed to the name without `.enc` and added to the manifest.
 * A file already decrypted and intact is left alone, so a second run changes nothing. The
 * encrypted files are kept.
 */
export async function decryptFolder(options: DecryptFolderOptions): Promise<DecryptSummary> {
  const fs = options.fs ?? fsPromises;
  const now = options.now ?? (() => new Date());
  const folder = new MediaFolder(options.root, fs);
  if (!(await folder.check())) {
    throw new BadInputError(
      `Cannot use the folder "${printablePath(folder.root)}": it does not exist; give a folder that recordings:download saved into.`,
    );
  }
  const manifestPath = join(folder.root, MANIFEST_FILE);
  const { encrypted, decrypted } = await readManifest(manifestPath, fs);
  const summary: DecryptSummary = { decrypted: 0, alreadyDecrypted: 0, failed: 0, failures: [], interrupted: false };
  if (encrypted.size === 0) return summary;
  const temp = new TempFiles(folder, fs);
  await temp.removeAbandoned(() => false);
  const manifest = await JsonLinesFile.open(manifestPath, fs);
  const finish = (result: DecryptResult) => {
    if (result.outcome === 'decrypted') summary.decrypted += 1;
    else if (result.outcome === 'already-decrypted') summary.alreadyDecrypted += 1;
    else {
      summary.failed += 1;
      if (summary.failures.length < FAILURES_KEPT)
        summary.failures.push({ sid: result.sid, reason: result.reason ?? '' });
    }
    options.onResult?.(result);
  };
  try {
    for (const entry of encrypted.values()) {
      if (options.stop?.aborted) {
        summary.interrupted = true;
        break;
      }
      const path = entry.path.slice(0, -ENCRYPTED_SUFFIX.length);
      const base = { sid: entry.sid, source: entry.path, path, keySid: entry.encryption.keySid };
      const done = decrypted.get(entry.sid);
      if (done?.path === path && (await sha256OfFile(fs, folder.absolutePathOf(path))) === done.sha256) {
        finish({ ...base, outcome: 'already-decrypted', bytes: done.bytes, sha256: done.sha256 });
        continue;
      }
      try {
        const file = await decryptFile(entry, path, { folder, temp, keys: options.keys, fs });
        const line: ManifestEntry = {
          ...entry,
          path,
          bytes: file.bytes,
          sha256: file.sha256,
          encryption: { ...entry.encryption, decrypted: true, ciphertextBytes: file.ciphertextBytes },
        };
        await manifest.append({ ...line, decryptedAt: now().toISOString() });
        finish({ ...base, outcome: 'decrypted', bytes: file.bytes, sha256: file.sha256 });
      } catch (error) {
        finish({ ...base, outcome: 'failed', bytes: 0, sha256: null, reason: reasonOf(error) });
      }
    }
  } finally {
    await manifest.close();
    await temp.removeFolderIfEmpty();
  }
  return summary;
}

/** The manifest's encrypted files kept as served, and its decrypted ones, by recording (the last line wins). */
async function readManifest(
  path: string,
  fs: MediaFileSystem,
): Promise<{ encrypted: Map<string, EncryptedEntry>; decrypted: Map<string, ManifestEntry> }> {
  const encrypted = new Map<string, EncryptedEntry>();
  const decrypted = new Map<string, ManifestEntry>();
  // Lines are appended to it: one that cannot be read would stay unread among them, so it is repaired first.
  const refuse = (lineNumber: number) => {
    throw new BadInputError(
      `${printablePath(path)}:${lineNumber} is not a JSON line, so the manifest cannot be read whole and nothing is appended to it: ` +
        'repair or remove that line (one cut short by a crash can simply be deleted), then run again.',
    );
  };
  for await (const line of readJsonLines(path, fs, refuse)) {
    const entry = line as Partial<ManifestEntry> | null;
    if (entry?.event !== 'downloaded' || typeof entry.sid !== 'string' || typeof entry.path !== 'string') continue;
    if (!entry.encryption || typeof entry.encryption !== 'object') continue;
    if (entry.encryption.decrypted) decrypted.set(entry.sid, entry as ManifestEntry);
    else if (entry.path.endsWith(ENCRYPTED_SUFFIX)) encrypted.set(entry.sid, entry as EncryptedEntry);
  }
  return { encrypted, decrypted };
}

interface DecryptedFile {
  bytes: number;
  sha256: string;
  ciphertextBytes: number;
}

/** One file: decrypted to a temporary file, checked, flushed and renamed into place. */
async function decryptFile(
  entry: EncryptedEntry,
  path: string,
  context: { folder: MediaFolder; temp: TempFiles; keys: KeyRing; fs: MediaFileSystem },
): Promise<DecryptedFile> {
  const { folder, temp, keys, fs } = context;
  const encryption = parseEncryptionDetails(entry.encryption.details);
  if (!encryption) throw new Error('the manifest has no encryption details for it');
  if (!encryption.readable) throw new Error(encryption.reason);
  const { contentKey } = await keys.unwrap(encryption);
  const finalPath = folder.absolutePathOf(path);
  const source = await fs
    .open(folder.absolutePathOf(entry.path), constants.O_RDONLY | constants.O_NOFOLLOW)
    .catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read ${printablePath(entry.path)} (${error.code ?? error.message})`);
    });
  const tempPath = temp.pathFor(finalPath);
  const target = new SpooledFile(() => temp.create(tempPath), SPOOL_MEMORY_BYTES);
  try {
    if (!(await source.stat()).isFile()) throw new Error(`${printablePath(entry.path)} is not a file`);
    const inspector = new MediaInspector('wav');
    const decipher = new GcmDecipherStream(contentKey, encryption.iv);
    try {
      // Large reads: decryption and hashing run at memory speed, and fewer, larger writes reach the disk.
      await pipeline(source.createReadStream({ highWaterMark: READ_CHUNK_BYTES }), decipher, inspector, target);
    } catch (error) {
      throw error instanceof LocalWriteError ? error.cause : error;
    }
    const problem = inspector.problem();
    if (problem) throw new Error(`decrypted, but ${problem}`);
    await (await target.toFile()).sync();
    await target.close();
    await folder.ensureFolder(dirname(finalPath));
    await fs.rename(tempPath, finalPath);
    await folder.sync(dirname(finalPath));
    // The tag proves the ciphertext is the one downloaded, so the manifest's hash of it still holds.
    return { bytes: inspector.bytes, sha256: inspector.sha256(), ciphertextBytes: decipher.bytes };
  } catch (error) {
    await target.close().catch(() => undefined);
    await fs.unlink(tempPath).catch(() => undefined);
    throw error;
  } finally {
    // The read stream closes the file when it ends; this covers a failure before it started.
    await source.close().catch(() => undefined);
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof TagMismatchError) return `cannot decrypt: ${error.message}; nothing was saved`;
  if (error instanceof WrongKeyError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${messageOf(error)} (${code})` : messageOf(error);
}

/** Lines for stderr at the end of a run. */
export function decryptSummaryLines(summary: DecryptSummary, root: string): string[] {
  const lines = [
    `Decrypted ${summary.decrypted.toLocaleString('en-US')} recordings in ${printablePath(root)}; ` +
      `${summary.alreadyDecrypted.toLocaleString('en-US')} already decrypted; ${summary.failed.toLocaleString('en-US')} failed.`,
  ];
  for (const failure of summary.failures) lines.push(`Failed ${failure.sid}: ${printable(failure.reason)}`);
  if (summary.failed > summary.failures.length) {
    lines.push(
      `… and ${(summary.failed - summary.failures.length).toLocaleString('en-US')} more failures (see the results).`,
    );
  }
  if (summary.interrupted)
    lines.push('Stopped on request: no new file was started; run the same command again to go on.');
  return lines;
}
