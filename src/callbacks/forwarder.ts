import type { IncomingHttpHeaders } from 'node:http';
import { twilioSignature, type CallbackParams } from './signature';
import { appendQuery, flatHeaders, WebhookClient, type WebhookAnswer, type WebhookMethod } from './webhook-request';

/** A callback as received, for relaying it. */
export interface RelayedRequest {
  method: WebhookMethod;
  /** Query string as received, without `?` ('' when none). */
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The POST parameters the signature covers (none for GET). */
  signedParams: CallbackParams;
}

// Hop-by-hop headers belong to one connection; host and length are set for the new one. Forwarding
// headers are dropped too: a handler that trusts them would rebuild the public URL instead of its own.
const UNFORWARDED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'content-length',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-original-host',
  'x-twilio-signature',
]);

/**
 * Relays callbacks to the user's own handler, re-signed for the handler's URL so that its
 * unchanged signature validation passes, and hands back the handler's answer.
 */
export class CallbackForwarder {
  private readonly client: WebhookClient;

  constructor(
    readonly targetUrl: string,
    private readonly authToken: string | undefined,
    client?: WebhookClient,
  ) {
    this.client = client ?? new WebhookClient({ maxSockets: 128 });
  }

  /** The handler's answer; rejects when the handler cannot be reached. */
  forward(request: RelayedRequest): Promise<WebhookAnswer> {
    const url = appendQuery(this.targetUrl, request.query);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(flatHeaders(request.headers))) {
      if (!UNFORWARDED_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    const original = request.headers['x-twilio-signature'];
    if (this.authToken) {
      headers['x-twilio-signature'] = twilioSignature(this.authToken, url, request.signedParams);
    } else if (typeof original === 'string') {
      // Without the token the original signature is passed on; it only matches if the handler checks the public URL.
      headers['x-twilio-signature'] = original;
    }
    return this.client.send({
      method: request.method,
      url,
      headers,
      body: request.method === 'POST' ? request.body : '',
    });
  }

  close(): void {
    this.client.close();
  }
}
