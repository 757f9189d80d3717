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
