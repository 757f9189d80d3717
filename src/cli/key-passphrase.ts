import { BadInputError } from '../errors';
import { KeyRing, type PassphraseSource } from '../encryption/key-ring';
import type { DecryptionInput } from './flags';

export interface PassphrasePrompt {
  /** Whether someone can answer: stdin is a terminal. */
  interactive: boolean;
  /** Asks for a secret without echoing it. */
  ask(message: string): Promise<string>;
  env?: NodeJS.ProcessEnv;
}

/**
 * Where the passphrase of an encrypted PEM comes from: the environment variable named with
 * --decrypt-key-passphrase-env, else a prompt on a terminal; never the command line.
 */
export function passphraseSource(input: DecryptionInput, prompt: PassphrasePrompt): PassphraseSource {
  const envFlag = input.passphraseEnvFlag ?? 'decrypt-key-passphrase-env';
  const env = prompt.env ?? process.env;
  return async (path) => {
    if (input.passphraseEnv !== undefined) {
      const value = env[input.passphraseEnv];
      if (value === undefined) {
        throw new BadInputError(
          `The environment variable ${input.passphraseEnv} named by --${envFlag} is not set: set it to the passphrase of ${path}.`,
        );
      }
      return value;
    }
    if (prompt.interactive) return prompt.ask(`Passphrase of ${path}:`);
    throw new BadInputError(
      `The private key ${path} is encrypted: run on a terminal to be asked its passphrase, or name an environment variable holding it with --${envFlag}.`,
    );
  };
}

/** The key ring for --decrypt-key, read and checked before anything is fetched; undefined without keys. */
export async function keyRingFrom(
  input: DecryptionInput | undefined,
  prompt: PassphrasePrompt,
): Promise<KeyRing | undefined> {
  return input ? KeyRing.load(input.keys, passphraseSource(input, prompt)) : undefined;
}
