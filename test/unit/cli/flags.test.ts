import { expect } from 'chai';
import { Parser, type Interfaces } from '@oclif/core';
import {
  concurrencyFrom,
  decryptionInputFrom,
  expectedKeyFrom,
  mediaFormatFrom,
  purgeSelectionInputFrom,
  selectionInputFrom,
} from '../../../src/cli/flags';
import { BadInputError } from '../../../src/errors';
import type { SelectionInput } from '../../../src/selection/criteria';
import RecordingsDownload from '../../../src/commands/recordings/download';
import RecordingsList from '../../../src/commands/recordings/list';
import RecordingsPurge from '../../../src/commands/recordings/purge';

type Command = typeof RecordingsList | typeof RecordingsDownload | typeof RecordingsPurge;

/** Every flag any of the three commands has, typed as each command sees its own. */
type AnyCommandFlags = Interfaces.InferredFlags<
  typeof RecordingsList.flags & typeof RecordingsDownload.flags & typeof RecordingsPurge.flags
>;

/** Parses argv with a command's own flag declarations, as the host CLI does before run(). */
async function flagsOf(command: Command, argv: string[]): Promise<AnyCommandFlags> {
  const { flags } = await Parser.parse(argv, { flags: command.flags as Interfaces.FlagInput, strict: true });
  return flags as AnyCommandFlags;
}

describe('flags to options', () => {
  const selections: Array<[string, Command, string[], SelectionInput['limitCounts'], Partial<SelectionInput>]> = [
    ['list defaults to 50', RecordingsList, [], 'matching', { limit: 50 }],
    ['list --no-limit', RecordingsList, ['--no-limit'], 'matching', { limit: undefined }],
    ['list --limit 7', RecordingsList, ['--limit', '7'], 'matching', { limit: 7 }],
    ['download has no default limit', RecordingsDownload, [], 'matching', { limit: undefined }],
    ['download --no-limit', RecordingsDownload, ['--no-limit'], 'matching', { limit: undefined }],
    [
      'purge counts its --limit in completed recordings',
      RecordingsPurge,
      ['--older-than', '90d', '--limit', '100'],
      'completed',
      { olderThan: '90d', limit: 100 },
    ],
    ['purge --no-limit', RecordingsPurge, ['--before', '2026-01-01', '--no-limit'], 'completed', { limit: undefined }],
    [
      'every selection flag',
      RecordingsList,
      [
        '--older-than=1d',
        '--newer-than=7d',
        '--before=2026-01-02',
        '--after=2026-01-01',
        '--call-sid=CA1',
        '--conference-sid=CF1',
        '--sid=RE1',
        '--sid=RE2',
        '--status=completed',
        '--status=absent',
        '--subaccounts',
      ],
      'matching',
      {
        olderThan: '1d',
        newerThan: '7d',
        before: '2026-01-02',
        after: '2026-01-01',
        callSid: 'CA1',
        conferenceSid: 'CF1',
        sids: ['RE1', 'RE2'],
        statuses: ['completed', 'absent'],
        subaccounts: true,
      },
    ],
  ];
  for (const [what, command, argv, limitCounts, expected] of selections) {
    it(`selection: ${what}`, async () => {
      const flags = await flagsOf(command, argv);
      const input = command === RecordingsPurge ? purgeSelectionInputFrom(flags) : selectionInputFrom(flags);
      expect(input).to.deep.include({ limitCounts, ...expected });
      if ('limit' in expected) expect(input.limit).to.equal(expected.limit);
    });
  }

  it('reads --concurrency and --format as oclif checked them, with their defaults', async () => {
    expect(concurrencyFrom(await flagsOf(RecordingsDownload, []))).to.equal(20);
    expect(concurrencyFrom(await flagsOf(RecordingsPurge, ['--concurrency', '5']))).to.equal(5);
    expect(mediaFormatFrom(await flagsOf(RecordingsDownload, []))).to.equal('wav');
    expect(mediaFormatFrom(await flagsOf(RecordingsDownload, ['--format', 'mp3']))).to.equal('mp3');
  });

  const refused: Array<[Command, string[], RegExp]> = [
    [RecordingsList, ['--limit', '3', '--no-limit'], /cannot also be provided/],
    [RecordingsPurge, ['--limit', '0'], /greater than or equal to 1/],
    [RecordingsDownload, ['--concurrency', '101'], /less than or equal to 100/],
    [RecordingsDownload, ['--format', 'MP3'], /to be one of: wav, mp3/],
    [RecordingsList, ['--status', 'done'], /to be one of/],
  ];
  for (const [command, argv, message] of refused) {
    it(`leaves ${argv.join(' ')} to oclif, which refuses it`, async () => {
      let error: unknown;
      await flagsOf(command, argv).catch((caught: unknown) => (error = caught));
      expect(String(error)).to.match(message);
    });
  }
});

describe('decryption flags to options', () => {
  const SID = 'CR' + 'a'.repeat(32);

  it('reads repeated --decrypt-key, a CR…=FILE among them, and the passphrase variable', async () => {
    const flags = await flagsOf(RecordingsDownload, [
      '--decrypt-key',
      'a.pem',
      '--decrypt-key',
      `${SID}=b.pem`,
      '--decrypt-key-passphrase-env',
      'PASS',
    ]);
    expect(decryptionInputFrom(flags)).to.deep.equal({
      keys: [{ path: 'a.pem' }, { keySid: SID, path: 'b.pem' }],
      passphraseEnv: 'PASS',
    });
  });

  it('has no decryption without --decrypt-key', async () => {
    expect(decryptionInputFrom(await flagsOf(RecordingsDownload, []))).to.equal(undefined);
  });

  it('refuses an empty --decrypt-key', async () => {
    const flags = await flagsOf(RecordingsDownload, ['--decrypt-key', ' ']);
    expect(() => decryptionInputFrom(flags)).to.throw(BadInputError, /--decrypt-key is empty/);
  });

  it('takes --expect-key only as a Public Key SID', async () => {
    expect(expectedKeyFrom(await flagsOf(RecordingsPurge, ['--expect-key', SID]))).to.equal(SID);
    const upper = await flagsOf(RecordingsPurge, ['--expect-key', SID.toUpperCase()]);
    expect(expectedKeyFrom(upper), 'in canonical form').to.equal(SID);
    const bad = await flagsOf(RecordingsList, ['--expect-key', 'SK' + 'a'.repeat(32)]);
    expect(() => expectedKeyFrom(bad)).to.throw(BadInputError, /Invalid --expect-key/);
  });
});
