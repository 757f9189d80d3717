import { expect } from 'chai';
import { Errors, Parser } from '@oclif/core';
import { flagErrorLine } from '../../../src/cli/flag-errors';
import { limitFlags, concurrencyFlag, mediaFlags } from '../../../src/cli/flags';

const flags = { ...limitFlags('list at most this many recordings', 50), ...concurrencyFlag, ...mediaFlags };
const args = [{ name: 'URL', description: 'the URL to send to', required: true }];

/** What oclif's parser throws for `argv`, as one line. */
async function lineFor(argv: string[], withArgs = false): Promise<string | undefined> {
  try {
    await Parser.parse(argv, { flags, args: withArgs ? args : [], strict: true });
  } catch (error) {
    return flagErrorLine(error, 'recordings:list');
  }
  throw new Error(`${argv.join(' ')} parsed`);
}

describe('flagErrorLine', () => {
  const cases: Array<[string[], string]> = [
    [['--limit', '5', '--no-limit'], '--no-limit and --limit cannot be used together'],
    [['--limit', 'many'], 'Invalid --limit: expected an integer but received: many'],
    [['--limit', '0'], 'Invalid --limit: expected an integer greater than or equal to 1 but received: 0'],
    [
      ['--concurrency', '101'],
      'Invalid --concurrency: expected an integer less than or equal to 100 but received: 101',
    ],
    [['--format', 'ogg'], 'Expected --format=ogg to be one of: wav, mp3'],
    [['extra'], 'Unexpected argument: extra'],
    [['--limit'], 'Flag --limit expects a value'],
  ];
  for (const [argv, reason] of cases) {
    it(`says ${argv.join(' ')} is wrong in one line, with where to look`, async () => {
      const line = await lineFor(argv);
      expect(line).to.equal(`${reason}; run "twilio recordings:list --help" for the flags and their rules.`);
    });
  }

  const profiles: string[][] = [['-p', 'work'], ['--profile', 'work'], ['--profile=work'], ['-pwork']];
  for (const argv of profiles) {
    it(`says ${argv.join(' ')} has no place on a command that takes no profile`, async () => {
      expect(await lineFor(argv)).to.equal(
        'This command needs no profile or credentials: leave out -p/--profile; run "twilio recordings:list --help" for the flags and their rules.',
      );
    });
  }

  it('names a missing argument with its description', async () => {
    expect(await lineFor([], true)).to.match(/^Missing 1 required arg: URL — the URL to send to; run/);
  });

  it('leaves other errors, and requests for help, alone', () => {
    expect(flagErrorLine(new Error('boom'), 'recordings:list')).to.equal(undefined);
    expect(flagErrorLine(new Errors.CLIError('Unexpected argument: --help\nSee more help with --help'), 'x')).to.equal(
      undefined,
    );
  });
});
