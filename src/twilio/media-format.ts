import { MediaSaveError } from '../errors';
import { discardBody, readBody, type HttpResponse } from './http-transport';
import { RetryableError } from './retry-policy';

/** The formats Twilio serves a recording's media in. */
export type MediaFormat = 'wav' | 'mp3';

export const MEDIA_FORMATS: readonly MediaFormat[] = ['wav', 'mp3'];

/** The content types Twilio (and a CDN in front of it) may give each format. */
const CONTENT_TYPES: Record<MediaFormat, readonly string[]> = {
  wav: ['audio/x-wav', 'audio/wav', 'audio/wave', 'audio/vnd.wave'],
  mp3: ['audio/mpeg', 'audio/mp3'],
};

export function contentTypeMatches(contentType: string | undefined, format: MediaFormat): boolean {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return CONTENT_TYPES[format].includes(mediaType);
}

/**
 * Throws unless Twilio's answer to a media request is a 200 with audio of the expected
 * format; the body is left unread when it is. A missing recording is final, an unexpected
 * answer is worth another try.
 */
export async function checkMediaAnswer(
  api: { errorFor(response: HttpResponse, body: Buffer, what: string): Error },
  recording: { sid: string },
  format: MediaFormat,
  response: HttpResponse,
): Promise<void> {
  const contentType = response.headers['content-type'];
  if (response.status === 200 && contentTypeMatches(contentType, format)) return;
  if (response.status === 404) {
    discardBody(response.body);
    throw new MediaSaveError(recording.sid, 'Twilio has no media for it (404)');
  }
  const body = await readBody(response.body, 64 * 1024).catch(() => Buffer.alloc(0));
  if (response.status < 200 || response.status >= 300) {
    throw api.errorFor(response, body, `GET media of ${recording.sid}`);
  }
  if (response.status !== 200) throw new RetryableError(`Twilio answered ${response.status} instead of 200`);
  throw new RetryableError(`Twilio answered ${contentType ?? 'without a content type'} instead of ${format} audio`);
}
