import { parseArgs } from 'node:util';

import { GENERATED_SHAPES, type GeneratedShape } from './generated-timeline';
import { PAGE_COST_MODEL, startSandbox, type Knobs } from './index';

const USAGE = `Usage: node -r ts-node/register/transpile-only sandbox/cli.ts [options]

Starts the recordings sandbox (a fake api.twilio.com) and keeps it running until SIGINT/SIGTERM.

  --port N             port on 127.0.0.1 (default 0: any free port)
  --seed N             seed for accounts and recordings (default 1)
  --recordings N       recordings to seed (default 500)
  --subaccounts N      subaccounts of the parent account (default 2)
  --days N             spread recordings over the last N days (default 120)
  --duration S         fixed duration in seconds for every recording (default: varied)
  --generate N         N generated recordings in each of --generate-accounts, over --generate-days
  --generate-accounts W  parent, subaccounts or all (default parent)
  --generate-days N    spread generated recordings over the last N days (default 730)
  --generate-shape S   how they spread: ${Object.entries(GENERATED_SHAPES)
    .map(([shape, text]) => `${shape} (${text})`)
    .join(',\n                       ')}; default even
  --latency MS         latency per request
  --page-cost B/R      each recordings list page takes B ms plus R ms per record on it
                       (the benchmarks' model: ${PAGE_COST_MODEL.baseMs}/${PAGE_COST_MODEL.perRecordMs})
  --concurrency-cap N  429 beyond N concurrent API requests per account family
  --retry-after S      send Retry-After: S on 429 answers
  --throttle-bursts N/M  of every N API requests, answer the last M with 429
  --error-rate R       share of requests answered 500/503
  --drop-rate R        share of connections dropped without an answer
  --truncate-rate R    share of media responses cut short
  --redirect-media     answer media requests with a redirect to the CDN host
  --public-media       serve media without authentication
  --fault-seed N       seed for fault decisions
  --json               print one JSON line {port, url, env, account, subaccounts} once listening
`;

function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} needs a number, got '${value}'`);
  return parsed;
}

function pageCostOption(value: string | undefined): Knobs['pageCost'] | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(value);
  if (!match) throw new Error(`--page-cost needs B/R (ms per page / ms per record), got '${value}'`);
  return { baseMs: Number(match[1]), perRecordMs: Number(match[2]) };
}

function generatedShapeOption(value: string | undefined): GeneratedShape | undefined {
  if (value === undefined || Object.hasOwn(GENERATED_SHAPES, value)) return value as GeneratedShape | undefined;
  throw new Error(`--generate-shape needs one of ${Object.keys(GENERATED_SHAPES).join(', ')}, got '${value}'`);
}

function generatedAccountsOption(value: string | undefined): 'parent' | 'subaccounts' | 'all' | undefined {
  if (value === undefined || value === 'parent' || value === 'subaccounts' || value === 'all') return value;
  throw new Error(`--generate-accounts needs parent, subaccounts or all, got '${value}'`);
}

function burstsOption(value: string | undefined): Knobs['throttleBursts'] | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  if (!match) throw new Error(`--throttle-bursts needs N/M (of every N requests, the last M get 429), got '${value}'`);
  return { every: Number(match[1]), length: Number(match[2]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      recordings: { type: 'string' },
      subaccounts: { type: 'string' },
      days: { type: 'string' },
      duration: { type: 'string' },
      generate: { type: 'string' },
      'generate-accounts': { type: 'string' },
      'generate-days': { type: 'string' },
      'generate-shape': { type: 'string' },
      latency: { type: 'string' },
      'page-cost': { type: 'string' },
      'concurrency-cap': { type: 'string' },
      'retry-after': { type: 'string' },
      'throttle-bursts': { type: 'string' },
      'error-rate': { type: 'string' },
      'drop-rate': { type: 'string' },
      'truncate-rate': { type: 'string' },
      'redirect-media': { type: 'boolean' },
      'public-media': { type: 'boolean' },
      'fault-seed': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }

  const knobs: Partial<Knobs> = {};
  const set = <K extends keyof Knobs>(key: K, value: Knobs[K] | undefined): void => {
    if (value !== undefined) knobs[key] = value;
  };
  set('latencyMs', numberOption(values.latency, 'latency'));
  set('pageCost', pageCostOption(values['page-cost']));
  set('concurrencyCap', numberOption(values['concurrency-cap'], 'concurrency-cap'));
  set('retryAfterSeconds', numberOption(values['retry-after'], 'retry-after'));
  set('throttleBursts', burstsOption(values['throttle-bursts']));
  set('errorRate', numberOption(values['error-rate'], 'error-rate'));
  set('dropRate', numberOption(values['drop-rate'], 'drop-rate'));
  set('truncateRate', numberOption(values['truncate-rate'], 'truncate-rate'));
  set('faultSeed', numberOption(values['fault-seed'], 'fault-seed'));
  if (values['redirect-media']) knobs.redirectMedia = true;
  if (values['public-media']) knobs.mediaAuth = false;

  const seed = numberOption(values.seed, 'seed') ?? 1;
  const days = numberOption(values.days, 'days') ?? 120;
  const now = Date.now();
  const generate = numberOption(values.generate, 'generate');
  const generateDays = numberOption(values['generate-days'], 'generate-days') ?? 730;
  const sandbox = await startSandbox({
    port: numberOption(values.port, 'port') ?? 0,
    seed,
    subaccounts: numberOption(values.subaccounts, 'subaccounts') ?? 2,
    recordings: {
      seed,
      count: numberOption(values.recordings, 'recordings') ?? 500,
      from: now - days * 86_400_000,
      to: now,
      durationSeconds: numberOption(values.duration, 'duration'),
    },
    generated:
      generate === undefined
        ? undefined
        : {
            perAccount: generate,
            from: now - generateDays * 86_400_000,
            to: now,
            accounts: generatedAccountsOption(values['generate-accounts']),
            shape: generatedShapeOption(values['generate-shape']),
          },
    knobs,
  });

  if (values.json) {
    const { port, url, env, account, subaccounts, cdnHost, caCertPath } = sandbox;
    process.stdout.write(`${JSON.stringify({ port, url, env, account, subaccounts, cdnHost, caCertPath })}\n`);
  } else {
    const lines = [
      `Recordings sandbox listening on ${sandbox.url} with ${sandbox.store.size} recordings.`,
      '',
      'Export these to point the twilio CLI at it:',
      ...Object.entries(sandbox.env).map(([name, value]) => `export ${name}=${value}`),
      `export TWILIO_ACCOUNT_SID=${sandbox.account.sid}`,
      `export TWILIO_AUTH_TOKEN=${sandbox.account.authToken}`,
      '',
      `API key: ${sandbox.account.apiKeySid} / ${sandbox.account.apiKeySecret}`,
      ...sandbox.subaccounts.map((s) => `Subaccount: ${s.sid} / ${s.authToken}`),
      '',
      'Press Ctrl+C to stop.',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  const stop = (): void => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
});
