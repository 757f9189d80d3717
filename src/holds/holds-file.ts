import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError, messageOf } from '../errors';
import { replaceFile } from '../journal/atomic-file';
import { readRegularFile } from '../journal/input-file';
import { printable } from '../text/printable';
import { HoldSet, describeHold, serializeHolds, type Hold } from '../retention/holds';
import type { Recording } from '../recordings/recording';

/** The environment variable naming a team's shared holds file. */
export const HOLDS_ENV = 'TWILIO_RECORDINGS_HOLDS';
export const HOLDS_FILE_NAME = 'holds.json';

/** Which holds file a command uses, and whether someone named it (then it must exist). */
export interface HoldsLocation {
  path: string;
  named: boolean;
}

/** `--holds FILE`, else TWILIO_RECORDINGS_HOLDS, else holds.json in the plugin's data folder. */
export function holdsLocation(flag: string | undefined, env: NodeJS.ProcessEnv, dataDir: string): HoldsLocation {
  if (flag !== undefined) return { path: resolve(flag), named: true };
  const fromEnv = env[HOLDS_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { path: resolve(fromEnv), named: true };
  return { path: join(dataDir, HOLDS_FILE_NAME), named: false };
}

/**
 * The holds of a holds file. A file someone named that is missing is a bad-input error, never
 * "no holds"; so is any file that is not a regular file or does not parse. The default file may
 * not exist yet: then there are no holds.
 */
export async function readHoldsFile(location: HoldsLocation): Promise<Hold[]> {
  const text = await readRegularFile(location.path, location.named ? 'holds file' : undefined);
  if (text === undefined) return [];
  // Loaded only when there is a file: YAML and the schema validator cost other runs nothing.
  const { parseHolds } = await import('../retention/holds-document');
  return parseHolds(text, location.path);
}

/** Replaces the holds file with `holds` atomically (see replaceFile); a link in its place is refused. */
export async function writeHoldsFile(path: string, holds: readonly Hold[]): Promise<void> {
  await replaceFile(path, serializeHolds(holds), 'holds');
}

/**
 * Asks the holds file again for every question (see holdsRecheck), so that a long-running command
 * (a listener) honours a hold added while it runs: the hold that keeps `recording` now, described, or undefined.
 */
export function holdCheck(
  location: HoldsLocation,
  clock: () => Date = () => new Date(),
): (recording: Pick<Recording, 'sid' | 'callSid' | 'conferenceSid'>) => Promise<string | undefined> {
  const recheck = holdsRecheck(location, clock);
  return async (recording) => {
    const hold = await recheck(recording);
    return hold ? describeHold(hold) : undefined;
  };
}

/** The hold that keeps a recording now, by the holds file as it is at this moment; undefined when none. */
export type HoldRecheck = (
  recording: Pick<Recording, 'sid' | 'callSid' | 'conferenceSid'>,
) => Promise<Hold | undefined>;

/**
 * Asks the holds file again for each recording, just before its deletion, so that a hold added
 * while a long purge runs keeps what the purge reaches later. The file is parsed again only when
 * it changed (its inode, size, modification or change time), so a purge of thousands of
 * recordings costs one stat each, not one parse each. Statted before it is read: a change between
 * the two is read again next time, never missed.
 */
export function holdsRecheck(
  location: HoldsLocation,
  clock: () => Date = () => new Date(),
  read: (location: HoldsLocation) => Promise<Hold[]> = readHoldsFile,
): HoldRecheck {
  let seen: string | undefined;
  let holds = HoldSet.none;
  return async (recording) => {
    const stats = await fs.stat(location.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new BadInputError(`Cannot read ${printable(location.path)}: ${messageOf(error)}.`);
    });
    const version = stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}` : 'none';
    if (version !== seen) {
      holds = new HoldSet(await read(location), new Date(0));
      seen = version;
    }
    return holds.heldBy(recording, clock());
  };
}

/** Asks each holds file again (see holdsRecheck): the first hold any of them has on the recording now. */
export function holdsRecheckAll(
  locations: readonly HoldsLocation[],
  clock: () => Date = () => new Date(),
): HoldRecheck {
  const rechecks = locations.map((location) => holdsRecheck(location, clock));
  return async (recording) => {
    for (const recheck of rechecks) {
      const hold = await recheck(recording);
      if (hold) return hold;
    }
    return undefined;
  };
}
