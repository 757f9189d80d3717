import { Prng } from './prng';

export interface Account {
  sid: string;
  authToken: string;
  friendlyName: string;
  ownerAccountSid: string;
  createdMs: number;
  status: 'active' | 'suspended' | 'closed';
  type: 'Trial' | 'Full';
}

export interface ApiKey {
  sid: string;
  secret: string;
  accountSid: string;
  friendlyName: string;
  createdMs: number;
}

/** The credentials a caller presented, resolved to the account they act as. */
export interface Principal {
  account: Account;
  via: 'auth-token' | 'api-key';
}

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function secret(prng: Prng): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += SECRET_ALPHABET[prng.int(0, SECRET_ALPHABET.length - 1)];
  return out;
}

/** A parent account, its subaccounts and their API keys, all derived from one seed. */
export class AccountRegistry {
  readonly parent: Account;
  readonly subaccounts: Account[] = [];
  readonly parentKey: ApiKey;
  private readonly accounts = new Map<string, Account>();
  private readonly keys = new Map<string, ApiKey>();
  private readonly prng: Prng;

  constructor(seed: number, subaccountCount: number, nowMs: number) {
    this.prng = new Prng(seed ^ 0x5eed_acc7);
    const createdMs = nowMs - 400 * 86_400_000;
    const parentSid = this.prng.sid('AC');
    this.parent = this.register({
      sid: parentSid,
      authToken: this.prng.hex32(),
      friendlyName: 'Sandbox parent account',
      ownerAccountSid: parentSid,
      createdMs,
      status: 'active',
      type: 'Full',
    });
    for (let i = 0; i < subaccountCount; i++) {
      this.subaccounts.push(
        this.register({
          sid: this.prng.sid('AC'),
          authToken: this.prng.hex32(),
          friendlyName: `Sandbox subaccount ${i + 1}`,
          ownerAccountSid: parentSid,
          createdMs: createdMs + (i + 1) * 86_400_000,
          status: 'active',
          type: 'Full',
        }),
      );
    }
    this.parentKey = this.createKey(parentSid, 'sandbox key', createdMs);
  }

  get(sid: string): Account | undefined {
    return this.accounts.get(sid);
  }

  /** Suspends or closes an account (or makes it active again). */
  setStatus(sid: string, status: Account['status']): void {
    const account = this.accounts.get(sid);
    if (!account) throw new Error(`no account ${sid}`);
    account.status = status;
  }

  all(): Account[] {
    return [this.parent, ...this.subaccounts];
  }

  /** Resolves an `Authorization: Basic` header to the account it authenticates, or undefined. */
  authenticate(header: string | undefined): Principal | undefined {
    const credentials = parseBasicAuth(header);
    if (!credentials) return undefined;
    const account = this.accounts.get(credentials.username);
    if (account) {
      return account.authToken === credentials.password ? { account, via: 'auth-token' } : undefined;
    }
    const key = this.keys.get(credentials.username);
    if (key && key.secret === credentials.password) {
      const keyAccount = this.accounts.get(key.accountSid);
      return keyAccount ? { account: keyAccount, via: 'api-key' } : undefined;
    }
    return undefined;
  }

  /** An account may act on itself; a parent may also act on its subaccounts. */
  canAccess(principal: Principal, accountSid: string): boolean {
    const target = this.accounts.get(accountSid);
    if (!target) return false;
    return target.sid === principal.account.sid || target.ownerAccountSid === principal.account.sid;
  }

  /** The parent account sid that owns `accountSid` (Twilio limits concurrency per account family). */
  familyOf(accountSid: string): string | undefined {
    return this.accounts.get(accountSid)?.ownerAccountSid;
  }

  /** The parent sid a Basic auth username belongs to, without checking the password. */
  familyOfUsername(header: string | undefined): string | undefined {
    const credentials = parseBasicAuth(header);
    if (!credentials) return undefined;
    const accountSid = this.keys.get(credentials.username)?.accountSid ?? credentials.username;
    return this.familyOf(accountSid);
  }

  createKey(accountSid: string, friendlyName: string, nowMs: number): ApiKey {
    const key: ApiKey = {
      sid: this.prng.sid('SK'),
      secret: secret(this.prng),
      accountSid,
      friendlyName,
      createdMs: nowMs,
    };
    this.keys.set(key.sid, key);
    return key;
  }

  private register(account: Account): Account {
    this.accounts.set(account.sid, account);
    return account;
  }
}

export function parseBasicAuth(header: string | undefined): { username: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
