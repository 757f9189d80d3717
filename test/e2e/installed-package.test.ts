import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { LOCAL_STORE_CREDENTIALS, LocalObjectStore } from '../support/object-store-server';
import { filesUnder } from './download-tree';
import { keyFiles } from './encryption-keys';
import { expectOneLineFailure } from './one-line-failure';
import { RunningListener } from './running-listener';
import { REGISTRY_NETWORK, REPO_ROOT, TWILIO_BIN, TwilioWorld, runCommand, type TwilioRun } from './twilio-world';
import { DAY } from '../support/time';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const WORKFLOW = join(REPO_ROOT, 'docs', 'examples', 'retention-workflow.yml');

interface WorkflowStep {
  name?: string;
  run?: string;
  env?: Record<string, string>;
}

/** The steps of the documented GitHub Actions workflow, by name. */
function workflowStep(name: string): WorkflowStep {
  const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, { steps: WorkflowStep[] }> };
  const step = Object.values(workflow.jobs)
    .flatMap((job) => job.steps)
    .find((candidate) => candidate.name === name);
  if (!step?.run) throw new Error(`the workflow has no step "${name}" that runs a command`);
  return step;
}

/**
 * The package as a user gets it: packed, installed with `twilio plugins:install` into a clean HOME by
 * the documented workflow's own install step (no terminal, nothing linked, no checkout on the path the
 * plugin resolves from), then every command once against the sandbox. Installing takes about half a
 * minute, so it happens once, before the journey.
 */
