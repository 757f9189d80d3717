import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, TWILIO_BIN, TwilioWorld } from '../test/e2e/twilio-world';
import { measure, median, row, type BenchRow } from './measure';

const RUNS = 15;

/** Medians of alternating runs of two commands, so drift on a shared machine hits both alike. */
async function alternate(a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
  await a();
  await b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    as.push(await a());
    bs.push(await b());
  }
  return [median(as), median(bs)];
}

export async function startupBenchmarks(): Promise<BenchRow[]> {
  const linked = await TwilioWorld.start();
  const bare = await TwilioWorld.start({}, { link: false });
  try {
    const time = (world: TwilioWorld, args: string[]) => async () => {
      const result = await measure(TWILIO_BIN, args, world.environment(), mkdtempSync(join(tmpdir(), 'bench-cwd-')));
      if (result.status !== 0) throw new Error(`twilio ${args.join(' ')} failed: ${result.stderr}`);
      return result.ms;
    };
    const [ourHelp, theirHelp] = await alternate(
      time(linked, ['recordings:list', '--help']),
      time(linked, ['api:core:recordings:list', '--help']),
    );
    const [withPlugin, withoutPlugin] = await alternate(time(linked, ['--version']), time(bare, ['--version']));
    return [
      row(
        `start-up: \`twilio recordings:list --help\` vs \`twilio api:core:recordings:list --help\` (median of ${RUNS})`,
        `${ourHelp.toFixed(0)} ms`,
        `${theirHelp.toFixed(0)} ms`,
        ourHelp / theirHelp,
        '≤ 1.05',
        ourHelp / theirHelp <= 1.05,
      ),
      row(
        `start-up: \`twilio --version\` with the plugin linked vs without (median of ${RUNS})`,
        `${withPlugin.toFixed(0)} ms`,
        `${withoutPlugin.toFixed(0)} ms`,
        withPlugin / withoutPlugin,
        '≤ 1.03',
        withPlugin / withoutPlugin <= 1.03,
      ),
    ];
  } finally {
    await linked.close();
    await bare.close();
  }
}

export { REPO_ROOT };
