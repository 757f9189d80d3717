import { promises as fsPromises } from 'node:fs';
import { createInterface } from 'node:readline';
import type { MediaFileSystem } from './media-file-system';

interface PendingLine {
  text: string;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * An append-only JSON-lines file whose appends resolve once the line is on disk. Lines that
 * arrive during a flush are written and flushed together (one fsync for many), each batch in
 * one write so that with O_APPEND lines land whole even beside another writer.
 */
export class JsonLinesFile {
  private readonly queue: PendingLine[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly file: fsPromises.FileHandle,
  ) {}

  /**
   * Opens `path` for appending (created 0600). A last line cut short by a crash is dropped
   * first, so the next line starts on a line of its own.
   */
  static async open(path: string, fs: MediaFileSystem = fsPromises): Promise<JsonLinesFile> {
    const file = await fs.open(path, 'a+', 0o600);
    try {
      await dropTornLastLine(file);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new JsonLinesFile(path, file);
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
        await this.file.write(batch.map((line) => line.text).join(''));
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

async function dropTornLastLine(file: fsPromises.FileHandle): Promise<void> {
  const { size } = await file.stat();
  if (size === 0) return;
  const tailLength = Math.min(size, 64 * 1024);
  let searched = 0;
  while (searched < size) {
    const length = Math.min(tailLength, size - searched);
    const tail = Buffer.alloc(length);
    await file.read(tail, 0, length, size - searched - length);
    const newline = tail.lastIndexOf(0x0a);
    if (newline === length - 1 && searched === 0) return;
    if (newline >= 0) {
      await file.truncate(size - searched - length + newline + 1);
      await file.sync();
      return;
    }
    searched += length;
  }
  await file.truncate(0);
  await file.sync();
}

/**
 * The objects of a JSON-lines file in order, skipping lines that do not parse (such as one
 * cut short by a crash); nothing when the file does not exist.
 */
export async function* readJsonLines(path: string, fs: MediaFileSystem = fsPromises): AsyncGenerator<unknown> {
  let file: fsPromises.FileHandle;
  try {
    file = await fs.open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const lines = createInterface({ input: file.createReadStream({ autoClose: false }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      try {
        yield JSON.parse(line) as unknown;
      } catch {
        // A torn or foreign line: the entries around it still count.
      }
    }
  } finally {
    await file.close();
  }
}
