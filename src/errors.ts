/** The message of anything thrown, for a one-line report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Exit statuses shared by every recordings command (see the README's table). */
export const ExitStatus = {
  Success: 0,
  SomeFailed: 1,
  BadInput: 2,
  Cancelled: 3,
  Credentials: 4,
} as const;

export type ExitStatusCode = (typeof ExitStatus)[keyof typeof ExitStatus];

/** Base of every error this plugin reports to the user: a one-line message and an exit status. */
export class RecordingsError extends Error {
  constructor(
    message: string,
    readonly exitStatus: ExitStatusCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadInputError extends RecordingsError {
  constructor(message: string) {
    super(message, ExitStatus.BadInput);
  }
}

export class CredentialsError extends RecordingsError {
  constructor(message: string) {
    super(message, ExitStatus.Credentials);
  }
}

export class CancelledError extends RecordingsError {
  constructor(message: string) {
    super(message, ExitStatus.Cancelled);
  }
}

export class OperationFailedError extends RecordingsError {
  constructor(message: string) {
    super(message, ExitStatus.SomeFailed);
  }
}

/** An error answer from the Twilio API that retrying will not fix. */
export class TwilioApiError extends RecordingsError {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly twilioCode: number | undefined,
  ) {
    super(message, ExitStatus.SomeFailed);
  }
}

/** A recording whose media could not be saved, with a short reason for the user. */
export class MediaSaveError extends Error {
  constructor(
    readonly sid: string,
    readonly reason: string,
    /** True when the destination refused the write (a folder or bucket that takes no more), not the fetch. */
    readonly atDestination = false,
  ) {
    super(`Could not save recording ${sid}: ${reason}`);
    this.name = new.target.name;
  }
}

/** The disk (or the user's quota) is full: no further media can be saved until space is freed. */
export class DiskFullError extends MediaSaveError {}
