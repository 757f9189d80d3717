import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { TWILIO_BIN, type TwilioRun, type TwilioWorld } from './twilio-world';

/** Listeners still running, killed after each test so a failed one cannot keep mocha waiting. */
const running = new Set<ChildProcessWithoutNullStreams>();

/** `twilio recordings:callbacks:listen` running in the background, stopped with Ctrl-C. */
export class RunningListener {
  private out = '';
  private err = '';
  private readonly exited: Promise<TwilioRun>;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    running.add(child);
    this.exited = new Promise((resolve) =>
      child.on('close', (status) => {
        running.delete(child);
        resolve({ status, stdout: this.out, stderr: this.err });
      }),
    );
  }

  static async start(
    world: TwilioWorld,
    args: string[],
    env: Record<string, string | undefined>,
  ): Promise<RunningListener> {
    return RunningListener.run(world, ['recordings:callbacks:listen', '--port', '0', ...args], env);
  }

  /** Starts `twilio ARGV` (a listen command line as given), in `cwd`, and waits for its banner. */
  static async run(
    world: TwilioWorld,
    argv: string[],
    env: Record<string, string | undefined>,
    cwd?: string,
  ): Promise<RunningListener> {
    const child = spawn(TWILIO_BIN, argv, { env: world.environment(env), cwd });
    const listener = new RunningListener(child);
    await listener.waitFor(() => /Press Ctrl-C to stop\./.test(listener.err), 'the listening banner', true);
    return listener;
  }

  get localUrl(): string {
    return /Listening on (\S+)/.exec(this.err)?.[1] as string;
  }

  get callbackUrl(): string {
    return /Callback URL[^:]*: (\S+)/.exec(this.err)?.[1] as string;
  }

  /** The inspector page's URL with its token, as `--inspect` prints it. */
  get inspectorUrl(): string {
    return /Inspector \([^)]*\): (\S+)/.exec(this.err)?.[1] as string;
  }

  get stderr(): string {
    return this.err;
  }

  get stdout(): string {
    return this.out;
  }

  /** Waits until stdout matches `pattern`, or until `pattern(stdout)` holds. */
  async waitForStdout(pattern: RegExp | ((stdout: string) => boolean)): Promise<void> {
    const test = typeof pattern === 'function' ? pattern : (out: string) => pattern.test(out);
    await this.waitFor(() => test(this.out), String(pattern));
  }

  /** Sends a signal, such as SIGHUP (a catch-up at once), to the running listener. */
  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  /** Stops it as Ctrl-C does (SIGINT), or as a service manager does (SIGTERM), and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<TwilioRun> {
    this.child.kill(signal);
    return this.exited;
  }

  private async waitFor(done: () => boolean, what: string, failOnExit = false): Promise<void> {
    const deadline = Date.now() + 20_000;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (!done()) {
      if (exited && failOnExit) throw new Error(`listen exited before ${what}: ${this.err}`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; stderr: ${this.err}; stdout: ${this.out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Kills every listener still running: for afterEach, so that a failed test cannot keep mocha waiting. */
export function killRunningListeners(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** The parameters of a `completed` Recording Status Callback of `accountSid`, with `overrides`. */
export function completedCallbackParams(
  accountSid: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const recordingSid = 'RE' + 'e'.repeat(32);
  return {
    AccountSid: accountSid,
    CallSid: 'CA' + 'c'.repeat(32),
    RecordingSid: recordingSid,
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`,
    RecordingStatus: 'completed',
    RecordingDuration: '5',
    RecordingChannels: '1',
    RecordingSource: 'RecordVerb',
    ...overrides,
  };
}
