import type { ServerResponse } from 'node:http';

import { bump, type Counters } from './counters';
import { CONTENT_TYPES, servedByteLength, servedChunks, type MediaFormat, type MediaSource } from './media';
import type { Knobs } from './knobs';

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams a recording's media chunk by chunk with back-pressure, so a large recording never sits in memory.
 * With `truncateAt` set, stops after that share of the bytes in the way `knobs.truncateStyle` says.
 */
export async function streamMedia(
  res: ServerResponse,
  source: MediaSource,
  format: MediaFormat,
  truncateAt: number | null,
  knobs: Knobs,
  counters: Counters,
): Promise<void> {
  const total = servedByteLength(source, format, knobs.tamperEncryptedMedia);
  const chunked = truncateAt !== null && knobs.truncateStyle !== 'content-length';
  const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format] };
  if (!chunked) headers['Content-Length'] = String(total);
  res.writeHead(200, headers);

  const limit = truncateAt === null ? total : Math.min(total - 1, Math.max(1, Math.floor(total * truncateAt)));
  let sent = 0;
  for (const chunk of servedChunks(source, format, knobs.tamperEncryptedMedia)) {
    if (res.destroyed) return;
    const piece = sent + chunk.length > limit ? chunk.subarray(0, limit - sent) : chunk;
    sent += piece.length;
    counters.mediaBytes += piece.length;
    if (!res.write(piece)) await waitForDrain(res);
    if (sent >= limit) break;
  }
  if (res.destroyed) return;

  if (truncateAt === null) {
    res.end(() => bump(counters.mediaFetchesPerSid, source.sid));
    return;
  }
  counters.truncated++;
  if (knobs.truncateStyle === 'chunked-clean') {
    res.end();
  } else {
    // end() rather than destroy() so the bytes already written still leave before the connection closes.
    const socket = res.socket;
    socket?.end();
    setTimeout(() => socket?.destroy(), 1000).unref();
  }
}
