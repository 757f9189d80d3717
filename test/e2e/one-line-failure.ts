import { expect } from 'chai';
import type { TwilioRun } from './twilio-world';

/**
 * A failure as the README promises it: this exit status, nothing on stdout, one line on stderr
 * that matches `message`, and no stack trace or crash report.
 */
export function expectOneLineFailure(run: TwilioRun, status: number, message: RegExp): void {
  expect(run.status, run.stderr).to.equal(status);
  expect(run.stdout).to.equal('');
  expect(run.stderr).to.match(message);
  expect(run.stderr.trim().split('\n'), run.stderr).to.have.length(1);
  expect(run.stderr).not.to.match(/\n\s+at |unexpected error/);
}
