import { CancelledError } from '../errors';
import type { PurgePlan } from './purge-plan';
import { plural } from '../text/plural';
import { whenAborted } from '../tasks/interruption';

export interface ConfirmationOptions {
  /** `--force`: delete without asking. */
  force: boolean;
  /** Whether someone can answer a question: stdin is a terminal. */
  interactive: boolean;
  /** Whether an archive copy is made before each deletion. */
  archiving: boolean;
  /** Asks a yes/no question whose default is no. */
  ask(message: string): Promise<boolean>;
  /** Aborted by Ctrl-C or SIGTERM: the question is answered no. */
  stop?: AbortSignal;
}

/**
 * The confirm step of a purge: asks before deleting, default no; refuses without a terminal
 * unless forced. Throws CancelledError when not confirmed, or stopped before the purge began.
 */
export async function confirmPurge(plan: PurgePlan, options: ConfirmationOptions): Promise<void> {
  if (!options.force) {
    if (!options.interactive) {
      throw new CancelledError(
        'Nothing deleted: there is no terminal to confirm on. Add --force to delete without a prompt, or --dry-run to only see the plan.',
      );
    }
    const count = plural(plan.total.toDelete.count, 'recording');
    const what = options.archiving ? `Archive, then delete ${count}` : `Delete ${count}`;
    const confirmed = await askUnlessStopped(
      options,
      `${what} from Twilio? Their media cannot be recovered once deleted.`,
    );
    if (!confirmed) throw new CancelledError('Nothing deleted: the purge was not confirmed.');
  }
  if (options.stop?.aborted) throw new CancelledError('Nothing deleted: the purge was stopped before it began.');
}

/** A stop request answers the question with no. */
async function askUnlessStopped(options: ConfirmationOptions, message: string): Promise<boolean> {
  if (!options.stop) return options.ask(message);
  // inquirer answers Ctrl-C by closing its prompt and signalling the process: stay alive to hear the signal.
  const alive = setInterval(() => undefined, 60_000);
  try {
    return await Promise.race([options.ask(message), whenAborted(options.stop).then(() => false)]);
  } finally {
    clearInterval(alive);
  }
}
