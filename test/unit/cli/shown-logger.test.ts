import { expect } from 'chai';
import type { Logger } from '@twilio/cli-core';
import { shownLogger } from '../../../src/cli/shown-logger';

/** A logger as cli-core's: the four levels call `log`, which here keeps what reached stderr. */
function recordingLogger(): Logger & { written: Array<[unknown, number | undefined]> } {
  const written: Array<[unknown, number | undefined]> = [];
  return {
    written,
    config: { level: -1 },
    log(message: unknown, level?: number) {
      written.push([message, level]);
    },
    debug(message: unknown) {
      this.log(message, -1);
    },
    info(message: unknown) {
      this.log(message, 0);
    },
    warn(message: unknown) {
      this.log(message, 1);
    },
    error(message: unknown) {
      this.log(message, 2);
    },
  };
}

describe('shownLogger', () => {
  const cases: Array<[string, (logger: Logger) => void, number]> = [
    ['info', (logger) => logger.info('Downloaded into /tmp/rec\u202evaw\u009b2J'), 0],
    ['warn', (logger) => logger.warn('Downloaded into /tmp/rec\u202evaw\u009b2J'), 1],
    ['error', (logger) => logger.error('Downloaded into /tmp/rec\u202evaw\u009b2J'), 2],
  ];
  for (const [level, write, code] of cases) {
    it(`${level}: one line, with the override and the CSI escaped`, () => {
      const logger = recordingLogger();
      write(shownLogger(logger));
      expect(logger.written).to.deep.equal([['Downloaded into /tmp/rec\\u202evaw\\x9b2J', code]]);
    });
  }

  it('info: a line break in a message is shown, not taken', () => {
    const logger = recordingLogger();
    shownLogger(logger).info('a\n » forged line');
    expect(logger.written).to.deep.equal([['a\\n » forged line', 0]]);
  });

  it('debug: a stack keeps its lines, and nothing else a terminal acts on', () => {
    const logger = recordingLogger();
    shownLogger(logger).debug('Error: \u001b[2J\n    at x');
    expect(logger.written).to.deep.equal([['Error: \\x1b[2J\n    at x', -1]]);
  });

  it('an object is written as printable JSON; undefined as before', () => {
    const logger = recordingLogger();
    const shown = shownLogger(logger);
    shown.debug({ name: '\u202e' });
    shown.debug(undefined);
    expect(logger.written).to.deep.equal([
      ['{"name":"\\u202e"}', -1],
      ['undefined', -1],
    ]);
  });

  it('shares the level with the logger it wraps', () => {
    const logger = recordingLogger();
    shownLogger(logger).config.level = 2;
    expect(logger.config.level).to.equal(2);
  });
});
