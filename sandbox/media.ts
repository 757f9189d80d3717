import { createHash } from 'node:crypto';

import { encryptedChunks, type MediaCipher, type MediaTampering } from './encryption';
import { hashString } from './prng';

export type MediaFormat = 'wav' | 'mp3';

/** What media generation needs to know about a recording. */
export interface MediaSource {
  sid: string;
  durationSeconds: number;
  channels: 1 | 2;
  /** Set when Voice Recording Encryption is on: the media is served encrypted (WAV only). */
  encryption?: MediaCipher;
}

export const WAV_SAMPLE_RATE = 8000;
const WAV_HEADER_BYTES = 44;
const WAV_BYTES_PER_SAMPLE = 2;

// MPEG-1 Layer III, 32 kbit/s, 32 kHz, no padding: 144 * 32000 / 32000 = 144 bytes and 1152 samples per frame.
const MP3_FRAME_BYTES = 144;
const MP3_SAMPLES_PER_FRAME = 1152;
const MP3_SAMPLE_RATE = 32000;
const MP3_FRAMES_PER_CHUNK = 256;

export const CONTENT_TYPES: Record<MediaFormat, string> = { wav: 'audio/x-wav', mp3: 'audio/mpeg' };

function seconds(source: MediaSource): number {
  return Math.max(0, Math.floor(source.durationSeconds));
}

export function wavDataBytes(source: MediaSource): number {
  return seconds(source) * WAV_SAMPLE_RATE * WAV_BYTES_PER_SAMPLE * source.channels;
}

export function mp3FrameCount(source: MediaSource): number {
  return Math.ceil((seconds(source) * MP3_SAMPLE_RATE) / MP3_SAMPLES_PER_FRAME);
}

export function mediaByteLength(source: MediaSource, format: MediaFormat): number {
  return format === 'wav' ? WAV_HEADER_BYTES + wavDataBytes(source) : mp3FrameCount(source) * MP3_FRAME_BYTES;
}

