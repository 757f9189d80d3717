import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import twilio from 'twilio';
import type { Browser, Page } from 'playwright-core';

/** Where Debian's `chromium` package (installed by scripts/ensure-chromium.js) puts the browser. */
const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(): string {
  const found = [process.env.CHROMIUM_PATH, ...CHROMIUM_PATHS].find((path) => path && existsSync(path));
  if (!found) throw new Error('No Chromium found: run "node scripts/ensure-chromium.js" (or set CHROMIUM_PATH).');
  return found;
}

/** A real headless Chromium; loaded lazily, so that only the browser tests pay for it. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // Root (CI, containers) cannot use Chromium's sandbox.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args });
}

/** Opens the inspector and waits until its live stream has delivered the session. */
export async function openInspector(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.locator('#connection', { hasText: 'Live' }).waitFor();
  return page;
}

/** A callback a handler accepted: the parameters it read. */
export type HandledCallback = Record<string, string>;

/** A user's handler as Twilio's docs build it: express with `twilio.webhook()` validating the signature. */
export interface WebhookHandler {
  url: string;
  accepted: HandledCallback[];
  close(): Promise<void>;
}

export async function startWebhookHandler(authToken: string, path = '/hooks/recording'): Promise<WebhookHandler> {
  const accepted: HandledCallback[] = [];
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post(path, twilio.webhook(authToken), (req, res) => {
    accepted.push(req.body as HandledCallback);
    res.type('text/plain').send(`stored ${String(req.body.RecordingSid)}`);
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    accepted,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
