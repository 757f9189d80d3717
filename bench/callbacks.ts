import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { completedParams } from '../test/unit/callbacks/callback-fixtures';
import { median, row, type BenchRow } from './measure';

export const CALLBACKS = 2_000;
export const IN_FLIGHT = 50;
export const ROUNDS = 3;

export interface Fired {
  latenciesMs: number[];
  statuses: Map<number, number>;
  seconds: number;
}

/** POSTs `count` callbacks, each signed for `signedFor`, with `inFlight` at a time over keep-alive connections. */
export async function fire(
  url: string,
  signedFor: string,
  token: string,
  accountSid: string,
  count: number,
): Promise<Fired> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = process.hrtime.bigint();
  const one = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const sid = `RE${index.toString(16).padStart(32, '0')}`;
      const params = completedParams({
        AccountSid: accountSid,
        RecordingSid: sid,
        RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${sid}`,
      });
      const body = new URLSearchParams(params).toString();
      const signature = twilio.getExpectedTwilioSignature(token, signedFor, params);
      const sent = process.hrtime.bigint();
      const request = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            'x-twilio-signature': signature,
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            latenciesMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
            statuses.set(response.statusCode ?? 0, (statuses.get(response.statusCode ?? 0) ?? 0) + 1);
            resolve();
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await one(next++);
    }),
  );
  agent.destroy();
  return { latenciesMs, statuses, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)}`;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export interface RunningListen {
  child: ChildProcess;
  localUrl: string;
  callbackUrl: string;
  /** The --inspect page's URL, when it was asked for. */
  inspectorUrl?: string;
  stop(): Promise<number | null>;
}

export async function startListen(world: TwilioWorld, args: string[]): Promise<RunningListen> {
  const child = spawn(TWILIO_BIN, ['recordings:callbacks:listen', '--port', '0', ...args], {
    env: world.environment(world.authTokenEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.resume();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 20_000;
  while (!/Press Ctrl-C to stop\./.test(stderr)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`listen did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    localUrl: /Listening on (\S+)/.exec(stderr)![1],
    callbackUrl: /Callback URL[^:]*: (\S+)/.exec(stderr)![1],
    inspectorUrl: /Inspector \([^)]*\): (\S+)/.exec(stderr)?.[1],
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

export interface Handler {
  url: string;
  accepted(): Promise<number>;
  close(): void;
}

/** The user's handler in a process of its own, so the load generator's work does not show in its latency. */
export async function startHandler(env: NodeJS.ProcessEnv): Promise<Handler> {
  const child = spawn(process.execPath, [join(__dirname, 'baselines', 'webhook-handler.js')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').once('data', (line: string) => resolve(line.trim()));
    child.once('exit', () => reject(new Error('the handler exited')));
  });
  return {
    url,
    accepted: async () => {
      const response = await fetch(new URL('/count', url));
      return ((await response.json()) as { accepted: number }).accepted;
    },
    close: () => child.kill('SIGTERM'),
  };
}

export function allOk(fired: Fired): boolean {
  return [...fired.statuses.keys()].every((status) => status >= 200 && status < 300);
}

export async function callbackBenchmarks(): Promise<BenchRow[]> {
  const world = await TwilioWorld.start({ subaccounts: 0 });
  const { sid: accountSid, authToken: token } = world.sandbox.account;
  const scratch = mkdtempSync(join(tmpdir(), 'bench-callbacks-'));
  const handler = await startHandler(world.environment(world.authTokenEnv));
  try {
    const log = join(scratch, 'callbacks.jsonl');
    const relay = await startListen(world, ['--forward-to', handler.url, '--log', log]);
    // Warm up both paths, then alternate them so that drift on a shared machine hits both alike.
    await fire(handler.url, handler.url, token, accountSid, CALLBACKS / 2);
    await fire(relay.localUrl, relay.callbackUrl, token, accountSid, CALLBACKS / 2);
    const added = { p50: [] as number[], p99: [] as number[] };
    const direct = { p50: [] as number[], p99: [] as number[] };
    const through = { p50: [] as number[], p99: [] as number[] };
    let seen = 0;
    let relayedOk = true;
    for (let round = 0; round < ROUNDS; round += 1) {
      const straight = await fire(handler.url, handler.url, token, accountSid, CALLBACKS);
      const before = await handler.accepted();
      const relayed = await fire(relay.localUrl, relay.callbackUrl, token, accountSid, CALLBACKS);
      seen = Math.min(seen || Infinity, (await handler.accepted()) - before);
      relayedOk &&= allOk(relayed);
      for (const p of [50, 99] as const) {
        direct[`p${p}`].push(percentile(straight.latenciesMs, p));
        through[`p${p}`].push(percentile(relayed.latenciesMs, p));
        added[`p${p}`].push(percentile(relayed.latenciesMs, p) - percentile(straight.latenciesMs, p));
      }
    }
    await relay.stop();
    const logged = readFileSync(log, 'utf8').trim().split('\n').length - CALLBACKS / 2;

    const verifier = await startListen(world, ['-o', 'none']);
    const ours = await fire(verifier.localUrl, verifier.callbackUrl, token, accountSid, CALLBACKS * 2);
    await verifier.stop();
    const theirs = await fire(handler.url, handler.url, token, accountSid, CALLBACKS * 2);

    const none = seen === CALLBACKS && logged === CALLBACKS * ROUNDS && relayedOk;
    const oursRate = (CALLBACKS * 2) / ours.seconds;
    const theirRate = (CALLBACKS * 2) / theirs.seconds;
    return [
      row(
        `${CALLBACKS.toLocaleString('en-US')} signed callbacks, ${IN_FLIGHT} in flight, through \`listen --forward-to\` (${ROUNDS} rounds): handler saw / log has, per round`,
        `${seen.toLocaleString('en-US')} / ${(logged / ROUNDS).toLocaleString('en-US')}`,
        `${CALLBACKS.toLocaleString('en-US')} sent`,
        seen / CALLBACKS,
        'none lost',
        none,
      ),
      row(
        `relay's added latency: p50 / p99 relayed vs straight to the handler, ${IN_FLIGHT} in flight, median of ${ROUNDS} alternating rounds (added: ${signed(median(added.p50))} ms at p50, ${signed(median(added.p99))} ms at p99)`,
        `${median(through.p50).toFixed(1)} / ${median(through.p99).toFixed(1)} ms relayed`,
        `${median(direct.p50).toFixed(1)} / ${median(direct.p99).toFixed(1)} ms straight`,
        median(through.p50) / median(direct.p50),
        'measured',
        true,
      ),
      row(
        `verified callbacks per second: \`listen\` vs an express app with \`twilio.webhook()\``,
        `${oursRate.toFixed(0)}/s`,
        `${theirRate.toFixed(0)}/s`,
        oursRate / theirRate,
        'measured',
        allOk(ours) && allOk(theirs),
      ),
    ];
  } finally {
    handler.close();
    await world.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
