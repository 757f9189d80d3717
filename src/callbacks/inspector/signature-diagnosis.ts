import { signedUrlForms, twilioSignature, type CallbackParams } from '../signature';

/** One URL form the listener signed to compare with the request's signature. */
export interface CheckedForm {
  url: string;
  /** The first characters of the signature expected for this form: enough to compare, too few to reuse. */
  expectedStart: string;
}

/** Why a request's X-Twilio-Signature matched none of the URLs it could have been signed for. */
export interface SignatureDiagnosis {
  /** The first characters of the signature received, or null when there was none. */
  receivedStart: string | null;
  checked: CheckedForm[];
  /** Whether the URL differed: the URL the signature does match, when one of the likely rewrites does. */
  url: { differed: boolean; signedFor?: string; note: string };
  /** Whether the token or the parameters differed. */
  tokenOrParams: { differed: boolean | null; note: string };
}

const SHOWN_CHARACTERS = 6;

/**
 * Explains a rejected signature without giving away the auth token or a signature that would pass:
 * the URL forms checked with the start of each expected signature, and which likely rewrites of the
 * URL (scheme, host, port, trailing slash, as a proxy or tunnel makes them) the signature matches.
 */
export function diagnoseSignature(
  authToken: string,
  signature: string | undefined,
  urlsChecked: readonly string[],
  signedParams: CallbackParams,
  headers: Readonly<Record<string, string>>,
): SignatureDiagnosis {
  const forms = [...new Set(urlsChecked.flatMap((url) => signedUrlForms(url)))];
  const checked = forms.map((url) => ({
    url,
    expectedStart: clip(twilioSignature(authToken, url, signedParams)),
  }));
  if (!signature) {
    return {
      receivedStart: null,
      checked,
      url: { differed: false, note: 'not compared: the request has no X-Twilio-Signature header' },
      tokenOrParams: {
        differed: null,
        note: 'the request was not signed: it did not come from Twilio, or a proxy dropped the header',
      },
    };
  }
  const tried = new Set(forms);
  const rewrite = likelyRewrites(urlsChecked, headers).find(
    (url) => !tried.has(url) && twilioSignature(authToken, url, signedParams) === signature,
  );
  if (rewrite) {
    return {
      receivedStart: clip(signature),
      checked,
      url: {
        differed: true,
        signedFor: rewrite,
        note: `the signature is for ${rewrite}: a proxy or tunnel changed the URL on the way; give the URL Twilio calls with --public-url`,
      },
      tokenOrParams: { differed: false, note: 'the signature matches this token and these parameters' },
    };
  }
  return {
    receivedStart: clip(signature),
    checked,
    url: { differed: false, note: 'no rewrite of the scheme, host, port or trailing slash matches either' },
    tokenOrParams: {
      differed: true,
      note: "no URL matches with this account's auth token and these parameters: it was signed with another token (another account, or a rotated one), or its parameters were changed on the way",
    },
  };
}

/** The URLs a proxy or tunnel commonly makes of the one Twilio called. */
function likelyRewrites(urlsChecked: readonly string[], headers: Readonly<Record<string, string>>): string[] {
  const urls: string[] = [];
  const forwardedHost = headers['x-forwarded-host']?.split(',')[0]?.trim();
  const forwardedProto = headers['x-forwarded-proto']?.split(',')[0]?.trim();
  for (const text of urlsChecked) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      continue;
    }
    const variants = [withScheme(url, url.protocol === 'https:' ? 'http:' : 'https:')];
    if (forwardedHost && /^[A-Za-z0-9.\-[\]:]+$/.test(forwardedHost)) {
      for (const scheme of ['https:', 'http:']) variants.push(withHost(withScheme(url, scheme), forwardedHost));
    }
    if (forwardedProto === 'https' || forwardedProto === 'http') variants.push(withScheme(url, `${forwardedProto}:`));
    for (const variant of [url, ...variants]) {
      const slashed = new URL(variant);
      slashed.pathname = slashed.pathname.endsWith('/') ? slashed.pathname.slice(0, -1) : `${slashed.pathname}/`;
      urls.push(...signedUrlForms(variant.toString()), ...signedUrlForms(slashed.toString()));
    }
  }
  return [...new Set(urls)];
}

function withScheme(url: URL, scheme: string): URL {
  return new URL(`${scheme}//${url.host}${url.pathname}${url.search}`);
}

function withHost(url: URL, host: string): URL {
  return new URL(`${url.protocol}//${host}${url.pathname}${url.search}`);
}

function clip(signature: string): string {
  return `${signature.slice(0, SHOWN_CHARACTERS)}…`;
}
