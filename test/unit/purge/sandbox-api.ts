import axios from 'axios';
import type { Sandbox } from '../../../sandbox';
import { ConcurrencyLimiter } from '../../../src/twilio/concurrency-limiter';
import { axiosTransport } from '../../../src/twilio/http-transport';
import { RetryPolicy } from '../../../src/twilio/retry-policy';
import { TwilioApi } from '../../../src/twilio/twilio-api';

/** The parent account of a sandbox, reached directly over plain HTTP with fast retries. */
export function sandboxApi(sandbox: Sandbox, concurrency = 8): TwilioApi {
  return new TwilioApi({
    transport: axiosTransport(axios.create(), 'test'),
    credentials: { username: sandbox.account.sid, password: sandbox.account.authToken },
    accountSid: sandbox.account.sid,
    baseUrl: sandbox.url,
    retryPolicy: new RetryPolicy({ maxAttempts: 3, baseDelayMs: 1 }),
    limiter: new ConcurrencyLimiter(concurrency),
    credentialsLabel: 'the test credentials',
  });
}
