// `twilio ARGS` run inside the test process: the host CLI (the `twilio-cli` devDependency, the package
// `node_modules/.bin/twilio` starts) with the plugins its HOME links, as its bin/run does it, less the
// ~1-3 s of start-up a new process costs. One run at a time; everything a run changes in the process
// (environment, cwd, argv, stdio, exit code, listeners) is put back when it ends.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import type { Config as OclifConfig } from '@oclif/core';

export interface CommandRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** The whole environment of the run, as a child process would get it. */
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Text on stdin, which is then at its end (a pipe, not a terminal). */
  input?: string;
}

const HOST_ROOT = dirname(require.resolve('twilio-cli/package.json', { paths: [resolve(__dirname, '../..')] }));
const HOST_BIN = join(HOST_ROOT, 'bin', 'run');
// The copies the host's bin/run loads, which are the ones the plugin's commands load too.
const hostRequire = createRequire(join(HOST_ROOT, 'package.json'));
const oclif = hostRequire('@oclif/core') as typeof import('@oclif/core');
const handle = hostRequire('@oclif/core/handle') as (error: unknown) => void;
const screen = hostRequire('@oclif/core/lib/screen') as { stdtermwidth: number; errtermwidth: number };
const cliCore = hostRequire('@twilio/cli-core') as {
  configureEnv(): void;
  services: { logging: { logger: { config: { level: number } }; LoggingLevel: Record<string, number> } };
};

/** `process.exit` called by the command itself: the run ends there with `status`. */
class ProcessExit extends Error {
  constructor(readonly status: number) {
    super(`process.exit(${status})`);
  }
}

/**
 * Runs `twilio ARGS` in this process and gives what the process would have given: its stdout,
 * its stderr and its exit status, worked out as the host's bin/run
 * (`run().then(flush).catch(handle)`) and then Node's exit would.
 */
