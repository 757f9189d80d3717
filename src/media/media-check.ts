import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { MediaFormat } from '../twilio/media-format';

/** The start of the file kept for header checks; WAV chunks before `data` and ID3 tags fit in it. */
const HEAD_BYTES = 64 * 1024;

/**
 * Passes media through unchanged while hashing it, counting it, keeping its first bytes and
 * following MP3 frame headers, so a file can be checked without reading it back.
 */
export class MediaInspector extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  /** Followed for MP3 only. */
  private readonly frames: Mp3FrameWalker | undefined;

  constructor(
    format: MediaFormat,
    private readonly onBytes?: (bytes: number) => void,
  ) {
    super();
    this.frames = format === 'mp3' ? new Mp3FrameWalker() : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    if (this.headLength < HEAD_BYTES) {
      const piece = chunk.subarray(0, HEAD_BYTES - this.headLength);
      this.headChunks.push(piece);
      this.headLength += piece.length;
    }
    this.frames?.update(chunk, this.bytes);
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    callback(null, chunk);
  }

  private get head(): Buffer {
    return Buffer.concat(this.headChunks);
  }

  sha256(): string {
    return this.hash.digest('hex');
  }

  /** Why the bytes seen are not a complete file of the format, or undefined when they are. */
  problem(): string | undefined {
    return this.frames ? mp3Problem(this.head, this.bytes, this.frames) : wavProblem(this.head, this.bytes);
  }
}

/** Checks a RIFF/WAVE file: the RIFF size covers the file exactly and the `data` chunk fits in it. */
function wavProblem(head: Buffer, totalBytes: number): string | undefined {
  if (totalBytes < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') {
    return `not a WAV file (starts with ${describeStart(head)})`;
  }
  const riffEnd = 8 + head.readUInt32LE(4);
  if (riffEnd !== totalBytes) return `WAV header announces ${riffEnd} bytes but ${totalBytes} arrived`;
  for (let offset = 12; offset + 8 <= head.length;) {
    const id = head.toString('latin1', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    const end = offset + 8 + size;
    if (id === 'data') {
      return end <= totalBytes
        ? undefined
        : `WAV data chunk announces ${size} bytes but only ${totalBytes - offset - 8} arrived`;
    }
    offset = end + (size % 2);
  }
  return 'WAV file has no data chunk';
}

/** Checks an MP3 file: an MPEG audio frame at the start (after any ID3 tag), and no frame cut short. */
function mp3Problem(head: Buffer, totalBytes: number, frames: Mp3FrameWalker): string | undefined {
  if (frames.frameCount === 0) return `not an MP3 file (starts with ${describeStart(head)})`;
  return frames.problem(totalBytes);
}

/** The length of an ID3v2 tag at the start of an MP3 file, 0 when there is none. */
function id3v2Length(head: Buffer): number {
  if (head.length < 10 || head.toString('latin1', 0, 3) !== 'ID3') return 0;
  const size = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
  const footer = head[5]! & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

const MP3_BITRATES_KBPS: Record<string, readonly number[]> = {
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_SAMPLE_RATES: Record<number, readonly number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/** The length of the MPEG audio frame whose 4-byte header is at `offset`, or undefined when there is none. */
function mp3FrameLength(buffer: Buffer, offset: number): number | undefined {
  const b1 = buffer[offset + 1]!;
  const b2 = buffer[offset + 2]!;
  if (buffer[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const versionBits = (b1 >> 3) & 0x03;
  const layerBits = (b1 >> 1) & 0x03;
  const bitrateIndex = b2 >> 4;
  const sampleRateIndex = (b2 >> 2) & 0x03;
  if (versionBits === 1 || layerBits === 0 || bitrateIndex === 0 || bitrateIndex === 15 || sampleRateIndex === 3) {
    return undefined;
  }
  const layer = 4 - layerBits;
  const mpeg1 = versionBits === 3;
  const bitrate = MP3_BITRATES_KBPS[`${mpeg1 ? 1 : 2}-${layer}`]![bitrateIndex]! * 1000;
  const sampleRate = MP3_SAMPLE_RATES[versionBits]![sampleRateIndex]!;
  const padding = (b2 >> 1) & 0x01;
  if (layer === 1) return (Math.floor((12 * bitrate) / sampleRate) + padding) * 4;
  const coefficient = layer === 3 && !mpeg1 ? 72 : 144;
  return Math.floor((coefficient * bitrate) / sampleRate) + padding;
}

/**
 * Follows MP3 frame headers through a stream, so that a body cut inside a frame is noticed
 * even without a Content-Length. Where the frames stop making sense (a trailing tag, data
 * it does not know) it stops following them and passes judgement to the other checks.
 */
class Mp3FrameWalker {
  private nextFrameAt = -1;
  private lost = false;
  private carry = Buffer.alloc(0);
  private carryOffset = 0;
  /** Frames followed so far; 0 when the stream does not start with one. */
  frameCount = 0;

  /** Feeds `chunk`, which starts at byte `offset` of the file. */
  update(chunk: Buffer, offset: number): void {
    if (this.lost) return;
    const buffer = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const bufferOffset = this.carry.length > 0 ? this.carryOffset : offset;
    if (this.nextFrameAt < 0) {
      if (bufferOffset + buffer.length < 10) return this.keep(buffer, bufferOffset, bufferOffset);
      this.nextFrameAt = id3v2Length(buffer);
    }
    const end = bufferOffset + buffer.length;
    while (this.nextFrameAt + 4 <= end) {
      const length = mp3FrameLength(buffer, this.nextFrameAt - bufferOffset);
      if (length === undefined) {
        this.lost = true;
        return;
      }
      this.frameCount += 1;
      this.nextFrameAt += length;
    }
    this.keep(buffer, bufferOffset, Math.max(this.nextFrameAt, bufferOffset));
  }

  problem(totalBytes: number): string | undefined {
    if (this.lost) return undefined;
    if (this.nextFrameAt > totalBytes)
      return `MP3 stream ends inside a frame (${totalBytes} bytes, frame ends at ${this.nextFrameAt})`;
    return undefined;
  }

  /** Keeps the bytes from `from` on, which the next frame header may need. */
  private keep(buffer: Buffer, bufferOffset: number, from: number): void {
    const start = Math.min(from - bufferOffset, buffer.length);
    this.carry = Buffer.from(buffer.subarray(start));
    this.carryOffset = bufferOffset + start;
  }
}

function describeStart(head: Buffer): string {
  const text = head.subarray(0, 16).toString('latin1');
  return /^[\x20-\x7e]+$/.test(text)
    ? JSON.stringify(text)
    : `bytes ${head.subarray(0, 8).toString('hex') || '(none)'}`;
}
