import { sendBadRequest, sendJson, sendNotFound, sendUnauthorized } from './http-replies';
import type { PublicKeyCredential } from './encryption';
import type { RequestContext, SandboxState } from './request-context';

/** The host of Twilio's Accounts API, where Public Key credentials are registered. */
export const ACCOUNTS_HOST = 'accounts.twilio.com';

const COLLECTION = '/v1/Credentials/PublicKeys';
const INSTANCE = /^\/v1\/Credentials\/PublicKeys\/(CR[0-9a-fA-F]{32})$/;

/** `accounts.v1.credential.credential_public_key`: v1 APIs give ISO 8601 dates. */
function publicKeyJson(key: PublicKeyCredential) {
  const date = new Date(key.createdMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    sid: key.sid,
    account_sid: key.accountSid,
    friendly_name: key.friendlyName,
    date_created: date,
    date_updated: date,
    url: `https://${ACCOUNTS_HOST}${COLLECTION}/${key.sid}`,
  };
}

/** `POST|GET /v1/Credentials/PublicKeys` and `GET /v1/Credentials/PublicKeys/CR…` of accounts.twilio.com. */
export async function handleAccountsRequest(ctx: RequestContext, state: SandboxState): Promise<void> {
  const principal = state.accounts.authenticate(ctx.req.headers.authorization);
  if (!principal) return sendUnauthorized(ctx.res);
  const instance = INSTANCE.exec(ctx.path);
  if (instance && ctx.method === 'GET') {
    const key = state.encryption.get(instance[1] as string);
    if (!key || !state.accounts.canAccess(principal, key.accountSid)) return sendNotFound(ctx.res, ctx.path);
    return sendJson(ctx.res, 200, publicKeyJson(key));
  }
  if (ctx.path !== COLLECTION) return sendNotFound(ctx.res, ctx.path);
  if (ctx.method === 'GET') {
    const credentials = state.encryption.list(principal.account.sid).map(publicKeyJson);
    const url = `https://${ACCOUNTS_HOST}${COLLECTION}?PageSize=50&Page=0`;
    const meta = {
      page: 0,
      page_size: 50,
      first_page_url: url,
      previous_page_url: null,
      url,
      next_page_url: null,
      key: 'credentials',
    };
    return sendJson(ctx.res, 200, { credentials, meta });
  }
  if (ctx.method !== 'POST') return sendNotFound(ctx.res, ctx.path);
  const form = new URLSearchParams(await readBody(ctx));
  const accountSid = form.get('AccountSid') ?? principal.account.sid;
  if (!state.accounts.canAccess(principal, accountSid)) {
    return sendBadRequest(ctx.res, 20001, 'AccountSid must be the account or one of its subaccounts');
  }
  const pem = form.get('PublicKey');
  if (!pem) return sendBadRequest(ctx.res, 21201, 'Missing required parameter PublicKey in the post body');
  try {
    const key = state.encryption.register(accountSid, pem, form.get('FriendlyName'), Date.now());
    sendJson(ctx.res, 201, publicKeyJson(key));
  } catch (error) {
    sendBadRequest(ctx.res, 20001, (error as Error).message);
  }
}

function readBody(ctx: RequestContext): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    ctx.req.on('data', (chunk: Buffer) => chunks.push(chunk));
    ctx.req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    ctx.req.on('error', reject);
  });
}
