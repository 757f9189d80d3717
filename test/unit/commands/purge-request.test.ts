import { expect } from 'chai';
import { Parser, type Interfaces } from '@oclif/core';
import { join, resolve } from 'node:path';
import { flagErrorLine } from '../../../src/cli/flag-errors';
import type { CommandFlags } from '../../../src/cli/flags';
import RecordingsPurge, { purgeRequestFrom } from '../../../src/commands/recordings/purge';
import { ExitStatus, RecordingsError } from '../../../src/errors';
import type { PurgeRequest } from '../../../src/purge/purge-request';

const NOW = new Date('2026-06-01T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const DATA_DIR = '/data/recordings';
const KEY_SID = 'CR' + 'a'.repeat(32);
const RECORDING_SID = 'RE' + 'b'.repeat(32);

/** What the purge asks for, or how it is refused: the exit status and the one line the user reads. */
type Outcome = { request: PurgeRequest } | { exitStatus: number; line: string };

/** Parses argv as the host CLI does, then maps the flags; a refusal is its exit status and line. */
async function outcomeOf(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  let flags: CommandFlags<typeof RecordingsPurge.flags>;
  try {
    const parsed = await Parser.parse(argv, { flags: RecordingsPurge.flags as Interfaces.FlagInput, strict: true });
    flags = parsed.flags as CommandFlags<typeof RecordingsPurge.flags>;
  } catch (error) {
    // The command's catch prints this line and exits 2 for any flag oclif refuses.
    const line = flagErrorLine(error, 'recordings:purge');
    if (line === undefined) throw error;
    return { exitStatus: ExitStatus.BadInput, line };
  }
  try {
    return { request: purgeRequestFrom(flags, { now: NOW, env, dataDir: DATA_DIR }) };
  } catch (error) {
    if (!(error instanceof RecordingsError)) throw error;
    return { exitStatus: error.exitStatus, line: error.message };
  }
}

async function requestOf(argv: string[], env?: NodeJS.ProcessEnv): Promise<PurgeRequest> {
  const outcome = await outcomeOf(argv, env);
  if (!('request' in outcome)) throw new Error(`refused: ${outcome.line}`);
  return outcome.request;
}

async function refusalOf(argv: string[]): Promise<{ exitStatus: number; line: string }> {
  const outcome = await outcomeOf(argv);
  if ('request' in outcome) throw new Error(`not refused: ${argv.join(' ')}`);
  return outcome;
}

describe('purgeRequestFrom', () => {
  const accepted: Array<[string, string[], Partial<PurgeRequest>]> = [
    [
      '--older-than: the selection, with the defaults',
      ['--older-than', '90d'],
      {
        concurrency: 20,
        format: 'wav',
        layout: '{date}/{sid}.{ext}',
        dryRun: false,
        force: false,
        acceptUnverifiedEncrypted: false,
        maxPlanAge: { ms: 7 * DAY, text: '7d' },
        holds: { path: join(DATA_DIR, 'holds.json'), named: false },
      },
    ],
    ['--dry-run', ['--older-than', '90d', '--dry-run'], { dryRun: true }],
    ['--force (-f)', ['--before', '2026-01-01', '-f'], { force: true }],
    ['--sid bounds a purge', ['--sid', RECORDING_SID], {}],
    ['--call-sid bounds a purge', ['--call-sid', 'CA' + 'c'.repeat(32)], {}],
    ['--conference-sid bounds a purge', ['--conference-sid', 'CF' + 'd'.repeat(32)], {}],
    ['--policy in place of a bound', ['--policy', 'retention.yml'], { policyPath: 'retention.yml' }],
    ['--plan in place of a bound', ['--plan', 'plan.json'], { planPath: 'plan.json' }],
    [
      '--plan-out shows and writes the plan, and deletes nothing',
      ['--policy', 'retention.yml', '--plan-out', 'plan.json'],
      { planOutPath: 'plan.json', dryRun: true },
    ],
    ['--max-plan-age', ['--plan', 'plan.json', '--max-plan-age', '2d'], { maxPlanAge: { ms: 2 * DAY, text: '2d' } }],
    [
      '--report, made absolute',
      ['--older-than', '90d', '--report', 'out/report.md'],
      { reportPath: resolve('out/report.md') },
    ],
    ['--log, made absolute', ['--older-than', '90d', '--log', 'purge.jsonl'], { logPath: resolve('purge.jsonl') }],
    [
      '--holds, named',
      ['--older-than', '90d', '--holds', 'holds.json'],
      { holds: { path: resolve('holds.json'), named: true } },
    ],
    ['--archive-dir', ['--older-than', '90d', '--archive-dir', './archive'], { archiveDir: './archive' }],
    [
      '--format and --layout',
      ['--older-than', '90d', '--archive-dir', 'a', '--format', 'mp3', '--layout', '{year}/{sid}.{ext}'],
      { format: 'mp3', layout: '{year}/{sid}.{ext}' },
    ],
    ['--concurrency', ['--older-than', '90d', '--concurrency', '5'], { concurrency: 5 }],
    ['--expect-key, canonical', ['--older-than', '90d', '--expect-key', KEY_SID.toUpperCase()], { expectKey: KEY_SID }],
    [
      '--decrypt-key with --archive-dir',
      ['--older-than', '90d', '--archive-dir', 'a', '--decrypt-key', 'private.pem'],
      { decryption: { keys: [{ path: 'private.pem' }], passphraseEnv: undefined } },
    ],
    ['--decrypt-key with --policy', ['--policy', 'p.yml', '--decrypt-key', 'private.pem'], {}],
    [
      '--accept-unverified-encrypted with --archive-dir',
      ['--older-than', '90d', '--archive-dir', 'a', '--accept-unverified-encrypted'],
      { acceptUnverifiedEncrypted: true },
    ],
    ['--accept-unverified-encrypted with --plan', ['--plan', 'plan.json', '--accept-unverified-encrypted'], {}],
    [
      '--s3-* for an s3:// --archive-dir',
      ['--older-than', '90d', '--archive-dir', 's3://bucket/prefix', '--s3-storage-class', 'GLACIER_IR'],
      { s3: { connection: undefined, storageClass: 'GLACIER_IR', sse: undefined, kmsKeyId: undefined } },
    ],
    [
      '--s3-* with --policy, for its rules to take',
      ['--policy', 'p.yml', '--s3-endpoint', 'http://localhost:9000'],
      {
        s3: {
          connection: { endpoint: 'http://localhost:9000' },
          storageClass: undefined,
          sse: undefined,
          kmsKeyId: undefined,
        },
      },
    ],
  ];
  for (const [what, argv, expected] of accepted) {
    it(`takes ${what}`, async () => {
      expect(await requestOf(argv)).to.deep.include(expected);
    });
  }

  it('selects by the flags, counting --limit in completed recordings', async () => {
    const { selection } = await requestOf(['--older-than', '30d', '--subaccounts', '--limit', '10']);
    expect(selection.createdBefore).to.deep.equal(new Date(NOW.getTime() - 30 * DAY));
    expect(selection).to.include({ includeSubaccounts: true, limit: 10, limitCounts: 'completed' });
  });

  it('reads the holds file from TWILIO_RECORDINGS_HOLDS when --holds is not given', async () => {
    const request = await requestOf(['--older-than', '90d'], { TWILIO_RECORDINGS_HOLDS: 'legal/holds.json' });
    expect(request.holds).to.deep.equal({ path: resolve('legal/holds.json'), named: true });
  });

  const refused: Array<[string, string[], number, RegExp]> = [
    ['a purge without a bound', [], 2, /^A purge needs a bound: add --older-than/],
    ['a purge bounded only from below', ['--newer-than', '7d'], 2, /^A purge needs a bound/],
    ['a purge of statuses only', ['--status', 'completed'], 2, /^A purge needs a bound/],
    [
      'an empty --archive-dir',
      ['--older-than', '90d', '--archive-dir', ' '],
      2,
      /^--archive-dir is empty: give a path/,
    ],
    ['an empty --log', ['--older-than', '90d', '--log', ''], 2, /^--log is empty/],
    ['an empty --policy', ['--policy', ''], 2, /^--policy is empty/],
    ['an empty --plan', ['--plan', ''], 2, /^--plan is empty/],
    ['an empty --plan-out', ['--older-than', '90d', '--plan-out', ''], 2, /^--plan-out is empty/],
    ['an empty --holds', ['--older-than', '90d', '--holds', ''], 2, /^--holds is empty/],
    ['an empty --report', ['--older-than', '90d', '--report', ''], 2, /^--report is empty/],
    ['a bad --older-than', ['--older-than', '90'], 2, /--older-than/],
    ['a bad --max-plan-age', ['--plan', 'p.json', '--max-plan-age', 'soon'], 2, /--max-plan-age/],
    [
      'an --expect-key that is not a key SID',
      ['--older-than', '90d', '--expect-key', 'SK1'],
      2,
      /^Invalid --expect-key/,
    ],
    [
      'an empty --decrypt-key',
      ['--older-than', '90d', '--archive-dir', 'a', '--decrypt-key', ' '],
      2,
      /^--decrypt-key is empty/,
    ],
    [
      '--decrypt-key without an archive',
      ['--older-than', '90d', '--decrypt-key', 'private.pem'],
      2,
      /^--decrypt-key needs --archive-dir: a purge decrypts only the copies it archives\.$/,
    ],
    [
      '--accept-unverified-encrypted without an archive',
      ['--older-than', '90d', '--accept-unverified-encrypted'],
      2,
      /^--accept-unverified-encrypted needs --archive-dir, or a --policy whose rules archive/,
    ],
    [
      '--s3-* for a folder --archive-dir',
      ['--older-than', '90d', '--archive-dir', './archive', '--s3-sse', 'AES256'],
      2,
      /^--s3-sse applies to an s3:\/\/ destination, and --archive-dir names a folder/,
    ],
    ['--s3-* without an archive', ['--older-than', '90d', '--s3-sse', 'AES256'], 2, /--archive-dir is not given/],
    [
      '--policy with a selection flag',
      ['--policy', 'p.yml', '--older-than', '90d'],
      2,
      /--older-than.*--policy|--policy.*--older-than/,
    ],
    [
      '--policy with --archive-dir',
      ['--policy', 'p.yml', '--archive-dir', 'a'],
      2,
      /--archive-dir.*--policy|--policy.*--archive-dir/,
    ],
    ['--plan with --policy', ['--plan', 'plan.json', '--policy', 'p.yml'], 2, /--plan.*--policy|--policy.*--plan/],
    ['--plan with a selection flag', ['--plan', 'plan.json', '--sid', RECORDING_SID], 2, /--plan.*--sid|--sid.*--plan/],
    ['--plan with --plan-out', ['--plan', 'a.json', '--plan-out', 'b.json'], 2, /--plan/],
    [
      '--plan-out with --archive-dir',
      ['--older-than', '9d', '--plan-out', 'p.json', '--archive-dir', 'a'],
      2,
      /--plan-out|--archive-dir/,
    ],
    [
      '--log with --archive-dir',
      ['--older-than', '90d', '--log', 'l.jsonl', '--archive-dir', 'a'],
      2,
      /--log|--archive-dir/,
    ],
    ['--limit with --no-limit', ['--older-than', '90d', '--limit', '3', '--no-limit'], 2, /--limit|--no-limit/],
    ['--limit 0', ['--older-than', '90d', '--limit', '0'], 2, /--limit/],
    ['--concurrency 101', ['--older-than', '90d', '--concurrency', '101'], 2, /--concurrency/],
    ['an unknown --format', ['--older-than', '90d', '--format', 'ogg'], 2, /--format/],
    ['--s3-kms-key-id without --s3-sse', ['--older-than', '90d', '--s3-kms-key-id', 'k'], 2, /--s3-sse/],
  ];
  for (const [what, argv, exitStatus, message] of refused) {
    it(`refuses ${what} (exit ${exitStatus})`, async () => {
      const refusal = await refusalOf(argv);
      expect(refusal.exitStatus).to.equal(exitStatus);
      expect(refusal.line).to.match(message);
    });
  }
});
