import { Errors } from '@oclif/core';
import { stripVTControlCharacters } from 'node:util';

// oclif appends this to every parse error; the one line this plugin prints says it in its own words.
const SEE_HELP = /\n?See more help with --help\s*$/;
const EXCLUSIVE = /^--([\w-]+)=.* cannot also be provided when using --([\w-]+)$/;
const PARSING = /^Parsing (--[\w-]+)\s*\n\s*(.+)$/s;
const HELP_REQUEST = /Unexpected arguments?: (-h|--help|help)(,|\n)/;
const UNEXPECTED = /^Unexpected arguments?: (.+)$/m;
const PROFILE = /^(-p|--profile(=|$))/;

/**
 * oclif's flag and argument errors, which span several lines, as one line that says what is
 * wrong and where the rules are; undefined for anything else, and for a request for help.
 */
export function flagErrorLine(error: unknown, commandId: string | undefined): string | undefined {
  if (!(error instanceof Errors.CLIError) || HELP_REQUEST.test(error.message)) return undefined;
  const text = stripVTControlCharacters(error.message)
    .replace(SEE_HELP, '')
    .replace(/^The following errors? occurred:\s*/, '');
  const parsing = PARSING.exec(text);
  const reasons = parsing
    ? [`invalid ${parsing[1]}: ${lowerFirst(parsing[2].trim())}`]
    : text
        .replace(/:\n+/g, ': ')
        .split('\n')
        .map((line) => line.trim().replace(/\s{2,}/g, ' — '))
        .filter(Boolean);
  const help = helpHint(commandId);
  // Only a command that reads no profile leaves -p/--profile unparsed; oclif would call it an argument.
  const unexpected = UNEXPECTED.exec(text)?.[1].split(', ') ?? [];
  if (unexpected.some((argument) => PROFILE.test(argument))) return noProfileLine(commandId);
  return `${upperFirst(togetherOnce(reasons).join('; '))}${help}.`;
}

/** The line for -p/--profile given to a command that works on local files only. */
export function noProfileLine(commandId: string | undefined): string {
  return `This command needs no profile or credentials: leave out -p/--profile${helpHint(commandId)}.`;
}

function helpHint(commandId: string | undefined): string {
  return commandId ? `; run "twilio ${commandId} --help" for the flags and their rules` : '';
}

/** oclif reports a pair of exclusive flags once from each side; say it once. */
function togetherOnce(reasons: string[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const reason of reasons) {
    const exclusive = EXCLUSIVE.exec(reason);
    if (!exclusive) {
      lines.push(reason);
      continue;
    }
    const pair = [exclusive[2], exclusive[1]];
    const key = [...pair].sort().join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`--${pair[0]} and --${pair[1]} cannot be used together`);
  }
  return lines;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
