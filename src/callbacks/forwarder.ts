import type { IncomingHttpHeaders } from 'node:http';
import { twilioSignature, type CallbackParams } from './signature';
import {
  appendQuery,
  flatHeaders,
  WebhookClient,
  type SignedWebhookRequest,
  type WebhookAnswer,
  type WebhookMethod,
} from './webhook-request';

/** A callback as received, for relaying it. */
export interface RelayedRequest {
  method: WebhookMethod;
  /** Query string as received, without `?` ('' when none). */
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The POST parameters the signature covers (none for GET). */
  signedParams: CallbackParams;
  /** True when the listener checked the request's signature; only such requests are signed for the handler. */
  verified: boolean;
}

/** Marks a relayed request whose signature nobody checked (`listen --no-verify`); it carries no signature. */
export const UNVERIFIED_HEADER = 'x-unverified-callback';
const UNVERIFIED_MARK = 'signature not checked (recordings:callbacks:listen --no-verify)';

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
  UNVERIFIED_HEADER,
]);

/**
 * Relays callbacks to the user's own handler and hands back its answer. A verified callback is
 * re-signed for the handler's URL so that its unchanged signature validation passes; an unverified
 * one goes without any signature, marked, since signing it would vouch for a request nobody checked.
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
    return this.send(this.prepare(request));
  }

  /** The request the handler gets for `request`: its URL, headers (re-signed when verified) and body. */
  prepare(request: RelayedRequest): SignedWebhookRequest {
    const url = appendQuery(this.targetUrl, request.query);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(flatHeaders(request.headers))) {
      if (!UNFORWARDED_HEADERS.has(name.toLowerCase())) headers[name] = value;
    }
    if (!request.verified) headers[UNVERIFIED_HEADER] = UNVERIFIED_MARK;
    else if (this.authToken) headers['x-twilio-signature'] = twilioSignature(this.authToken, url, request.signedParams);
    return { method: request.method, url, headers, body: request.method === 'POST' ? request.body : '' };
  }

  /** Sends a request made by `prepare`; rejects when the handler cannot be reached. */
  send(prepared: SignedWebhookRequest): Promise<WebhookAnswer> {
    return this.client.send(prepared);
  }

  close(): void {
    this.client.close();
  }
}
