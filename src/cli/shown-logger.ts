import type { Logger } from '@twilio/cli-core';
import { printable, printableJson } from '../text/printable';

/** cli-core's level for `-l debug`. */
const DEBUG_LEVEL = -1;

/**
 * cli-core's logger with every message made printable on its way to stderr, whoever wrote it and
 * whatever it quotes (a folder's name, a server's answer): each message is one line, and a debug
 * message (a stack trace) keeps its line breaks but nothing else a terminal would act on.
 */
export function shownLogger(logger: Logger): Logger {
  const shown = Object.create(logger) as Logger;
  shown.log = (message: unknown, level?: number) => {
    // cli-core writes anything else as JSON (and `undefined`, which has none, as a missing stack did).
    const text = typeof message === 'string' ? message : message === undefined ? 'undefined' : printableJson(message);
    logger.log(level === DEBUG_LEVEL ? text.split('\n').map(printable).join('\n') : printable(text), level);
  };
  return shown;
}
