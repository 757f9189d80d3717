import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Measurement {
  ms: number;
  /** Peak resident set size in MB (VmHWM), sampled from /proc while the process runs. */
  peakRssMb: number;
  /** CPU time (user and system) of the process, sampled from /proc while it runs: up to 10 ms short. */
  cpuMs: number;
  status: number | null;
  stdoutBytes: number;
  stderr: string;
}

function highWaterMarkKb(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The CPU time (user and system) a process has used so far, in ms. */
function cpuTimeMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ, the unit of /proc times, on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Runs a command to completion, counting stdout bytes without keeping them, and its time and peak memory. */
export function measure(command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdoutBytes = 0;
    let stderr = '';
    let peakKb = 0;
    let cpuMs = 0;
    const sample = () => {
      const kb = child.pid ? highWaterMarkKb(child.pid) : undefined;
      if (kb !== undefined) peakKb = Math.max(peakKb, kb);
      const cpu = child.pid ? cpuTimeMs(child.pid) : undefined;
      if (cpu !== undefined) cpuMs = Math.max(cpuMs, cpu);
    };
    const sampler = setInterval(sample, 10);
    child.stdout.on('data', (chunk: Buffer) => (stdoutBytes += chunk.length));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.on('end', sample);
    child.on('error', reject);
    child.on('close', (status) => {
      clearInterval(sampler);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ ms, peakRssMb: peakKb / 1024, cpuMs, status, stdoutBytes, stderr });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The middle item by `key` (the upper middle of an even count): one run's figures, never a blend of two. */
export function medianBy<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

/** A duration as the rows show it: seconds, to a tenth. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface BenchRow {
  benchmark: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  verdict: string;
}

export function row(
  benchmark: string,
  ours: string,
  baseline: string,
  ratio: number,
  target: string,
  pass: boolean,
): BenchRow {
  return { benchmark, ours, baseline, ratio: ratio.toFixed(2), target, verdict: pass ? 'met' : 'MISSED' };
}

/** Peak memory in MB of the same work done on a small input and on a large one, in one round. */
export interface Pair {
  small: number;
  large: number;
}

/** What the large input cost beyond the small one: the memory that grows with the input. */
export function growth(pair: Pair): number {
  return pair.large - pair.small;
}

/**
 * A row for rounds of small/large pairs: the median pair by growth, with every round's growth.
 * Given `limitMb`, the growth must stay within it; without, the row is a measurement (a floor).
 */
export function growthRow(benchmark: string, pairs: Pair[], limitMb?: number): BenchRow {
  const typical = medianBy(pairs, growth);
  const perPair = pairs.map((pair) => `+${growth(pair).toFixed(0)}`).join(', ');
  return row(
    benchmark,
    `${typical.large.toFixed(0)} MB (growth per pair: ${perPair} MB)`,
    `${typical.small.toFixed(0)} MB`,
    typical.large / typical.small,
    limitMb === undefined ? 'measured' : `≤ +${limitMb} MB`,
    limitMb === undefined || growth(typical) <= limitMb,
  );
}

export function markdownTable(rows: BenchRow[]): string {
  const header = '| benchmark | ours | baseline | ratio | target | verdict |\n|---|---|---|---|---|---|';
  return [
    header,
    ...rows.map((r) => `| ${r.benchmark} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.verdict} |`),
  ].join('\n');
}

/** Notes when a sandbox sees its first request, to tell the CLI's own start-up from the work. */
export function firstRequestClock(counters: { requests: { total: number } }): () => number | undefined {
  const started = Date.now();
  let first: number | undefined;
  const timer = setInterval(() => {
    if (counters.requests.total === 0) return;
    first = Date.now() - started;
    clearInterval(timer);
  }, 2);
  return () => {
    clearInterval(timer);
    return first;
  };
}
