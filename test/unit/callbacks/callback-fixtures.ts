import express from 'express';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

export const TOKEN = 'f'.repeat(32);
export const AC = 'AC' + '1'.repeat(32);
export const CA = 'CA' + '2'.repeat(32);
export const RE = 'RE' + '3'.repeat(32);

/** The parameters of a completed-recording callback of account AC. */
export function completedParams(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    AccountSid: AC,
    CallSid: CA,
    RecordingSid: RE,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${AC}/Recordings/${RE}`,
    RecordingStatus: 'completed',
    RecordingDuration: '12',
    RecordingChannels: '1',
    RecordingStartTime: 'Tue, 14 Jan 2026 09:30:00 +0000',
    RecordingSource: 'RecordVerb',
    ErrorCode: '0',
    ...overrides,
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** POSTs form parameters to `url`, with the signature the helper library computes for `signedFor` (or a given one). */
export function postSigned(
  url: string,
  params: Record<string, string>,
  options: { signedFor?: string; signature?: string | null; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const signature =
    options.signature === undefined
      ? twilio.getExpectedTwilioSignature(options.token ?? TOKEN, options.signedFor ?? url, params)
      : options.signature;
  const body = new URLSearchParams(params).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...options.headers };
  if (signature !== null) headers['x-twilio-signature'] = signature;
  return send(url, 'POST', headers, body);
}

/** The status, headers and text body of a response. */
export function readAnswer(res: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    res.on('error', reject);
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
  });
}

export function send(url: string, method: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        readAnswer(res).then(resolve, reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A user's handler built the way Twilio's docs show: express + twilio.webhook() validating signatures. */
export interface ExpressHandler {
  url: string;
  /** The requests its validation let through. */
  received: Array<{ method: string; params: Record<string, string> }>;
  /** Every request that reached it, with the status its validation (or handling) answered. */
  answered: Array<{ status: number; headers: IncomingHttpHeaders; params: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startExpressHandler(token = TOKEN, path = '/hooks/recording'): Promise<ExpressHandler> {
  const app = express();
  const received: ExpressHandler['received'] = [];
  const answered: ExpressHandler['answered'] = [];
  app.use(express.urlencoded({ extended: false }));
  app.use((req, res, next) => {
    const params = { ...(req.method === 'GET' ? req.query : req.body) } as Record<string, string>;
    res.on('finish', () => answered.push({ status: res.statusCode, headers: req.headers, params }));
    next();
  });
  const handle = (req: express.Request, res: express.Response) => {
    received.push({
      method: req.method,
      params: { ...(req.method === 'GET' ? req.query : req.body) } as Record<string, string>,
    });
    res
      .status(200)
      .type('text/plain')
      .send(`stored ${String((req.method === 'GET' ? req.query : req.body).RecordingSid)}\nsecond line`);
  };
  app.post(path, twilio.webhook(token), handle);
  app.get(path, twilio.webhook(token), handle);
  const server = await listen(createServer(app));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    answered,
    close: () => close(server),
  };
}

/** A server that counts the requests it gets, standing in for a host nothing should contact. */
export async function startCountingServer(): Promise<{
  url: string;
  port: number;
  requests: () => number;
  close(): Promise<void>;
}> {
  let count = 0;
  const server = await listen(
    createServer((_req, res) => {
      count += 1;
      res.end('counted');
    }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, requests: () => count, close: () => close(server) };
}

export function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
