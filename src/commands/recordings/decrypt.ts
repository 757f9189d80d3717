import { Flags } from '@oclif/core';
import { type CommandFlags, keyFlags } from '../../cli/flags';
import { keyRingFrom } from '../../cli/key-passphrase';
import { RecordingsCommand } from '../../cli/recordings-command';
import { statSync } from 'node:fs';
import type { DecryptionInput } from '../../cli/flags';
import { privateKeySource } from '../../encryption/key-ring';
import { printable } from '../../text/printable';
import { BadInputError, CancelledError, OperationFailedError } from '../../errors';
import {
  decryptFolder,
  decryptSummaryLines,
  type DecryptResult,
  type DecryptSummary,
} from '../../media/decrypt-folder';
import { docLink } from '../../cli/doc-links';

export default class RecordingsDecrypt extends RecordingsCommand {
  static override description =
    'decrypt the encrypted recordings a download saved as served (….wav.enc), verifying each GCM tag; a re-run decrypts only what is left';

  static docLink = docLink('decrypting-later', 'docs/encryption.md');

  static override examples = [
    '$ twilio recordings:decrypt --key private.pem ./recordings',
    '$ twilio recordings:decrypt --key CRxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=old.pem --key new.pem ./recordings -o json',
    '$ twilio recordings:decrypt --key private-encrypted.pem --key-passphrase-env RECORDINGS_KEY_PASSPHRASE ./recordings',
  ];

  // Not required: oclif gives a DIR written after a repeatable --key to the flag; decryptInputFrom takes it back.
  static override args = [{ name: 'DIR', description: 'the folder recordings:download saved into' }];

  static override flags = {
    // The keys and the folder are local: no profile or credentials needed.
    ...RecordingsCommand.flagsWithoutProfile,
    ...keyFlags,
    properties: Flags.string({
      description: 'the result properties to show as columns',
      default: 'sid, path, outcome, keySid',
    }),
  };

  declare flags: CommandFlags<typeof RecordingsDecrypt.flags>;
  protected override readonly needsTwilio = false;

  override async run(): Promise<void> {
    await super.run();
    const input = decryptInputFrom(this.args.DIR, this.flags.key, this.flags['key-passphrase-env']);
    const keys = await keyRingFrom(input.decryption, this.passphrasePrompt());
    await this.streamResults({
      properties: this.flags.properties,
      stopOnSignals: true,
      run: (records, stop) =>
        decryptFolder({
          root: input.root,
          keys: keys!,
          stop,
          onResult: (result: DecryptResult) => records.write([result]),
        }),
      summaryLines: (summary) => decryptSummaryLines(summary, input.root),
      failure: decryptFailure,
    });
  }
}

/** The error a decryption ends with: a stop request, or recordings that could not be decrypted. */
function decryptFailure(summary: DecryptSummary): Error | undefined {
  if (summary.interrupted)
    return new CancelledError('Decryption stopped on request: run the same command again to go on.');
  if (summary.failed > 0) {
    return new OperationFailedError(`${summary.failed} recordings could not be decrypted; the reasons are above.`);
  }
  return undefined;
}

/**
 * The folder and keys of `recordings:decrypt`. oclif hands a DIR written after `--key FILE` to
 * the repeatable flag: when DIR is missing, a last --key value that names a folder is DIR.
 */
export function decryptInputFrom(
  dir: string | undefined,
  keyValues: string[],
  passphraseEnv: string | undefined,
  isFolder: (path: string) => boolean = (path) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false,
  exists: (path: string) => boolean = (path) => statSync(path, { throwIfNoEntry: false }) !== undefined,
): { root: string; decryption: DecryptionInput } {
  let values = keyValues;
  let root = dir;
  const last = values[values.length - 1];
  if (root === undefined && values.length > 1 && isFolder(last!)) {
    root = last!;
    values = values.slice(0, -1);
  }
  // `--key private.pem ./missing`: the last value is the folder, mistyped, rather than a key that is not there.
  if (root === undefined && values.length > 1 && !exists(last!) && !/\.(pem|key)$/i.test(last!)) {
    throw new BadInputError(
      `The folder "${printable(last!)}" does not exist: check the path, and give the folder recordings:download saved into.`,
    );
  }
  if (root === undefined || root.trim() === '') {
    throw new BadInputError('Give the folder to decrypt: twilio recordings:decrypt --key private.pem DIR.');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) {
    throw new BadInputError(
      `recordings:decrypt reads a local folder, not ${root.split('://')[0]}:// storage: copy the files to a folder first.`,
    );
  }
  return {
    root,
    decryption: { keys: values.map(privateKeySource), passphraseEnv, passphraseEnvFlag: 'key-passphrase-env' },
  };
}
