import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { measure, median, row, seconds, type BenchRow } from './measure';

const DAY_MS = 24 * 60 * 60 * 1000;
const ROUNDS = 3;

const POLICY = `subaccounts: true
rules:
  - name: compliance
    match:
      account: Sandbox subaccount 1
    keep: forever
  - name: short calls
    match:
      maxDuration: 30s
    keep: 7d
  - name: default
    keep: 90d
`;

function seededWorld(count: number): Promise<TwilioWorld> {
  const now = Date.now();
  return TwilioWorld.start({
    recordings: { count, seed: 21, from: now - 400 * DAY_MS, to: now },
    subaccounts: 2,
  });
}

function policyFile(): { path: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'retention-bench-'));
  const path = join(dir, 'retention.yml');
  writeFileSync(path, POLICY);
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Planning a policy holds tallies per rule and account, not recordings: memory stays flat. */
async function policyPlanMemory(): Promise<BenchRow[]> {
  const policy = policyFile();
  const peaks: number[] = [];
  try {
    for (const count of [1_000, 100_000]) {
      const world = await seededWorld(count);
      try {
        const result = await measure(
          TWILIO_BIN,
          ['recordings:purge', '--policy', policy.path, '--dry-run'],
          world.environment(world.authTokenEnv),
        );
        if (result.status !== 0) throw new Error(`recordings:purge --policy --dry-run failed: ${result.stderr}`);
        peaks.push(result.peakRssMb);
      } finally {
        await world.close();
      }
    }
  } finally {
    policy.dispose();
  }
  const [small, large] = peaks;
  return [
    row(
      'peak RSS of a `recordings:purge --policy` plan (3 rules, 2 subaccounts) over 100,000 vs 1,000 recordings',
      `${large.toFixed(0)} MB`,
      `${small.toFixed(0)} MB`,
      large / small,
      '≤ +60 MB',
      large - small <= 60,
    ),
  ];
}

/** `usage` reads what `list` reads, once; its tallies should cost next to nothing beside the transfer. */
async function usageAgainstList(): Promise<BenchRow[]> {
  const world = await seededWorld(100_000);
  const env = world.environment(world.authTokenEnv);
  const usage: number[] = [];
  const list: number[] = [];
  try {
    // Alternated, so that both meet the same machine.
    for (let round = 0; round < ROUNDS; round += 1) {
      const ours = await measure(TWILIO_BIN, ['recordings:usage', '--subaccounts', '-o', 'json'], env);
      if (ours.status !== 0) throw new Error(`recordings:usage failed: ${ours.stderr}`);
      usage.push(ours.ms);
      const theirs = await measure(TWILIO_BIN, ['recordings:list', '--subaccounts', '--no-limit', '-o', 'none'], env);
      if (theirs.status !== 0) throw new Error(`recordings:list failed: ${theirs.stderr}`);
      list.push(theirs.ms);
    }
  } finally {
    await world.close();
  }
  const ours = median(usage);
  const baseline = median(list);
  return [
    row(
      `\`recordings:usage --subaccounts\` vs \`recordings:list --subaccounts --no-limit -o none\` over 100,000 recordings, median of ${ROUNDS} alternating runs`,
      `${seconds(ours)} (runs ${usage.map(seconds).join(', ')})`,
      `${seconds(baseline)} (runs ${list.map(seconds).join(', ')})`,
      ours / baseline,
      '≤ 1.10',
      ours / baseline <= 1.1,
    ),
  ];
}

export async function retentionBenchmarks(): Promise<BenchRow[]> {
  return [...(await policyPlanMemory()), ...(await usageAgainstList())];
}
