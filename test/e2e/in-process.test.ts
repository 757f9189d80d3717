import { expect } from 'chai';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TwilioWorld, type RunOptions } from './twilio-world';

/**
 * The suites run most `twilio` commands inside the test process: each case here runs both ways and
 * must give what the real binary gives, byte for byte: stdout, stderr and the exit status.
 */
describe('twilio in the test process gives what the twilio binary gives', function () {
  this.timeout(180_000);
  let world: TwilioWorld;
  let scratch: string;

  before(async () => {
    world = await TwilioWorld.start({ seed: 5, subaccounts: 0, recordings: { count: 4, statusMix: { completed: 1 } } });
    scratch = mkdtempSync(join(tmpdir(), 'in-process-'));
  });
  after(() => world.close());

  const bothWays = async (args: string[], options: RunOptions = {}) => {
    const inProcess = await world.run(args, options);
    const spawned = await world.run(args, { ...options, spawn: true });
    expect(inProcess).to.deep.equal(spawned);
    return inProcess;
  };
  const withCredentials = (options: RunOptions = {}) => ({
    ...options,
    env: { ...world.authTokenEnv, ...options.env },
  });

  it('a listing as JSON, exit 0', async () => {
    const run = await bothWays(['recordings:list', '-o', 'json'], withCredentials());
    expect(run.status).to.equal(0);
    expect(JSON.parse(run.stdout)).to.have.length(4);
  });

  it('a listing in columns, and the same with --silent', async () => {
    expect((await bothWays(['recordings:list', '--properties', 'sid,duration'], withCredentials())).status).to.equal(0);
    expect((await bothWays(['recordings:list', '--silent'], withCredentials())).stdout).to.equal('');
  });

  it('a flag refused by oclif, exit 2', async () => {
    expect((await bothWays(['recordings:list', '--limit', '0'], withCredentials())).status).to.equal(2);
    expect((await bothWays(['recordings:list', '--format', 'ogg'], withCredentials())).status).to.equal(2);
    expect((await bothWays(['recordings:list', 'extra'], withCredentials())).status).to.equal(2);
  });

  it('a date the plugin refuses, exit 2', async () => {
    const run = await bothWays(['recordings:list', '--before', 'the day before'], withCredentials());
    expect(run.status).to.equal(2);
  });

  it('no credentials, exit 4, as columns and as JSON', async () => {
    expect((await bothWays(['recordings:purge', '--older-than', '30d', '--force'])).status).to.equal(4);
    expect((await bothWays(['recordings:list', '-o', 'json'])).status).to.equal(4);
  });

  it('an account Twilio refuses, exit 4', async () => {
    world.sandbox.setAccountStatus(world.sandbox.account.sid, 'suspended');
    try {
      expect((await bothWays(['recordings:list'], withCredentials())).status).to.equal(4);
    } finally {
      world.sandbox.setAccountStatus(world.sandbox.account.sid, 'active');
    }
  });

  it('a command on local files, with stdin and a working folder', async () => {
    const folder = join(scratch, 'holds');
    mkdirSync(folder);
    writeFileSync(join(folder, 'holds.json'), JSON.stringify({ version: 1, holds: [] }));
    const options = { cwd: folder, input: 'ignored\n' };
    const added = await bothWays(['recordings:holds:list', '--holds', 'holds.json', '-o', 'json'], options);
    expect(added.status).to.equal(0);
  });

  it('a crash (the host cannot parse its config file): the unexpected-error line, exit 1', async () => {
    const home = mkdtempSync(join(tmpdir(), 'broken-config-'));
    cpSync(world.home, home, { recursive: true });
    writeFileSync(join(home, '.twilio-cli', 'config.json'), '{ not json');
    const run = await bothWays(['recordings:list'], withCredentials({ env: { HOME: home } }));
    expect(run.status).to.equal(1);
    expect(run.stderr).to.match(/stopped on an unexpected error/);
  });

  it('help for a command and for the topic', async () => {
    expect((await bothWays(['recordings:purge', '--help'])).stdout).to.include('--older-than');
    expect((await bothWays(['recordings', '--help'])).stdout).to.match(/recordings[: ]list/);
  });

  it('a topic alone and an unknown command, which the host answers with nothing', async () => {
    expect(await bothWays(['recordings'])).to.deep.equal({ status: 0, stdout: '', stderr: '' });
    expect(await bothWays(['recordings:nothing'])).to.deep.equal({ status: 0, stdout: '', stderr: '' });
  });
});
