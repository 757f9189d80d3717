import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const COMMANDS_ROOT = resolve(__dirname, '../../src/commands');

/** What help and the docs read from a command class. */
export interface DocumentedCommand {
  id: string;
  description?: string;
  docLink?: string;
  examples?: string[];
  flags: Record<string, { char?: string }>;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** Every command of the plugin, by its id (`recordings:holds:add`), loaded from src/commands. */
export function commandClasses(): DocumentedCommand[] {
  return sourceFiles(COMMANDS_ROOT)
    .sort()
    .map((file) => {
      const id = relative(COMMANDS_ROOT, file).replace(/\.ts$/, '').split('/').join(':');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const command = require(file).default as Omit<DocumentedCommand, 'id'>;
      return { ...command, id, flags: command.flags ?? {} };
    });
}
