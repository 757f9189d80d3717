import { CancelledError } from '../errors';
import type { PurgePlan } from './purge-plan';
import { plural } from '../text/plural';

export interface ConfirmationOptions {
  /** `--force`: delete without asking. */
  force: boolean;
  /** Whether someone can answer a question: stdin is a terminal. */
  interactive: boolean;
  /** Whether an archive copy is made before each deletion. */
  archiving: boolean;
  /** Asks a yes/no question whose default is no. */
  ask(message: string): Promise<boolean>;
}

/** Asks before deleting, default no; refuses without a terminal unless forced. Throws CancelledError when not confirmed. */
export async function confirmPurge(plan: PurgePlan, options: ConfirmationOptions): Promise<void> {
  if (options.force) return;
  if (!options.interactive) {
    throw new CancelledError(
      'Nothing deleted: there is no terminal to confirm on. Add --force to delete without a prompt, or --dry-run to only see the plan.',
    );
  }
  const count = plural(plan.total.toDelete.count, 'recording');
  const what = options.archiving ? `Archive, then delete ${count}` : `Delete ${count}`;
  const confirmed = await options.ask(`${what} from Twilio? Their media cannot be recovered once deleted.`);
  if (!confirmed) throw new CancelledError('Nothing deleted: the purge was not confirmed.');
}