function wavHeader(source: MediaSource): Buffer {
  const dataBytes = wavDataBytes(source);
  const blockAlign = source.channels * WAV_BYTES_PER_SAMPLE;
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(source.channels, 22);
  header.writeUInt32LE(WAV_SAMPLE_RATE, 24);
  header.writeUInt32LE(WAV_SAMPLE_RATE * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(WAV_BYTES_PER_SAMPLE * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** One second of a tone whose pitch depends on the sid (and differs per channel), interleaved. */
function wavSecondTemplate(source: MediaSource): Buffer {
  const seed = hashString(source.sid);
  const pitches = Array.from({ length: source.channels }, (_, channel) => 200 + ((seed >>> (channel * 8)) % 600));
  const key = `${source.channels}:${pitches.join(',')}`;
  const cached = secondTemplates.get(key);
  if (cached) return cached;
  const block = Buffer.alloc(WAV_SAMPLE_RATE * WAV_BYTES_PER_SAMPLE * source.channels);
  pitches.forEach((hertz, channel) => {
    // Whole-hertz pitches make one second an exact number of periods, so seconds join without clicks.
    for (let i = 0; i < WAV_SAMPLE_RATE; i++) {
      const sample = Math.round(8000 * Math.sin((2 * Math.PI * hertz * i) / WAV_SAMPLE_RATE));
      block.writeInt16LE(sample, (i * source.channels + channel) * WAV_BYTES_PER_SAMPLE);
    }
  });
  // Computing a tone costs more than serving it; benchmarks serve thousands of recordings a second.
  if (secondTemplates.size >= MAX_CACHED_TEMPLATES) secondTemplates.clear();
  secondTemplates.set(key, block);
  return block;
}

const MAX_CACHED_TEMPLATES = 1024;
const secondTemplates = new Map<string, Buffer>();

function* wavChunks(source: MediaSource): Generator<Buffer> {
  yield wavHeader(source);
  const template = wavSecondTemplate(source);
  const total = seconds(source);
  const secondsPerChunk = Math.max(1, Math.floor(65_536 / template.length));
  const seed = hashString(source.sid);
  for (let second = 0; second < total; second += secondsPerChunk) {
    const count = Math.min(secondsPerChunk, total - second);
    const chunk = Buffer.allocUnsafe(template.length * count);
    for (let k = 0; k < count; k++) {
      const offset = k * template.length;
      template.copy(chunk, offset);
      // Stamp each second with its index so bytes taken from the wrong offset never hash the same.
      chunk.writeUInt32LE(second + k, offset);
      chunk.writeUInt32LE(seed, offset + 4);
    }
    yield chunk;
  }
}

function mp3FrameHeader(channels: 1 | 2): Buffer {
  // 0xFFFB: sync, MPEG-1, Layer III, no CRC. 0x18: 32 kbit/s, 32 kHz, no padding. Mode: mono (0xC0) or stereo (0x00).
  return Buffer.from([0xff, 0xfb, 0x18, channels === 1 ? 0xc0 : 0x00]);
}

/**
 * Frames of silence: zeroed side information (no main data), then a sid-derived pattern as ancillary bytes,
 * which decoders skip. Each frame carries its index so frames from the wrong offset are detectable.
 */
function* mp3Chunks(source: MediaSource): Generator<Buffer> {
  const frames = mp3FrameCount(source);
  const sideInfoBytes = source.channels === 1 ? 17 : 32;
  const header = mp3FrameHeader(source.channels);
  const seed = hashString(source.sid);
  for (let first = 0; first < frames; first += MP3_FRAMES_PER_CHUNK) {
    const count = Math.min(MP3_FRAMES_PER_CHUNK, frames - first);
    const chunk = Buffer.alloc(count * MP3_FRAME_BYTES);
    for (let k = 0; k < count; k++) {
      const offset = k * MP3_FRAME_BYTES;
      header.copy(chunk, offset);
      const ancillary = offset + 4 + sideInfoBytes;
      chunk.writeUInt32LE(first + k, ancillary);
      chunk.writeUInt32LE(seed, ancillary + 4);
      for (let b = ancillary + 8; b < offset + MP3_FRAME_BYTES; b++) chunk[b] = (seed + b - offset) & 0xff;
    }
    yield chunk;
  }
}

/** The media of a recording as a sequence of chunks (about 64 KB each), generated on demand. */
export function mediaChunks(source: MediaSource, format: MediaFormat): Generator<Buffer> {
  return format === 'wav' ? wavChunks(source) : mp3Chunks(source);
}

/** The GCM tag that ends encrypted media. */
const GCM_TAG_BYTES = 16;

/** The bytes served for a recording's media: the plain media, or for an encrypted recording its ciphertext and tag. */
export function servedChunks(
  source: MediaSource,
  format: MediaFormat,
  tampering: MediaTampering = null,
): Iterable<Buffer> {
  const plain = mediaChunks(source, format);
  return source.encryption ? encryptedChunks(plain, source.encryption, tampering) : plain;
}

export function servedByteLength(source: MediaSource, format: MediaFormat, tampering: MediaTampering = null): number {
  const plain = mediaByteLength(source, format);
  return source.encryption && tampering !== 'drop-tag' ? plain + GCM_TAG_BYTES : plain;
}

/** The exact bytes served for an encrypted recording (its ciphertext and tag), for tests to compare against. */
export function servedMedia(source: MediaSource): Buffer {
  return Buffer.concat([...servedChunks(source, 'wav')]);
}

export interface ExpectedMedia {
  bytes: number;
  sha256: string;
  contentType: string;
}

/** The exact bytes a client should receive for a recording's media, for tests to compare against. */
export function expectedMedia(source: MediaSource, format: MediaFormat = 'wav'): ExpectedMedia {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const chunk of mediaChunks(source, format)) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex'), contentType: CONTENT_TYPES[format] };
}
