import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox';
import { runTwilioInProcess, type CommandRun } from '../support/twilio-in-process';

export const REPO_ROOT = resolve(__dirname, '../..');
export const TWILIO_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'twilio');

export type TwilioRun = CommandRun;

export interface RunOptions {
  /** Extra environment, e.g. credentials; `undefined` values remove a variable. */
  env?: Record<string, string | undefined>;
  /** Text written to stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
  cwd?: string;
  /**
   * Start a real `twilio` process, for what only a process shows: signals, a terminal, its own
   * start-up, how it exits. Otherwise the command runs in this process (see twilio-in-process.ts),
   * unless it cannot (see runsInProcess).
   */
  spawn?: boolean;
}

/** This machine's own way to the package registry (proxy, CA), for yarn and npm: a world's environment has the sandbox's instead. */
export const REGISTRY_NETWORK: Record<string, string | undefined> = {
  HTTPS_PROXY: process.env.HTTPS_PROXY ?? process.env.https_proxy,
  HTTP_PROXY: process.env.HTTP_PROXY ?? process.env.http_proxy,
  NO_PROXY: process.env.NO_PROXY ?? process.env.no_proxy,
  NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
};

/** Variables of the developer's own shell that must not leak into a test's `twilio`. */
const SCRUBBED_VARIABLES = [
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_API_KEY',
  'TWILIO_API_SECRET',
  'TWILIO_REGION',
  'TWILIO_EDGE',
  'TWILIO_CONFIG_DIR',
  'TWILIO_DATA_DIR',
  'TWILIO_CACHE_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'http_proxy',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'XDG_DATA_HOME',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
];

/**
 * A throwaway user of the real `twilio` binary: its own HOME with this plugin linked,
 * talking to a fresh sandbox through the proxy and CA the sandbox gives.
 */
export class TwilioWorld {
  private constructor(
    readonly sandbox: Sandbox,
    readonly home: string,
  ) {}

  static async start(options: SandboxOptions = {}, { link = true, pluginRoot = REPO_ROOT } = {}): Promise<TwilioWorld> {
    const sandbox = await startSandbox(options);
    const home = mkdtempSync(join(tmpdir(), 'twilio-home-'));
    const world = new TwilioWorld(sandbox, home);
    if (link) cpSync(await linkedHome(pluginRoot, world.environment()), home, { recursive: true });
    return world;
  }

  /** The environment variables that make the parent account's auth token the credentials. */
  get authTokenEnv(): Record<string, string> {
    return { TWILIO_ACCOUNT_SID: this.sandbox.account.sid, TWILIO_AUTH_TOKEN: this.sandbox.account.authToken };
  }

  /** Stores a profile in the CLI's config file, as `twilio profiles:create` leaves it, and makes it active. */
  writeProfile(id: string, profile: { accountSid: string; apiKey: string; apiSecret: string }): void {
    const dir = join(this.home, '.twilio-cli');
    mkdirSync(dir, { recursive: true });
    // The file names the active profile `activeProject`, as cli-core writes it.
    const config = { activeProject: id, profiles: { [id]: profile }, prompts: {}, projects: [] };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  }

  /** Runs `twilio ARGS` as a user would, with this world's HOME and sandbox. */
  run(args: string[], options: RunOptions = {}): Promise<TwilioRun> {
    const env = this.environment(options.env);
    if (options.spawn || !runsInProcess(args, env)) return runCommand(TWILIO_BIN, args, env, options);
    const run = runTwilioInProcess(args, { env, cwd: options.cwd ?? REPO_ROOT, input: options.input });
    return options.timeoutMs === undefined ? run : withinTime(run, options.timeoutMs, args);
  }

  /** Starts `twilio ARGS` and hands back the process, to signal it while it runs. */
  start(args: string[], options: RunOptions = {}): RunningCommand {
    return startCommand(TWILIO_BIN, args, this.environment(options.env), options);
  }

