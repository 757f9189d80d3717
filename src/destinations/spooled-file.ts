import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** Where one try's body is spooled: a temporary file, opened only when the body outgrows memory. */
export interface SpoolFile {
  readonly path: string;
  open(): Promise<FileHandle>;
  /** Removes the file if it was created. */
  remove(): Promise<void>;
}

/** A failure of the local disk, as opposed to the connection the bytes came from. */
export class LocalWriteError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

async function writeFully(file: FileHandle, buffer: Buffer): Promise<void> {
  for (let offset = 0; offset < buffer.length;) {
    const { bytesWritten } = await file.write(buffer, offset, buffer.length - offset);
    offset += bytesWritten;
  }
}

/** Writes buffers in order with as few system calls as the file allows, without copying them together. */
async function writeAll(file: FileHandle, buffers: Buffer[]): Promise<void> {
  const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
  const { bytesWritten } = await file.writev(buffers);
  if (bytesWritten < total) await writeFully(file, Buffer.concat(buffers).subarray(bytesWritten));
}

/**
 * The body of a download on its way to a temporary file. Up to `memoryLimit` bytes stay in
 * memory and reach the disk only when `toFile` is called, after the request is over, so a
 * small recording's disk work never holds one of Twilio's concurrent request slots; a larger
 * body spills to the file as it arrives, in constant memory.
 */
export class SpooledFile extends Writable {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private handle: FileHandle | undefined;
  /** The file being opened: a close waits for it, so that no file is created after its removal. */
  private opening: Promise<void> | undefined;
  private released = false;

  constructor(
    private readonly openFile: () => Promise<FileHandle>,
    private readonly memoryLimit: number,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.accept([chunk]).then(
      () => callback(),
      (error: Error) => callback(new LocalWriteError(error)),
    );
  }

  // Chunks that queued up while a write was under way go out in one write.
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.accept(chunks.map(({ chunk }) => chunk)).then(
      () => callback(),
      (error: Error) => callback(new LocalWriteError(error)),
    );
  }

  /** The temporary file holding every byte received, opened now if the body stayed in memory. */
  async toFile(): Promise<FileHandle> {
    if (!this.handle) await this.spill();
    return this.handle!;
  }

  /** Every byte received, when they all stayed in memory (the file was never opened); undefined otherwise. */
  heldBytes(): Buffer | undefined {
    return this.handle ? undefined : Buffer.concat(this.chunks, this.buffered);
  }

  /**
   * Closes the file, if it was opened or is being opened, and drops what is in memory. A failed
   * download closes its spool before removing the file: an open still under way is waited for,
   * or it would create the file after the removal and leave it behind.
   */
  async close(): Promise<void> {
    this.released = true;
    this.chunks = [];
    await this.opening?.catch(() => undefined);
    await this.handle?.close();
    this.handle = undefined;
  }

  private async accept(chunks: Buffer[]): Promise<void> {
    if (this.handle) return writeAll(this.handle, chunks);
    for (const chunk of chunks) this.buffered += chunk.length;
    this.chunks.push(...chunks);
    if (this.buffered > this.memoryLimit) await this.spill();
  }

  private async spill(): Promise<void> {
    if (this.released) throw new Error('the temporary file was closed');
    this.opening = this.openFile().then((handle) => {
      this.handle = handle;
    });
    await this.opening;
    const held = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    await writeFully(this.handle!, held);
  }
}
