import { CredentialsError } from '../errors';
import { isSid } from './sids';

/** The parts of a host CLI profile (stored, or made from TWILIO_* variables) that name the credentials. */
export interface ProfileCredentials {
  id: string;
  accountSid: string;
  apiKey: string;
}

// cli-core names a profile made from the environment after the variables it came from.
const FROM_API_KEY_VARIABLES = '${TWILIO_API_KEY}/${TWILIO_API_SECRET}';

function fromEnvironment(profile: ProfileCredentials): boolean {
  return profile.id.startsWith('${');
}

/** Names the credentials in messages, never with the secret. */
export function credentialsLabel(profile: ProfileCredentials): string {
  return fromEnvironment(profile)
    ? 'the credentials in the TWILIO_* environment variables'
    : `the credentials of profile "${profile.id}"`;
}

/**
 * Refuses credentials that cannot be right before anything is sent: an account SID that is not
 * AC…, or a username that is neither an API key SID (SK…) nor an account SID. The values are not
 * echoed, since a secret pasted into the wrong variable would otherwise be printed.
 */
export function checkCredentials(profile: ProfileCredentials): void {
  const environment = fromEnvironment(profile);
  if (!isSid('account', profile.accountSid)) {
    throw new CredentialsError(
      environment
        ? 'TWILIO_ACCOUNT_SID is not an account SID (AC followed by 32 hexadecimal digits): set it to the Account SID shown in the Twilio Console.'
        : `Profile "${profile.id}" has no valid account SID (AC followed by 32 hexadecimal digits): store it again with "twilio profiles:create".`,
    );
  }
  if (!isSid('apiKey', profile.apiKey) && !isSid('account', profile.apiKey)) {
    throw new CredentialsError(
      environment && profile.id === FROM_API_KEY_VARIABLES
        ? 'TWILIO_API_KEY is not an API key SID (SK followed by 32 hexadecimal digits): set it to the SID of an API key, or use TWILIO_AUTH_TOKEN instead.'
        : `Profile "${profile.id}" has no valid API key SID (SK followed by 32 hexadecimal digits): store it again with "twilio profiles:create".`,
    );
  }
}
