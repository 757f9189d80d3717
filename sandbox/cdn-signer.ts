import { createHmac, randomBytes } from 'node:crypto';

import type { MediaFormat } from './media';

/** Signs and checks the expiring media links the API hands out when media is redirected to the CDN host. */
export class CdnSigner {
  private readonly secret = randomBytes(32);

  link(origin: string, accountSid: string, recordingSid: string, format: MediaFormat, nowMs = Date.now()): string {
    const path = `/v1/${accountSid}/${recordingSid}.${format}`;
    const expires = String(Math.floor(nowMs / 1000) + 600);
    return `${origin}${path}?Expires=${expires}&Signature=${this.signature(path, expires)}&Key-Pair-Id=SANDBOX`;
  }

  verify(path: string, query: URLSearchParams, nowMs = Date.now()): boolean {
    const expires = query.get('Expires') ?? '';
    const signature = query.get('Signature') ?? '';
    return Number(expires) * 1000 > nowMs && signature === this.signature(path, expires);
  }

  private signature(path: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${expires}`).digest('base64url');
  }
}
