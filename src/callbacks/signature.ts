import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseLegacyQuery, stringify as stringifyLegacyQuery } from 'node:querystring';

/** Request parameters in the order they arrived; a key may repeat. */
export type CallbackParams = ReadonlyArray<readonly [string, string]>;

/**
 * The `X-Twilio-Signature` Twilio computes for a request to `url`: base64 HMAC-SHA1 keyed by the
 * auth token over the URL followed by each POST parameter as key+value, keys sorted (a repeated
 * key contributes each distinct value, sorted, as Twilio's helper libraries do). GET requests
 * pass no params: theirs are inside the URL.
 */
export function twilioSignature(authToken: string, url: string, params: CallbackParams = []): string {
  const valuesByKey = new Map<string, Set<string>>();
  for (const [key, value] of params) {
    let values = valuesByKey.get(key);
    if (!values) valuesByKey.set(key, (values = new Set()));
    values.add(value);
  }
  let data = url;
  for (const key of [...valuesByKey.keys()].sort()) {
    for (const value of [...(valuesByKey.get(key) as Set<string>)].sort()) data += key + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/**
 * The forms of `url` Twilio may have signed: its signing is inconsistent about default ports and
 * query encoding, so a signature counts when it matches the URL with or without the default port,
 * each also with the query re-encoded the legacy way (the same four forms the helper library accepts).
 */
export function signedUrlForms(url: string): string[] {
  const parsed = new URL(url);
  const withoutPort = new URL(parsed.toString());
  withoutPort.port = '';
  const forms = [url, withoutPort.toString(), withPort(parsed)];
  for (const form of forms.slice(1)) forms.push(withLegacyQuery(form));
  return [...new Set(forms)];
}

/** True when `signature` is Twilio's signature of this request for any accepted form of `url`. */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: CallbackParams = [],
): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature, 'utf8');
  let valid = false;
  // Every form is checked, so the time taken does not reveal which one matched.
  for (const form of signedUrlForms(url)) {
    const expected = Buffer.from(twilioSignature(authToken, form, params), 'utf8');
    if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
  }
  return valid;
}

function withPort(url: URL): string {
  if (url.port) return url.toString();
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const credentials = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  return `${url.protocol}//${credentials}${url.host}:${defaultPort}${url.pathname}${url.search}${url.hash}`;
}

function withLegacyQuery(url: string): string {
  const parsed = new URL(url);
  if (!parsed.search) return url;
  const query = stringifyLegacyQuery(parseLegacyQuery(parsed.search.slice(1)));
  parsed.search = '';
  return `${parsed.toString()}?${query}`;
}
