/** A recording whose media could not be saved, with a short reason for the user. */
export class MediaSaveError extends Error {
  constructor(
    readonly sid: string,
    readonly reason: string,
  ) {
    super(`Could not save recording ${sid}: ${reason}`);
    this.name = new.target.name;
  }
}

/** The disk (or the user's quota) is full: no further media can be saved until space is freed. */
export class DiskFullError extends MediaSaveError {}

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

export function isDiskFull(error: unknown): boolean {
  return DISK_FULL_CODES.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}
