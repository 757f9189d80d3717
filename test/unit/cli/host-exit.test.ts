import { expect } from 'chai';
import { Errors } from '@oclif/core';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitError, isErrorNamed } from '../../../src/cli/host-exit';

/** A host CLI's folder whose @oclif/core is a copy of its own, as a user's twilio-cli has. */
function hostWithOwnOclif(): string {
  const root = mkdtempSync(join(tmpdir(), 'host-cli-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'host-cli' }));
  const core = join(root, 'node_modules', '@oclif', 'core');
  mkdirSync(core, { recursive: true });
  writeFileSync(join(core, 'package.json'), JSON.stringify({ name: '@oclif/core', main: 'index.js' }));
  writeFileSync(
    join(core, 'index.js'),
    `class ExitError extends Error { constructor(code) { super('EEXIT: ' + code); this.oclif = { exit: code }; } }
module.exports = { Errors: { ExitError } };`,
  );
  return root;
}

describe('exitError', () => {
  it("is the host's own ExitError, which the host's handler exits on without printing", () => {
    const root = hostWithOwnOclif();
    try {
      const error = exitError(root, 2) as Error & { oclif: { exit: number } };
      expect(error).not.to.be.instanceOf(Errors.ExitError);
      expect(error.constructor.name).to.equal('ExitError');
      expect(error.oclif.exit).to.equal(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("is this plugin's ExitError when the host's folder resolves no @oclif/core", () => {
    const root = mkdtempSync(join(tmpdir(), 'host-cli-'));
    try {
      const error = exitError(root, 4);
      expect(error).to.be.instanceOf(Errors.ExitError);
      expect((error as Errors.ExitError).oclif.exit).to.equal(4);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('isErrorNamed', () => {
  class CLIError extends Error {}
  class ExitError extends CLIError {}

  it('knows an error by its class name or an ancestor’s, whichever copy of the class made it', () => {
    expect(isErrorNamed(new ExitError(), ['CLIError'])).to.equal(true);
    expect(isErrorNamed(new Errors.CLIError('x'), ['CLIError'])).to.equal(true);
  });

  it('does not know a TypeError, a string or undefined', () => {
    expect(isErrorNamed(new TypeError('x'), ['CLIError', 'TwilioCliError'])).to.equal(false);
    expect(isErrorNamed('text', ['CLIError'])).to.equal(false);
    expect(isErrorNamed(undefined, ['CLIError'])).to.equal(false);
  });
});
