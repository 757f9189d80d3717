import { BadInputError } from '../errors';

export interface AuthTokenSources {
  /** `--auth-token`. */
  flag?: string;
  /** The active profile's credentials; `apiKey` is the account sid when they are the auth token. */
  profile?: { accountSid: string; apiKey: string; apiSecret: string };
  /** `TWILIO_AUTH_TOKEN`. */
  environment?: string;
}

export interface AuthToken {
  token: string;
  /** Where it came from, for messages; never the token itself. */
  source: string;
}

/**
 * The account's auth token, which signs Twilio's requests: from --auth-token, from a profile whose
 * credentials are the auth token (its "API key" is the account sid), or from TWILIO_AUTH_TOKEN.
 */
export function findAuthToken(sources: AuthTokenSources): AuthToken | undefined {
  if (sources.flag) return { token: sources.flag, source: '--auth-token' };
  const profile = sources.profile;
  if (profile && profile.apiKey.startsWith('AC') && profile.apiSecret) {
    return { token: profile.apiSecret, source: "the profile's auth token" };
  }
  if (sources.environment) return { token: sources.environment, source: 'TWILIO_AUTH_TOKEN' };
  return undefined;
}

/** The auth token, or an error saying how to supply one. */
export function requireAuthToken(sources: AuthTokenSources, purpose: string): AuthToken {
  const found = findAuthToken(sources);
  if (found) return found;
  throw missingAuthTokenError(purpose, 'sign requests');
}

/** The error for a profile that holds an API key where the auth token is needed: API keys cannot sign or verify. */
export function missingAuthTokenError(purpose: string, cannot: string, alternative?: string): BadInputError {
  return new BadInputError(
    `${purpose} needs the account's auth token, and the profile holds an API key, which cannot ${cannot}: ` +
      `pass --auth-token (or set TWILIO_AUTH_TOKEN)${alternative ? `, or ${alternative}` : ''}.`,
  );
}
