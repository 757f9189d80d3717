import type { ServerResponse } from 'node:http';

import { twilioError } from './representations';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(payload.length),
    ...headers,
  });
  res.end(payload);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Length': '0', ...headers });
  res.end();
}

export function sendNotFound(res: ServerResponse, path: string): void {
  sendJson(res, 404, twilioError(404, 20404, `The requested resource ${path} was not found`));
}

export function sendUnauthorized(res: ServerResponse): void {
  sendJson(res, 401, twilioError(401, 20003, 'Authenticate'), {
    'WWW-Authenticate': 'Basic realm="Twilio API"',
  });
}

export function sendBadRequest(res: ServerResponse, code: number, message: string): void {
  sendJson(res, 400, twilioError(400, code, message));
}
