import { sendJson, sendNotFound } from './http-replies';
import type { MediaFormat } from './media';
import { streamMedia } from './media-response';
import { twilioError } from './representations';
import type { RequestContext, SandboxState } from './request-context';

const CDN_MEDIA_PATH = /^\/v1\/(AC[0-9a-fA-F]{32})\/(RE[0-9a-fA-F]{32})\.(wav|mp3)$/;

/**
 * The media CDN host that redirected media points at. It needs no credentials (the link is signed) and
 * records whether a client leaked its Authorization header to it.
 */
export async function handleCdnRequest(ctx: RequestContext, state: SandboxState): Promise<void> {
  if (ctx.req.headers.authorization !== undefined) state.counters.cdnAuthorizationHeaders++;
  const match = CDN_MEDIA_PATH.exec(ctx.path);
  if (ctx.method !== 'GET' || !match) return sendNotFound(ctx.res, ctx.path);
  if (!state.cdnSigner.verify(ctx.path, ctx.query)) {
    return sendJson(ctx.res, 403, twilioError(403, 20403, 'Forbidden: invalid or expired media link'));
  }
  const [, accountSid, sid, ext] = match;
  const recording = state.store.getRecording(sid as string);
  if (!recording || recording.accountSid !== accountSid || recording.status !== 'completed') {
    return sendNotFound(ctx.res, ctx.path);
  }
  await streamMedia(ctx.res, recording, ext as MediaFormat, ctx.fault.truncateAt(), state.knobs(), state.counters);
}
