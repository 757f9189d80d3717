import { BadInputError } from '../errors';
import { printable } from '../text/printable';
import { describeTarget, isActive, newHoldId, sameTarget, type Hold, type HoldTarget } from '../retention/holds';
import { dirname } from 'node:path';
import { promises as fs } from 'node:fs';
import { readHoldsFile, writeHoldsFile, type HoldsLocation } from './holds-file';
import { lockHoldsFile, type HoldsLockOptions } from './holds-lock';

/** A hold as `holds:list` and `holds:add` print it. */
export interface HoldRow {
  id: string;
  sid: string;
  covers: 'recording' | 'call' | 'conference';
  reason: string;
  until: string | null;
  createdAt: string | null;
  active: boolean;
}

export function holdRow(hold: Hold, now: Date): HoldRow {
  const { target } = hold;
  const [covers, sid]: [HoldRow['covers'], string] =
    'sid' in target
      ? ['recording', target.sid]
      : 'callSid' in target
        ? ['call', target.callSid]
        : ['conference', target.conferenceSid];
  return {
    id: hold.id ?? '',
    sid,
    covers,
    reason: hold.reason,
    until: hold.until?.toISOString() ?? null,
    createdAt: hold.createdAt?.toISOString() ?? null,
    active: isActive(hold, now),
  };
}

/** Rows for output: with nulls for JSON, with empty cells for columns and TSV. */
export function holdRows(holds: readonly Hold[], now: Date, json: boolean): Array<HoldRow | Record<string, unknown>> {
  return holds.map((hold) => {
    const row = holdRow(hold, now);
    return json ? row : { ...row, until: row.until ?? '', createdAt: row.createdAt ?? '' };
  });
}

/**
 * Adds a hold to the holds file, creating the file when it does not exist yet (this is how a team's
 * shared file begins). Holds are records: a new one never replaces, shortens or removes another,
 * also on the same recording, call or conference; each is named by an id of its own. An end
 * already past is refused: it would hold nothing.
 */
export async function addHold(
  location: HoldsLocation,
  hold: Hold,
  now: Date,
  lock: HoldsLockOptions = {},
): Promise<{ added: Hold; others: Hold[] }> {
  if (hold.until && hold.until <= now) {
    throw new BadInputError(
      `--until ${hold.until.toISOString()} is already past: the hold would keep nothing; give a later date, or none.`,
    );
  }
  await fs.mkdir(dirname(location.path), { recursive: true, mode: 0o700 });
  return changeHoldsFile(location.path, lock, async (write) => {
    const holds = await readHoldsFile({ ...location, named: false });
    const added: Hold = { ...hold, id: newHoldId(new Set(holds.map((existing) => existing.id ?? ''))) };
    await write([...holds, added]);
    return {
      added,
      others: holds.filter((existing) => sameTarget(existing.target, hold.target) && isActive(existing, now)),
    };
  });
}

/** Which hold `holds:remove` lifts: the one with this id, or the only one on a recording, call or conference. */
export type HoldSelector = { id: string } | { target: HoldTarget };

/**
 * Removes one hold from the file, and no other. A target with several holds (in force or ended) is
 * refused, listing their ids: lifting a legal hold names the hold it lifts.
 */
export async function removeHold(
  location: HoldsLocation,
  which: HoldSelector,
  lock: HoldsLockOptions = {},
): Promise<Hold> {
  return changeHoldsFile(location.path, lock, async (write) => {
    const holds = await readHoldsFile(location);
    const file = printable(location.path);
    let removed: Hold | undefined;
    if ('id' in which) {
      removed = holds.find((hold) => hold.id === which.id);
      if (!removed) {
        throw new BadInputError(
          `No hold in ${file} has the id ${printable(which.id)}: nothing removed; recordings:holds:list shows the ids.`,
        );
      }
    } else {
      const covering = holds.filter((hold) => sameTarget(hold.target, which.target));
      if (covering.length === 0) {
        throw new BadInputError(
          `No hold in ${file} covers ${describeTarget(which.target)}: nothing removed; recordings:holds:list shows the holds.`,
        );
      }
      if (covering.length > 1) {
        const listed = covering.map((hold) => `${hold.id ?? ''} (${printable(hold.reason)})`).join(', ');
        throw new BadInputError(
          `${covering.length} holds in ${file} cover ${describeTarget(which.target)}: ${listed}; nothing removed: name the one to lift with --id.`,
        );
      }
      removed = covering[0];
    }
    await write(holds.filter((hold) => hold !== removed));
    return removed;
  });
}

/**
 * Reads, changes and replaces the holds file under its lock, so that two writers at once (two
 * people, two machines sharing the folder) never lose each other's change. Readers need no lock:
 * the file is replaced atomically. Without a folder there is no file to change, and no lock.
 */
async function changeHoldsFile<T>(
  path: string,
  options: HoldsLockOptions,
  change: (write: (holds: readonly Hold[]) => Promise<void>) => Promise<T>,
): Promise<T> {
  // The parser is loaded before the lock is taken, so that the lock is held only for file work.
  await import('../retention/holds-document');
  const folder = await fs.stat(dirname(path)).catch(() => undefined);
  if (!folder) return change(() => Promise.reject(new Error(`${dirname(path)} does not exist`)));
  const lock = await lockHoldsFile(path, options);
  try {
    return await change(async (holds) => {
      await lock.confirmHeld();
      await writeHoldsFile(path, holds);
    });
  } finally {
    await lock.release();
  }
}

/** Every hold of the file, in force or expired. */
export async function listHolds(location: HoldsLocation): Promise<Hold[]> {
  return readHoldsFile(location);
}
