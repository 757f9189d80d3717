import { Errors } from '@oclif/core';
import { createRequire } from 'node:module';
import { join } from 'node:path';

type ExitErrorClass = new (status: number) => Error;

/**
 * The error that ends a command with `status` and prints nothing more. The host CLI's error handler
 * stays silent only for its own @oclif/core's ExitError; an installed plugin has a copy of its own,
 * whose ExitError the host would print as "Error: EEXIT: 2". So the class comes from the copy that
 * `hostRoot` (the host's package folder) resolves, whichever version that is; ours if it has none.
 */
export function exitError(hostRoot: string, status: number): Error {
  return new (hostExitErrorClass(hostRoot))(status);
}

function hostExitErrorClass(hostRoot: string): ExitErrorClass {
  try {
    const core = createRequire(join(hostRoot, 'package.json'))('@oclif/core') as { Errors?: { ExitError?: unknown } };
    const hostClass = core.Errors?.ExitError;
    if (typeof hostClass === 'function') return hostClass as ExitErrorClass;
  } catch {
    // A host that resolves no @oclif/core from its folder: this plugin's copy is the only guess left.
  }
  return Errors.ExitError;
}

/** Whether `error` is, by class name as cli-core judges it, one of `names` or a subclass of one (whichever copy of the class). */
export function isErrorNamed(error: unknown, names: readonly string[]): boolean {
  for (let proto = error; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name && names.includes(name)) return true;
  }
  return false;
}
