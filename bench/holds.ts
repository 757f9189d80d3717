import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { holdsRecheck, readHoldsFile, writeHoldsFile, type HoldsLocation } from '../src/holds/holds-file';
import type { Hold } from '../src/retention/holds';
import { measure, row, type BenchRow } from './measure';

const RECORDINGS = 10_000;
const HOLDS = 1_000;
/** Parsing the file for every recording is timed on a sample and scaled. */
const REREAD_SAMPLE = 200;
const WRITERS = 8;

const sidOf = (prefix: string, n: number) => prefix + n.toString(16).padStart(32, '0');

/** Purge's last-moment hold check over 10,000 recordings, against parsing the file again for each. */
async function recheckCost(): Promise<BenchRow> {
  const dir = mkdtempSync(join(tmpdir(), 'holds-bench-'));
  try {
    const location: HoldsLocation = { path: join(dir, 'holds.json'), named: true };
    const holds: Hold[] = Array.from({ length: HOLDS }, (_, i) => ({
      target: { callSid: sidOf('CA', i) },
      reason: `case ${i}`,
    }));
    await writeHoldsFile(location.path, holds);
    let parses = 0;
    const counted = (at: HoldsLocation) => {
      parses += 1;
      return readHoldsFile(at);
    };
    const recording = (i: number) => ({ sid: sidOf('RE', i), callSid: sidOf('CA', HOLDS + i), conferenceSid: null });
    await readHoldsFile(location); // The parser's first load is not what is compared.
    const recheck = holdsRecheck(location, () => new Date(), counted);
    let started = process.hrtime.bigint();
    for (let i = 0; i < RECORDINGS; i += 1)
      if (await recheck(recording(i))) throw new Error('an unheld recording was held');
    const oursMs = Number(process.hrtime.bigint() - started) / 1e6;
    started = process.hrtime.bigint();
    for (let i = 0; i < REREAD_SAMPLE; i += 1) await holdsRecheck(location)(recording(i));
    const rereadMs = ((Number(process.hrtime.bigint() - started) / 1e6) * RECORDINGS) / REREAD_SAMPLE;
    return row(
      `purge's hold check before each DELETE: ${RECORDINGS.toLocaleString('en-US')} recordings against an unchanged holds file of ${HOLDS.toLocaleString('en-US')} holds, vs parsing the file for each (${REREAD_SAMPLE} timed, scaled)`,
      `${oursMs.toFixed(0)} ms (${(oursMs / RECORDINGS).toFixed(3)} ms each; ${parses} parse)`,
      `${(rereadMs / 1000).toFixed(1)} s`,
      rereadMs / oursMs,
      'faster',
      parses === 1 && oursMs < rereadMs,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Several `holds:add` at once on one shared file: every hold must be in it. */
async function concurrentWriters(): Promise<BenchRow> {
  const world = await TwilioWorld.start({ subaccounts: 0 });
  try {
    const file = join(world.home, 'shared-holds.json');
    const env = world.environment();
    const one = await measure(
      TWILIO_BIN,
      ['recordings:holds:add', '--sid', sidOf('RE', 999), '--reason', 'alone', '--holds', join(world.home, 'x.json')],
      env,
    );
    const started = process.hrtime.bigint();
    const runs = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        measure(
          TWILIO_BIN,
          ['recordings:holds:add', '--sid', sidOf('RE', i), '--reason', `r${i}`, '--holds', file],
          env,
        ),
      ),
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const failed = runs.filter((run) => run.status !== 0);
    if (failed.length > 0) throw new Error(`holds:add failed: ${failed[0].stderr}`);
    const kept = (JSON.parse(readFileSync(file, 'utf8')) as { holds: unknown[] }).holds.length;
    return row(
      `${WRITERS} \`recordings:holds:add\` at once on one shared holds file: holds in the file afterwards (wall time of all ${WRITERS}; one alone took ${(one.ms / 1000).toFixed(1)} s)`,
      `${kept} of ${WRITERS} (${(ms / 1000).toFixed(1)} s)`,
      `${WRITERS} added`,
      kept / WRITERS,
      'none lost',
      kept === WRITERS,
    );
  } finally {
    await world.close();
  }
}

export async function holdsBenchmarks(): Promise<BenchRow[]> {
  return [await recheckCost(), await concurrentWriters()];
}
