import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { TWILIO_BIN, TwilioWorld } from './twilio-world';
import { DAY } from '../support/time';

const PROMPT = 'from Twilio?';

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

interface TerminalRun {
  status: number | null;
  output: string;
}

/**
 * Runs `twilio ARGS` on a pseudo-terminal (util-linux `script`), answers the confirmation
 * with `answer` once its question has appeared, and collects everything the terminal showed.
 */
function runOnTerminal(world: TwilioWorld, args: string[], answer: string): Promise<TerminalRun> {
  const command = [TWILIO_BIN, ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: world.environment(world.authTokenEnv),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let answered = false;
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!answered && output.includes(PROMPT)) {
        answered = true;
        child.stdin.write(answer);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ status, output });
    });
  });
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('twilio recordings:purge confirmation on a terminal', function () {
  this.timeout(120_000);
  let world: TwilioWorld;

  before(async function () {
    if (!hasScript) throw new Error('these tests need `script` from util-linux (apt-get install bsdutils)');
    world = await TwilioWorld.start({ subaccounts: 0 });
  });
  after(() => world?.close());

  const add = (daysAgo: number) =>
    world.sandbox.store.addRecording({ dateCreated: Date.now() - daysAgo * DAY, durationSeconds: 30 }).sid;
  const status = (sid: string) => world.sandbox.store.getRecording(sid)?.status;

  it('deletes nothing when the answer is no (exit 3)', async () => {
    const sids = [add(40), add(41)];
    const run = await runOnTerminal(world, ['recordings:purge', '--older-than', '30d'], 'n\r');
    expect(run.output).to.include('Delete 2 recordings from Twilio?');
    expect(run.output).to.include('Nothing deleted: the purge was not confirmed.');
    expect(run.status, run.output).to.equal(3);
    for (const sid of sids) expect(status(sid)).to.equal('completed');
    expect(world.sandbox.counters.requests.delete).to.equal(0);
  });

  it('deletes nothing when the question is answered with Enter alone: the default is no', async () => {
    const sid = add(42);
    const run = await runOnTerminal(world, ['recordings:purge', '--older-than', '30d'], '\r');
    expect(run.status, run.output).to.equal(3);
    expect(status(sid)).to.equal('completed');
  });

  it('deletes nothing when the question is answered with Ctrl-C (exit 3)', async () => {
    const sid = add(45);
    const run = await runOnTerminal(world, ['recordings:purge', '--older-than', '30d'], '\x03');
    expect(run.status, run.output).to.equal(3);
    expect(run.output).to.match(/Nothing deleted/);
    expect(run.output).not.to.match(/unexpected error/);
    expect(status(sid)).to.equal('completed');
    expect(world.sandbox.counters.requests.delete).to.equal(0);
  });

  it('deletes when the answer is yes', async () => {
    const sids = [add(43), add(44)];
    const run = await runOnTerminal(world, ['recordings:purge', '--older-than', '30d'], 'y\r');
    expect(run.status, run.output).to.equal(0);
    for (const sid of sids) expect(status(sid)).to.equal('deleted');
    expect(run.output).to.match(/Purge: deleted \d+ recordings/);
  });
});
