import { printable } from '../text/printable';
import { constants, promises as fsPromises } from 'node:fs';
import { createInterface } from 'node:readline';
import { BadInputError } from '../errors';

// O_NOFOLLOW: a symbolic link at the path is refused rather than written through.
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;
// O_NONBLOCK: opening a FIFO must not wait for a writer; it is then refused as not a regular file.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A path given for a file this plugin appends to that is not (or would not be) a regular file. */
export class UnusableFileError extends BadInputError {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      path.trim() === ''
        ? 'A file path is empty: give the path of a regular file.'
        : `Cannot use "${printable(path)}": ${reason}; give the path of a regular file instead.`,
    );
  }
}

/** The file-system calls this module makes; `fs.promises` by default, a variant in tests that inject failures. */
type FileSystem = Pick<typeof fsPromises, 'open' | 'lstat'>;

interface PendingLine {
  text: string;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * An append-only JSON-lines file whose appends resolve once the line is on disk. Lines that
 * arrive during a flush are written and flushed together (one fsync for many), each batch in
 * one write so that with O_APPEND lines land whole even beside another writer.
 *
 * Nothing already in the file is ever changed: when it does not end with a newline (a line
 * cut short by a crash, or a user's file), the first append starts with one, so that line
 * stays intact on its own and readers skip it.
 */
export class JsonLinesFile {
  private readonly queue: PendingLine[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly file: fsPromises.FileHandle,
    private needsNewline: boolean,
  ) {}

  /**
   * Opens `path` for appending, creating it (0600) when missing. Throws an UnusableFileError
   * when the path is empty or names anything but a regular file (a folder, a symbolic link,
   * a FIFO, a device).
   */
  static async open(path: string, fs: FileSystem = fsPromises): Promise<JsonLinesFile> {
    await JsonLinesFile.check(path, fs);
    const file = await fs.open(path, APPEND_FLAGS, 0o600).catch((error: NodeJS.ErrnoException) => {
      throw unusable(path, error) ?? error;
    });
    try {
      const stats = await file.stat();
      // The check above raced with someone replacing the file: refuse what is there now.
      if (!stats.isFile()) throw new UnusableFileError(path, describeNonFile(stats));
      return new JsonLinesFile(path, file, stats.size > 0 && !(await endsWithNewline(file, stats.size)));
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Throws the UnusableFileError `open` would, without creating or changing anything. */
  static async check(path: string, fs: FileSystem = fsPromises): Promise<void> {
    if (path.trim() === '') throw new UnusableFileError(path, 'the path is empty');
    const stats = await fs.lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw unusable(path, error) ?? error;
    });
    if (stats && !stats.isFile()) throw new UnusableFileError(path, describeNonFile(stats));
  }

  append(entry: object): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text: `${JSON.stringify(entry)}\n`, resolve, reject });
      this.flushing ??= this.flushQueue();
    });
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.file.close();
  }

  private async flushQueue(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.queue.length);
      try {
        if (this.failure) throw this.failure;
        const text = (this.needsNewline ? '\n' : '') + batch.map((line) => line.text).join('');
        this.needsNewline = false;
        await this.file.write(text);
        await this.file.sync();
        for (const line of batch) line.resolve();
      } catch (error) {
        // A failed write may have left part of the batch: refuse later lines rather than interleave them.
        this.failure ??= error as Error;
        for (const line of batch) line.reject(this.failure);
      }
    }
    this.flushing = undefined;
  }
}

async function endsWithNewline(file: fsPromises.FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await file.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

function describeNonFile(stats: { isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  if (stats.isSymbolicLink()) return 'it is a symbolic link';
  if (stats.isDirectory()) return 'it is a folder';
  return 'it is not a regular file';
}

/** The UnusableFileError for an error of opening or inspecting `path` that says what is there. */
function unusable(path: string, error: NodeJS.ErrnoException): UnusableFileError | undefined {
  if (error.code === 'ELOOP') return new UnusableFileError(path, 'it is a symbolic link');
  if (error.code === 'EISDIR') return new UnusableFileError(path, 'it is a folder');
  if (error.code === 'ENOTDIR') return new UnusableFileError(path, 'a part of its path is a file, not a folder');
  return undefined;
}

/**
 * The objects of a JSON-lines file in order, skipping lines that do not parse (such as one
 * cut short by a crash) after telling `onUnparsable` their 1-based number, which may throw;
 * nothing when the file does not exist. A symbolic link is refused.
 */
/** The values of a text of JSON lines, in order; blank lines and lines that do not parse are skipped. */
export function* parseJsonLines(text: string): Generator<unknown> {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch {
      // A torn or hand-edited line: the lines around it still count.
    }
  }
}

export async function* readJsonLines(
  path: string,
  fs: FileSystem = fsPromises,
  onUnparsable?: (lineNumber: number) => void,
): AsyncGenerator<unknown> {
  let file: fsPromises.FileHandle;
  try {
    file = await fs.open(path, READ_FLAGS);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw unusable(path, error as NodeJS.ErrnoException) ?? error;
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new UnusableFileError(path, describeNonFile(stats));
    const lines = createInterface({ input: file.createReadStream({ autoClose: false }), crlfDelay: Infinity });
    let number = 0;
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line) as unknown;
      } catch {
        // A torn or foreign line: the entries around it still count, unless the reader says otherwise.
        onUnparsable?.(number);
        continue;
      }
      yield value;
    }
  } finally {
    await file.close();
  }
}