  environment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of SCRUBBED_VARIABLES) delete env[name];
    Object.assign(env, {
      HOME: this.home,
      TWILIO_DISABLE_AUTOUPDATE: '1',
      TWILIO_SKIP_NEW_VERSION_CHECK: '1',
      FORCE_COLOR: '0',
      ...this.sandbox.env,
    });
    for (const [name, value] of Object.entries(extra)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    return env;
  }

  async close(): Promise<void> {
    await this.sandbox.close();
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** Per plugin folder, a HOME where the real `twilio plugins:link` linked it: worlds start as copies of it. */
const linkedHomes = new Map<string, Promise<string>>();

function linkedHome(pluginRoot: string, env: NodeJS.ProcessEnv): Promise<string> {
  let home = linkedHomes.get(pluginRoot);
  if (!home) {
    home = (async () => {
      const folder = mkdtempSync(join(tmpdir(), 'twilio-linked-home-'));
      const linked = await runCommand(TWILIO_BIN, ['plugins:link', pluginRoot], { ...env, HOME: folder });
      if (linked.status !== 0) throw new Error(`plugins:link failed: ${linked.stderr}`);
      linkedPluginsFile.set(pluginRoot, readFileSync(join(folder, '.twilio-cli', 'package.json'), 'utf8'));
      return folder;
    })();
    linkedHomes.set(pluginRoot, home);
    home.catch(() => linkedHomes.delete(pluginRoot));
  }
  return home;
}

/**
 * Whether `twilio ARGS` can run in this process: a command of this plugin, linked from this checkout
 * and nothing else, which is what the in-process host loads. The host's own plugin management, and
 * HOMEs with an installed package or another copy of the plugin (whose modules would load into the
 * test process), run as processes.
 */
function runsInProcess(args: string[], env: NodeJS.ProcessEnv): boolean {
  if (args[0] === undefined || args[0] === 'plugins' || args[0].startsWith('plugins:')) return false;
  // Node reads these once, when a process starts (a --require preload that moves the clock, say).
  for (const name of STARTUP_VARIABLES) if (env[name] !== process.env[name]) return false;
  const linked = linkedPluginsFile.get(REPO_ROOT);
  if (linked === undefined) return false;
  const dataDir = env.TWILIO_DATA_DIR || join(env.HOME ?? '', '.twilio-cli');
  try {
    return readFileSync(join(dataDir, 'package.json'), 'utf8') === linked;
  } catch {
    return false;
  }
}

const STARTUP_VARIABLES = ['NODE_OPTIONS', 'UV_THREADPOOL_SIZE', 'NODE_ICU_DATA', 'NODE_PATH'];

/** Per plugin folder, the user-plugins file plugins:link wrote, once it has. */
const linkedPluginsFile = new Map<string, string>();

/** An in-process run that has not finished in time fails the test: unlike a process, it cannot be killed. */
function withinTime(run: Promise<TwilioRun>, timeoutMs: number, args: string[]): Promise<TwilioRun> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`twilio ${args.join(' ')} still running after ${timeoutMs} ms (in this process)`)),
      timeoutMs,
    );
  });
  return Promise.race([run, late]).finally(() => clearTimeout(timer));
}

/**
 * A copy of the built plugin whose dependencies are this checkout's, less the packages named
 * in `without` and with the stand-in packages of `extra` (name to files), as a user's machine
 * might have them: for example without an optional dependency that failed to install.
 */
export function pluginCopy(without: string[], extra: Record<string, Record<string, string>> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'recordings-plugin-'));
  // What the package ships (its `files`), as a user's install has it.
  const { files } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of ['package.json', ...files.map((file) => file.replace(/^\//, ''))]) {
    if (existsSync(join(REPO_ROOT, entry))) cpSync(join(REPO_ROOT, entry), join(root, entry), { recursive: true });
  }
  const modules = join(root, 'node_modules');
  mkdirSync(modules);
  const scopes = new Set(without.filter((name) => name.startsWith('@')).map((name) => name.split('/')[0]));
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (without.includes(entry)) continue;
    if (!scopes.has(entry)) {
      symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(modules, entry));
      continue;
    }
    mkdirSync(join(modules, entry));
    for (const scoped of readdirSync(join(REPO_ROOT, 'node_modules', entry))) {
      if (!without.includes(`${entry}/${scoped}`)) {
        symlinkSync(join(REPO_ROOT, 'node_modules', entry, scoped), join(modules, entry, scoped));
      }
    }
  }
  for (const [name, files] of Object.entries(extra)) {
    mkdirSync(join(modules, name), { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(modules, name, file), text);
  }
  return root;
}

export interface RunningCommand {
  child: ChildProcessWithoutNullStreams;
  /** Settles when the process has exited and its output is closed. */
  done: Promise<TwilioRun>;
}

export function runCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: RunOptions = {},
): Promise<TwilioRun> {
  return startCommand(command, args, env, options).done;
}

export function startCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: RunOptions = {},
): RunningCommand {
  const child = spawn(command, args, { env, cwd: options.cwd ?? REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const done = new Promise<TwilioRun>((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolvePromise({ status, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
  return { child, done };
}
