import type { Sandbox } from '../../sandbox';
import { ConcurrencyLimiter } from '../../src/twilio/concurrency-limiter';
import { ConnectionPool } from '../../src/twilio/connection-pool';
import { nodeTransport } from '../../src/twilio/http-transport';
import { RetryPolicy } from '../../src/twilio/retry-policy';
import { TwilioApi } from '../../src/twilio/twilio-api';

export interface SandboxApiOptions {
  concurrency?: number;
  maxAttempts?: number;
  /**
   * Reach https://api.twilio.com through the sandbox as an HTTPS proxy, as the plugin reaches
   * Twilio, so that redirects to the CDN host cross hosts; otherwise plain HTTP to the sandbox.
   */
  asTwilio?: boolean;
}

/** The sandbox's parent account, with fast retries. */
export function sandboxApi(sandbox: Sandbox, options: SandboxApiOptions = {}): TwilioApi {
  const pool = options.asTwilio
    ? new ConnectionPool({ proxyFor: () => sandbox.url, tls: { ca: sandbox.caCertPem } })
    : new ConnectionPool({ proxyFor: () => undefined });
  return new TwilioApi({
    transport: nodeTransport('test', pool),
    credentials: { username: sandbox.account.sid, password: sandbox.account.authToken },
    accountSid: sandbox.account.sid,
    baseUrl: options.asTwilio ? 'https://api.twilio.com' : sandbox.url,
    retryPolicy: new RetryPolicy({
      maxAttempts: options.maxAttempts ?? 3,
      baseDelayMs: 1,
      maxDelayMs: 5,
      maxRetryAfterMs: 5,
    }),
    limiter: new ConcurrencyLimiter(options.concurrency ?? 8),
    credentialsLabel: 'the test credentials',
  });
}
