import {
  CredentialsError,
  DiskFullError,
  MediaSaveError,
  messageOf,
  OperationFailedError,
  TwilioApiError,
} from '../errors';
import { RetriesExhaustedError } from '../twilio/retry-policy';

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

export function isDiskFull(error: unknown): boolean {
  return DISK_FULL_CODES.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** The short reason a recording's media was not saved, whatever stopped it. */
export function saveFailureReason(error: unknown): string {
  if (error instanceof MediaSaveError) return error.reason;
  return messageOf(error);
}

/** Why a run stopped at a full disk, and what to do: every later copy would fail the same way. */
export function stoppedByFullDisk(reason: string): OperationFailedError {
  return new OperationFailedError(`Stopped: ${reason}. Free some space, then run the same command again.`);
}

/** Turns whatever stopped a save into a MediaSaveError with a short reason. */
export function asSaveError(sid: string, path: string, error: unknown): MediaSaveError {
  if (error instanceof MediaSaveError) return error;
  if (isDiskFull(error)) {
    return new DiskFullError(sid, `the disk is full (${(error as NodeJS.ErrnoException).code}) writing ${path}`, true);
  }
  if (error instanceof RetriesExhaustedError)
    return new MediaSaveError(sid, `${error.lastError.message} (after ${error.attempts} tries)`);
  if (error instanceof CredentialsError || error instanceof TwilioApiError)
    return new MediaSaveError(sid, error.message);
  const code = (error as NodeJS.ErrnoException).code;
  return code
    ? new MediaSaveError(sid, `cannot write ${path} (${code})`, true)
    : new MediaSaveError(sid, (error as Error).message);
}