describe('the packed plugin, installed as the docs say', function () {
  this.timeout(300_000);
  let world: TwilioWorld;
  let scratch: string;
  let bin: string;
  let store: LocalObjectStore;
  let install: TwilioRun;

  /** Runs a workflow step's shell as GitHub Actions does (bash -e, stdin closed), `twilio` on the PATH. */
  const runStep = (script: string, env: Record<string, string | undefined>, cwd: string) =>
    runCommand('bash', ['-e', '-c', script], world.environment({ ...env, PATH: `${bin}:${process.env.PATH}` }), {
      cwd,
      timeoutMs: 240_000,
    });
  const twilio = (args: string[], env: Record<string, string | undefined> = {}) =>
    world.run(args, { env: { ...world.authTokenEnv, ...env }, cwd: scratch });
  const folder = (name: string) => {
    const path = join(scratch, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const addRecording = (ageMs: number) =>
    world.sandbox.store.addRecording({ dateCreated: Date.now() - ageMs, durationSeconds: 3 }).sid;
  const status = (sid: string) => world.sandbox.store.getRecording(sid)?.status;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'installed-package-'));
    // The tarball holds exactly the package's `files`, so a missing one fails here.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
    });
    const tarball = join(scratch, readdirSync(scratch).find((name) => name.endsWith('.tgz')) as string);
    bin = folder('bin');
    symlinkSync(TWILIO_BIN, join(bin, 'twilio'));
    world = await TwilioWorld.start(
      { seed: 21, subaccounts: 0, recordings: { count: 6, statusMix: { completed: 1 }, maxDurationSeconds: 4 } },
      { link: false },
    );
    // The workflow's step, with the tarball standing in for the published name. Yarn reaches the package
    // registry as this machine does (its own proxy and CA, if any), not through the sandbox's.
    const step = workflowStep('Install the recordings plugin');
    install = await runStep(
      step.run!.replace(pkg.name, `file:${tarball}`),
      { ...step.env, ...REGISTRY_NETWORK },
      scratch,
    );
    if (install.status !== 0) throw new Error(`the documented install failed: ${install.stderr}`);
    store = await LocalObjectStore.start();
    await store.createBucket('archive');
  });

  after(async () => {
    await store?.stop();
    await world?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('installs with the documented recipe and no terminal: a real copy, not a link', async () => {
    expect(install.status, install.stderr).to.equal(0);
    const plugins = await world.run(['plugins']);
    expect(plugins.stdout).to.include(`${pkg.name} ${pkg.version}`);
    expect(plugins.stdout).not.to.include('(link)');
    const installed = join(world.home, '.twilio-cli', 'node_modules', pkg.name);
    expect(lstatSync(installed).isSymbolicLink()).to.equal(false);
    expect(existsSync(join(installed, 'lib', 'commands', 'recordings', 'list.js'))).to.equal(true);
  });

  it('lists every recording', async () => {
    const run = await twilio(['recordings:list', '--no-limit', '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.have.length(world.sandbox.store.recordings(world.sandbox.account.sid).length);
  });

  it('downloads into a folder and into an s3:// bucket', async () => {
    const count = world.sandbox.store.recordings(world.sandbox.account.sid).length;
    const root = folder('downloads');
    const local = await twilio(['recordings:download', '--output-dir', root]);
    expect(local.status, local.stderr).to.equal(0);
    expect(filesUnder(root).filter((file) => file.endsWith('.wav'))).to.have.length(count);
    const s3 = await twilio(['recordings:download', '--output-dir', 's3://archive/recordings'], {
      AWS_ENDPOINT_URL_S3: store.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_STORE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_STORE_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    });
    expect(s3.status, s3.stderr).to.equal(0);
    const media = (await store.keys('archive')).filter((key) => key.endsWith('.wav'));
    expect(media).to.have.length(count);
  });

  it('adds, lists and removes a hold', async () => {
    const sid = addRecording(40 * DAY);
    const holds = join(scratch, 'holds-journey.json');
    const added = await twilio(['recordings:holds:add', '--sid', sid, '--reason', 'case 42', '--holds', holds]);
    expect(added.status, added.stderr).to.equal(0);
    const listed = await twilio(['recordings:holds:list', '--holds', holds, '-o', 'json']);
    expect(listed.status, listed.stderr).to.equal(0);
    expect(JSON.parse(listed.stdout).map((hold: { sid: string }) => hold.sid)).to.deep.equal([sid]);
    const removed = await twilio(['recordings:holds:remove', '--sid', sid, '--holds', holds]);
    expect(removed.status, removed.stderr).to.equal(0);
    const after = await twilio(['recordings:holds:list', '--holds', holds, '-o', 'json']);
    expect(JSON.parse(after.stdout)).to.deep.equal([]);
  });

  it('purges by a policy and holds through a reviewed plan, keeping the held recording', async () => {
    const old = addRecording(40 * DAY);
    const held = addRecording(40 * DAY);
    const young = addRecording(2 * DAY);
    const policy = join(scratch, 'plan-policy.yml');
    writeFileSync(policy, 'version: 1\nrules:\n  - name: default\n    keep: 30d\n');
    const holds = join(scratch, 'plan-holds.json');
    writeFileSync(holds, JSON.stringify({ version: 1, holds: [{ sid: held, reason: 'litigation' }] }));
    const plan = join(scratch, 'plan.json');
    const planned = await twilio(['recordings:purge', '--policy', policy, '--holds', holds, '--plan-out', plan]);
    expect(planned.status, planned.stderr).to.equal(0);
    expect(status(old)).to.equal('completed');
    const applied = await twilio(['recordings:purge', '--plan', plan, '--holds', holds, '--force']);
    expect(applied.status, applied.stderr).to.equal(0);
    expect([status(old), status(held), status(young)]).to.deep.equal(['deleted', 'completed', 'completed']);
  });

  it('shows usage under a policy', async () => {
    const policy = join(scratch, 'usage-policy.yml');
    writeFileSync(policy, 'version: 1\nrules:\n  - name: default\n    keep: 1d\n');
    const run = await twilio(['recordings:usage', '--policy', policy, '-o', 'json']);
    expect(run.status, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.be.an('object');
  });

  it('purges with --archive-dir, saving each recording before deleting it', async () => {
    const sid = addRecording(400 * DAY);
    const archive = folder('archive');
    const run = await twilio(['recordings:purge', '--older-than', '300d', '--archive-dir', archive, '--force']);
    expect(run.status, run.stderr).to.equal(0);
    expect(status(sid)).to.equal('deleted');
    expect(filesUnder(archive).some((file) => file.includes(sid))).to.equal(true);
  });

  it('decrypts what it downloaded encrypted', async () => {
    const key = keyFiles(folder('keys'), 'journey');
    const account = world.sandbox.account.sid;
    const sid = addRecording(DAY);
    world.sandbox.encryptRecordings(account, { keySid: world.sandbox.registerPublicKey(key.publicPem), sids: [sid] });
    const root = folder('encrypted');
    const download = await twilio(['recordings:download', '--output-dir', root, '--sid', sid]);
    expect(download.status, download.stderr).to.equal(0);
    expect(filesUnder(root).filter((file) => file.endsWith('.wav.enc'))).to.have.length(1);
    const decrypt = await world.run(['recordings:decrypt', '--key', key.privatePath, root], { cwd: scratch });
    expect(decrypt.status, decrypt.stderr).to.equal(0);
    expect(filesUnder(root).filter((file) => file.endsWith('.wav'))).to.have.length(1);
  });

  it('listens with the inspector, and receives a callback sent to it', async () => {
    const listener = await RunningListener.start(world, ['--inspect'], world.authTokenEnv);
    try {
      const page = await fetch(listener.inspectorUrl);
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/text\/html/);
      const sent = await twilio(['recordings:callbacks:send', listener.localUrl]);
      expect(sent.status, sent.stderr).to.equal(0);
      await listener.waitForStdout(/RE[0-9a-f]{32}/);
    } finally {
      const stopped = await listener.stop();
      expect(stopped.stderr).not.to.match(/EEXIT/);
    }
  });

  it("runs the workflow's purge step as written, its secrets the account's API key", async () => {
    const old = addRecording(400 * DAY);
    const held = addRecording(400 * DAY);
    const checkout = folder('checkout');
    writeFileSync(join(checkout, 'retention.yml'), 'version: 1\nrules:\n  - name: default\n    keep: 90d\n');
    writeFileSync(
      join(checkout, 'holds.json'),
      JSON.stringify({ version: 1, holds: [{ sid: held, reason: 'audit' }] }),
    );
    const { account } = world.sandbox;
    const secrets: Record<string, string> = {
      TWILIO_ACCOUNT_SID: account.sid,
      TWILIO_API_KEY: account.apiKeySid,
      TWILIO_API_SECRET: account.apiKeySecret,
    };
    const step = workflowStep('Apply the retention policy');
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([name, value]) => [
        name,
        value.replace(/\$\{\{\s*secrets\.(\w+)\s*\}\}/, (_, secret: string) => secrets[secret]),
      ]),
    );
    const run = await runStep(step.run!, env, checkout);
    expect(run.status, run.stderr).to.equal(0);
    expect(existsSync(join(checkout, 'report.md'))).to.equal(true);
    expect([status(old), status(held)]).to.deep.equal(['deleted', 'completed']);
  });

  it('prints an error as one line with the documented exit status, and nothing from the host', async () => {
    const badFlag = await twilio(['recordings:list', '--older-than', '30']);
    expectOneLineFailure(badFlag, 2, /Invalid --older-than "30"/);
    const policy = join(scratch, 'bad-policy.yml');
    writeFileSync(policy, 'version: 1\nrules:\n  - name: default\n    keep: someday\n');
    const badPolicy = await twilio(['recordings:usage', '--policy', policy]);
    expectOneLineFailure(badPolicy, 2, /bad-policy\.yml:\d+:\d+/);
    const missing = await twilio(['recordings:holds:list', '--holds', join(scratch, 'no-such-holds.json')]);
    expectOneLineFailure(missing, 2, /does not exist/);
    for (const run of [badFlag, badPolicy, missing]) expect(run.stderr).not.to.match(/EEXIT/);
  });
});
