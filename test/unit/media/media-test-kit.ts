import axios from 'axios';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '../../../sandbox';
import { buildCriteria } from '../../../src/selection/criteria';
import { selectRecordings } from '../../../src/selection/select-recordings';
import type { Recording } from '../../../src/recordings/recording';
import { ConcurrencyLimiter } from '../../../src/twilio/concurrency-limiter';
import { ConnectionPool } from '../../../src/twilio/connection-pool';
import { axiosTransport } from '../../../src/twilio/http-transport';
import { RetryPolicy } from '../../../src/twilio/retry-policy';
import { TwilioApi } from '../../../src/twilio/twilio-api';

/**
 * The sandbox's parent account as the plugin reaches Twilio: through the sandbox as an HTTPS
 * proxy to https://api.twilio.com, so redirects to the CDN host cross hosts as they would for real.
 */
export function sandboxApi(sandbox: Sandbox, concurrency = 8, maxAttempts = 8): TwilioApi {
  const pool = new ConnectionPool({ proxyFor: () => sandbox.url, tls: { ca: sandbox.caCertPem } });
  return new TwilioApi({
    transport: axiosTransport(axios.create(), 'media-test', pool),
    credentials: { username: sandbox.account.sid, password: sandbox.account.authToken },
    accountSid: sandbox.account.sid,
    baseUrl: 'https://api.twilio.com',
    retryPolicy: new RetryPolicy({ maxAttempts, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 5 }),
    limiter: new ConcurrencyLimiter(concurrency),
    credentialsLabel: 'the test credentials',
  });
}

export async function allRecordings(api: TwilioApi): Promise<Recording[]> {
  const recordings: Recording[] = [];
  for await (const recording of selectRecordings(api, buildCriteria({}, new Date()))) recordings.push(recording);
  return recordings;
}

export function temporaryFolder(): string {
  return mkdtempSync(join(tmpdir(), 'media-test-'));
}
