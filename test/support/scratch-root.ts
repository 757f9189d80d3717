// Loaded by mocha before any test file: every temporary folder the tests make, theirs and the `twilio`
// processes' they start, goes under one folder of this run, which is removed when the run ends. Under
// `--parallel`, each worker loads this too, with TMPDIR already the run's folder: its own folder goes inside,
// and the main process's teardown (workers run none) removes them all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratchRoot = mkdtempSync(join(tmpdir(), 'recordings-tests-'));
process.env.TMPDIR = scratchRoot;

export function mochaGlobalTeardown(): void {
  rmSync(scratchRoot, { recursive: true, force: true });
}
