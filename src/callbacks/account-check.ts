import { CredentialsError, TwilioApiError } from '../errors';
import { canonicalApiSid } from '../twilio/sids';
import { API_VERSION_PATH, type TwilioApi } from '../twilio/twilio-api';

interface ApiAccount {
  sid: string;
  owner_account_sid?: string;
}

const MAX_REMEMBERED = 1000;

/**
 * Whether a callback's AccountSid is the profile's account or one of its subaccounts. Subaccounts are
 * recognised by fetching them with the profile's credentials, once per sid.
 */
export class AccountCheck {
  private readonly known = new Map<string, Promise<boolean>>();

  constructor(private readonly api: Pick<TwilioApi, 'accountSid' | 'getJson'>) {}

  isOwnAccount(accountSid: string): Promise<boolean> {
    if (accountSid === this.api.accountSid) return Promise.resolve(true);
    let answer = this.known.get(accountSid);
    if (!answer) {
      if (this.known.size >= MAX_REMEMBERED) this.known.clear();
      answer = this.fetchIsSubaccount(accountSid);
      this.known.set(accountSid, answer);
      // A failure to ask is not an answer: ask again next time.
      answer.catch(() => this.known.delete(accountSid));
    }
    return answer;
  }

  private async fetchIsSubaccount(accountSid: string): Promise<boolean> {
    try {
      const account = await this.api.getJson<ApiAccount>(`${API_VERSION_PATH}/Accounts/${accountSid}.json`);
      return (
        canonicalApiSid(account.sid) === accountSid &&
        canonicalApiSid(account.owner_account_sid) === this.api.accountSid
      );
    } catch (error) {
      // Twilio answers 401 for an account these credentials cannot act on, 404 for none at all.
      if (error instanceof CredentialsError) return false;
      if (error instanceof TwilioApiError && error.httpStatus >= 400 && error.httpStatus < 500) return false;
      throw error;
    }
  }
}
