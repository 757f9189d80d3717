import type { DownloadOutcome, KeptRequest } from './request-history';

/**
 * The row of a request as the page's table shows it, as JSON: its columns and nothing else (no
 * parameters, headers or bodies, which the page fetches when a row is opened). Written straight as
 * text, so that a batch of rows costs one string and no object per row. Fields:
 * `id`, `time` (milliseconds since the epoch), `method`, `verdict`, `status`; for a recording status
 * event `event`, `recording`, `call` and `duration` (else the request's `target`); for a relayed one
 * `handler` (its status, null when unreachable) and `handlerMs`; after a download, `download`.
 */
export function rowJson(id: number, request: KeptRequest, downloads?: readonly DownloadOutcome[]): string {
  let json = `{"id":${id},"time":${request.time.getTime()},"method":${text(request.method)},"verdict":${text(request.verdict)},"status":${request.status}`;
  const event = request.event;
  if (event) {
    json += `,"event":${text(event.status)},"recording":${text(event.recordingSid)},"call":${text(event.callSid ?? event.conferenceSid ?? '')},"duration":${event.duration ?? 'null'}`;
  } else {
    json += `,"target":${text(request.target)}`;
  }
  const relay = request.relay;
  if (relay)
    json += `,"handler":${relay.answer ? relay.answer.status : 'null'},"handlerMs":${Math.round(relay.latencyMs)}`;
  if (downloads) json += `,"download":${text(downloadLabel(downloads))}`;
  return `${json}}`;
}

/** What became of a callback's downloads, in a few words. */
export function downloadLabel(downloads: readonly DownloadOutcome[]): string {
  return downloads
    .map((download) =>
      download.outcome === 'saved'
        ? download.deleted
          ? 'saved, deleted'
          : 'saved'
        : `not saved: ${download.error ?? download.outcome}`,
    )
    .join('; ');
}

/** A JSON string: every value from outside goes through here, so that none can break out of its field. */
function text(value: string): string {
  return JSON.stringify(value);
}