export function runTwilioInProcess(args: string[], options: InProcessOptions): Promise<CommandRun> {
  const run = queue.then(() => runAlone(args, options));
  queue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

let queue: Promise<unknown> = Promise.resolve();

interface LoadedHost {
  config: OclifConfig;
  /** What the host's init hooks printed when it loaded: a new process would print it every time. */
  startOutput: { stdout: string; stderr: string };
}

/** One host per set of user plugins (the data folder's package.json `plugins:link` writes). */
const hosts = new Map<string, Promise<LoadedHost>>();

async function runAlone(args: string[], options: InProcessOptions): Promise<CommandRun> {
  const process_ = new ProcessState();
  const output = { stdout: '', stderr: '' };
  // The first process.exit ends the process: nothing written after it would have been seen.
  let exit: { status: number; stdout: number; stderr: number } | undefined;
  const exitWith = (status: number) =>
    (exit ??= { status, stdout: output.stdout.length, stderr: output.stderr.length });
  try {
    process_.enter(args, options, output, (status) => {
      exitWith(status);
      throw new ProcessExit(status);
    });
    // As bin/run: cli-core points the host's folders at ~/.twilio-cli before oclif reads them.
    cliCore.configureEnv();
    const host = await hostFor(process.env.TWILIO_DATA_DIR as string, output);
    output.stdout += host.startOutput.stdout;
    output.stderr += host.startOutput.stderr;
    pointAtHome(host.config);
    resetHostState();
    try {
      await oclif.run(args, host.config);
    } catch (error) {
      if (!exit) exitWith(await handled(error, process_));
    }
    await settledFileWork(process_.resourcesBefore);
    if (!exit) return { status: Number(process.exitCode ?? 0), ...output };
    return {
      status: exit.status,
      stdout: output.stdout.slice(0, exit.stdout),
      stderr: output.stderr.slice(0, exit.stderr),
    };
  } finally {
    process_.leave();
  }
}

/** The host as bin/run loads it for this data folder: its Config, with the init hooks run once. */
function hostFor(dataDir: string, output: { stdout: string; stderr: string }): Promise<LoadedHost> {
  let userPlugins = '';
  try {
    userPlugins = readFileSync(join(dataDir, 'package.json'), 'utf8');
  } catch {
    // No plugins linked or installed: the host alone.
  }
  let host = hosts.get(userPlugins);
  if (!host) {
    host = loadHost(output);
    hosts.set(userPlugins, host);
    host.catch(() => hosts.delete(userPlugins));
  }
  return host;
}

async function loadHost(output: { stdout: string; stderr: string }): Promise<LoadedHost> {
  const before = { ...output };
  const config = (await oclif.Config.load(HOST_ROOT)) as OclifConfig;
  // The init hooks add the API commands and check for clashes: once per process, as in the binary.
  // (Its update checks stay off by TWILIO_SKIP_NEW_VERSION_CHECK and TWILIO_DISABLE_AUTOUPDATE.)
  await config.runHook('init', { id: undefined, argv: [] });
  const runHook = config.runHook.bind(config);
  config.runHook = ((event: string, ...rest: unknown[]) =>
    event === 'init' ? Promise.resolve({ successes: [], failures: [] }) : runHook(event, ...(rest as [never]))).bind(
    config,
  ) as OclifConfig['runHook'];
  const startOutput = {
    stdout: output.stdout.slice(before.stdout.length),
    stderr: output.stderr.slice(before.stderr.length),
  };
  output.stdout = before.stdout;
  output.stderr = before.stderr;
  return { config, startOutput };
}

/** The folders Config.load derives from HOME and TWILIO_*_DIR, for this run's environment. */
function pointAtHome(config: OclifConfig): void {
  const folders = config as unknown as {
    home: string;
    cacheDir: string;
    configDir: string;
    dataDir: string;
    errlog: string;
    macosCacheDir(): string | undefined;
    dir(category: 'cache' | 'config' | 'data'): string;
  };
  folders.home = process.env.HOME as string;
  folders.cacheDir = config.scopedEnvVar('CACHE_DIR') || folders.macosCacheDir() || folders.dir('cache');
  folders.configDir = config.scopedEnvVar('CONFIG_DIR') || folders.dir('config');
  folders.dataDir = config.scopedEnvVar('DATA_DIR') || folders.dir('data');
  folders.errlog = join(folders.cacheDir, 'error.log');
}

/** Module state a new process would start without. */
function resetHostState(): void {
  const { logger, LoggingLevel } = cliCore.services.logging;
  logger.config.level = LoggingLevel.info;
}

/** The exit status bin/run's `catch(handle)` gives: handle prints the error and calls process.exit. */
function handled(error: unknown, process_: ProcessState): Promise<number> {
  return new Promise((resolveStatus) => {
    process_.onExit((status) => resolveStatus(status));
    try {
      handle(error);
    } catch (thrown) {
      // handle catches its own failures; anything else is the process crashing.
      process.stderr.write(`${thrown instanceof Error ? thrown.stack : String(thrown)}\n`);
      resolveStatus(1);
    }
  });
}

/** A process exits only once its pending file operations finish: let them, before the test looks at the files. */
async function settledFileWork(before: string[]): Promise<void> {
  const pending = () =>
    process.getActiveResourcesInfo().filter((name) => name.startsWith('FSReq') || name === 'FileHandleCloseReq')
      .length - before.filter((name) => name.startsWith('FSReq') || name === 'FileHandleCloseReq').length;
  for (let turn = 0; turn < 1000 && pending() > 0; turn++) await new Promise((next) => setImmediate(next));
}

// Node reads NODE_EXTRA_CA_CERTS once, at start-up: a run's own (the sandbox's CA) is added here,
// where a child process would have it, to the contexts that name no CA of their own.
let extraCaPath: string | undefined;
const extraCas = new Map<string, string>();
const createSecureContext = tls.createSecureContext;
tls.createSecureContext = function withRunCa(options?: tls.SecureContextOptions) {
  if (extraCaPath && options?.ca === undefined) {
    let ca = extraCas.get(extraCaPath);
    if (ca === undefined) extraCas.set(extraCaPath, (ca = readFileSync(extraCaPath, 'utf8')));
    options = { ...options, ca: [...tls.rootCertificates, ca] };
  }
  return createSecureContext(options);
};

type Write = typeof process.stdout.write;
const PROCESS_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit', 'warning'] as const;
const STREAM_EVENTS = ['drain', 'error', 'close', 'finish'] as const;

/** What a run changes in this process, and how it was before. */
class ProcessState {
  resourcesBefore: string[] = [];
  private saved?: {
    env: NodeJS.ProcessEnv;
    cwd: string;
    argv: string[];
    exitCode: typeof process.exitCode;
    exit: typeof process.exit;
    stdin: PropertyDescriptor;
    stdoutWrite: Write;
    stderrWrite: Write;
    widths: { stdtermwidth: number; errtermwidth: number };
    errlog: string | undefined;
    caPath: string | undefined;
    chalkLevels: Array<[{ level: number }, number]>;
    listeners: Array<[NodeJS.EventEmitter, string, Set<unknown>]>;
    streamProperties: Array<[NodeJS.WriteStream, 'isTTY' | 'columns', PropertyDescriptor | undefined]>;
  };
  private exitHandler: (status: number) => void = () => undefined;

  enter(
    args: string[],
    options: InProcessOptions,
    output: { stdout: string; stderr: string },
    onExit: (status: number) => never,
  ): void {
    this.saved = {
      env: { ...process.env },
      cwd: process.cwd(),
      argv: process.argv,
      exitCode: process.exitCode,
      exit: process.exit,
      stdin: Object.getOwnPropertyDescriptor(process, 'stdin') as PropertyDescriptor,
      stdoutWrite: process.stdout.write,
      stderrWrite: process.stderr.write,
      widths: { stdtermwidth: screen.stdtermwidth, errtermwidth: screen.errtermwidth },
      errlog: oclif.Errors.config.errlog,
      caPath: extraCaPath,
      chalkLevels: [],
      listeners: [],
      streamProperties: [],
    };
    for (const name of PROCESS_EVENTS) this.rememberListeners(process, name);
    for (const stream of [process.stdout, process.stderr]) {
      for (const name of STREAM_EVENTS) this.rememberListeners(stream, name);
    }
    this.resourcesBefore = process.getActiveResourcesInfo();

    replaceEnvironment(options.env);
    process.chdir(options.cwd);
    process.argv = [process.execPath, HOST_BIN, ...args];
    process.exitCode = undefined;
    this.exitHandler = onExit;
    process.exit = ((code?: number | string | null) =>
      this.exitHandler(Number(code ?? process.exitCode ?? 0))) as never;
    const stdin = Readable.from(options.input ? [options.input] : []);
    Object.defineProperty(process, 'stdin', { configurable: true, enumerable: true, get: () => stdin });
    process.stdout.write = capture((text) => (output.stdout += text));
    process.stderr.write = capture((text) => (output.stderr += text));
    // Pipes, not a terminal: no colour, no terminal width, 80 columns for oclif's wrapping.
    for (const stream of [process.stdout, process.stderr]) {
      for (const name of ['isTTY', 'columns'] as const) {
        this.saved.streamProperties.push([stream, name, Object.getOwnPropertyDescriptor(stream, name)]);
        Object.defineProperty(stream, name, { configurable: true, writable: true, value: undefined });
      }
    }
    const columns = Number.parseInt(options.env.OCLIF_COLUMNS ?? '', 10) || 80;
    screen.stdtermwidth = columns;
    screen.errtermwidth = columns;
    const level = colourLevel(options.env);
    for (const chalk of loadedChalks()) {
      this.saved.chalkLevels.push([chalk, chalk.level]);
      chalk.level = level;
    }
    extraCaPath = options.env.NODE_EXTRA_CA_CERTS;
  }

  /** From now on process.exit ends nothing: it reports its status (bin/run's handle calls it last). */
  onExit(report: (status: number) => void): void {
    this.exitHandler = ((status: number) => report(status)) as never;
  }

  leave(): void {
    const saved = this.saved;
    if (!saved) return;
    this.saved = undefined;
    for (const [emitter, name, before] of saved.listeners) {
      for (const listener of emitter.listeners(name)) {
        if (!before.has(listener)) emitter.off(name, listener as (...args: unknown[]) => void);
      }
    }
    for (const [stream, name, descriptor] of saved.streamProperties) {
      if (descriptor) Object.defineProperty(stream, name, descriptor);
      else delete (stream as unknown as Record<string, unknown>)[name];
    }
    process.stdout.write = saved.stdoutWrite;
    process.stderr.write = saved.stderrWrite;
    Object.defineProperty(process, 'stdin', saved.stdin);
    process.exit = saved.exit;
    process.exitCode = saved.exitCode;
    process.argv = saved.argv;
    process.chdir(saved.cwd);
    replaceEnvironment(saved.env);
    screen.stdtermwidth = saved.widths.stdtermwidth;
    screen.errtermwidth = saved.widths.errtermwidth;
    oclif.Errors.config.errlog = saved.errlog;
    for (const [chalk, level] of saved.chalkLevels) chalk.level = level;
    extraCaPath = saved.caPath;
  }

  private rememberListeners(emitter: NodeJS.EventEmitter, name: string): void {
    this.saved?.listeners.push([emitter, name, new Set(emitter.listeners(name))]);
  }
}

function replaceEnvironment(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(process.env)) if (!(name in env)) delete process.env[name];
  for (const [name, value] of Object.entries(env)) if (value !== undefined) process.env[name] = value;
}

/** A stream's write that keeps the text, and tells the writer it may go on, as a pipe with room would. */
function capture(keep: (text: string) => void): Write {
  return function write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const done = typeof encoding === 'function' ? encoding : callback;
    keep(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  } as Write;
}

/** chalk's level for a stream that is not a terminal, as supports-color decides it from FORCE_COLOR. */
function colourLevel(env: NodeJS.ProcessEnv): number {
  const force = env.FORCE_COLOR;
  if (force === undefined || force === '0' || force === 'false') return 0;
  if (force === '' || force === 'true') return 1;
  return Math.min(Number.parseInt(force, 10) || 1, 3);
}

/** Every chalk (v4 and older, CommonJS) already loaded: each decided its level when it loaded. */
function loadedChalks(): Array<{ level: number }> {
  const chalks: Array<{ level: number }> = [];
  for (const [file, loaded] of Object.entries(require.cache)) {
    if (!/[\\/]node_modules[\\/]chalk[\\/](source[\\/])?index\.js$/.test(file)) continue;
    const chalk = loaded?.exports as { level?: unknown } | undefined;
    if (chalk && typeof chalk.level === 'number') chalks.push(chalk as { level: number });
  }
  return chalks;
}
