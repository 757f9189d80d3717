import { Errors, Flags } from '@oclif/core';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { baseCommands, services } from '@twilio/cli-core';
import { BadInputError, ExitStatus, RecordingsError } from '../errors';
import { unexpectedErrorLine, unsettledLine, type PluginPackage } from './bug-report';
import { flagErrorLine, noProfileLine } from './flag-errors';
import { exitError, isErrorNamed } from './host-exit';
import type { PassphrasePrompt } from './key-passphrase';
import { DEFAULT_CONCURRENCY } from './flags';
import { JsonArrayWriter } from './json-array-writer';
import { printable, printableRecord } from '../text/printable';
import { shownLogger } from './shown-logger';
import { DISCARD_RECORDS, waitForRoom, type RecordOutput } from '../tasks/record-output';
import { buildCriteria, type SelectionCriteria, type SelectionInput } from '../selection/criteria';
import { ConcurrencyLimiter } from '../twilio/concurrency-limiter';
import { checkCredentials, credentialsLabel } from '../twilio/credentials';
import { nodeTransport } from '../twilio/http-transport';
import { RetriesExhaustedError, RetryPolicy } from '../twilio/retry-policy';
import { stopOnSignals, type Interruption } from '../tasks/interruption';
import { guardUnsettled } from '../tasks/unsettled-guard';
import { TwilioApi, apiBaseUrl } from '../twilio/twilio-api';
import { canonicalSid } from '../twilio/sids';

const { BaseCommand, TwilioClientCommand } = baseCommands;
const { TwilioCliError } = services.error;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../package.json') as PluginPackage;

/** Errors whose message is meant for the user: oclif's (flags, exits) and cli-core's; anything else is a bug. */
const KNOWN_ERRORS = ['CLIError', 'TwilioCliError'];

/** cli-core's level for `-l debug`. */
const DEBUG_LEVEL = -1;

// Network failures that mean Twilio cannot be reached at all, as opposed to a broken exchange.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CERT_HAS_EXPIRED',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);

/**
 * What every recordings command shares: the host CLI's profile handling, one Twilio API
 * access built from it, and errors turned into the exit statuses of the README's table.
 */
export abstract class RecordingsCommand extends TwilioClientCommand {
  static override flags = { ...TwilioClientCommand.flags };

  /**
   * The host CLI's flags without -p/--profile, for commands that need no Twilio (see needsTwilio).
   * A hidden -p is still parsed, so that wherever it stands (even among a repeatable flag's values
   * or in an argument's place) it is refused as a profile, not taken as a file or a folder.
   */
  static readonly flagsWithoutProfile = { ...BaseCommand.flags, profile: Flags.string({ char: 'p', hidden: true }) };

  /** JSON arrays opened on stdout, closed by `catch` if a command fails without closing its own. */
  private readonly jsonOutputs: JsonArrayWriter[] = [];

  /** What must reach stdout before the JSON arrays close when a second signal leaves at once. */
  private readonly abortFlushes: Array<() => void> = [];

  /** Ends the guard `init` sets (see guardUnsettled) once the command's work has settled. */
  private settled?: () => void;

  /** False for commands that work on local files only: they need no profile or credentials. */
  protected readonly needsTwilio: boolean = true;

  /** The clock selection flags such as --older-than are measured against. */
  protected now(): Date {
    return new Date();
  }

  override async init(): Promise<void> {
    if (process.env.NO_COLOR) withoutColor();
    // Work left pending when nothing else is left to do is a bug, and must not exit 0 as if it had succeeded.
    this.settled = guardUnsettled(` » ${unsettledLine(pkg, this.id)}\n`, (line) => {
      this.closeJsonOutputs();
      process.stderr.write(line);
    });
    await super.init();
  }

  override async finally(error: Error | undefined): Promise<unknown> {
    this.settled?.();
    return super.finally(error);
  }

  override async run(): Promise<void> {
    if (!this.needsTwilio) {
      // The host CLI's flags, logger and output, without the profile TwilioClientCommand insists on.
      await BaseCommand.prototype.run.call(this);
      this.logger = shownLogger(this.logger);
      if (this.flags.profile !== undefined) throw new BadInputError(noProfileLine(this.id));
      return;
    }
    try {
      await super.run();
    } catch (error) {
      // cli-core reports a missing profile or missing credentials without an exit code.
      if (error instanceof TwilioCliError && !error.exitCode)
        throw new TwilioCliError(error.message, ExitStatus.Credentials);
      throw error;
    }
    this.logger = shownLogger(this.logger);
    checkCredentials(this.currentProfile);
  }

  protected selectionCriteria(input: SelectionInput): SelectionCriteria {
    return buildCriteria(input, this.now());
  }

  /**
   * The profile's account, over keep-alive connections that honour the host CLI's proxy
   * variables. (cli-core owns the instance fields `twilioApi`, `twilio` and `httpClient`, hence the name.)
   */
  protected recordingsApi(concurrency = DEFAULT_CONCURRENCY): TwilioApi {
    const profile = this.currentProfile;
    const edge = process.env.TWILIO_EDGE || profile.edge || this.userConfig.edge;
    // Messages for -l debug are built only when someone will read them: thousands of requests make them add up.
    const debug = this.logger.config.level <= DEBUG_LEVEL ? (message: string) => this.logger.debug(message) : undefined;
    return new TwilioApi({
      transport: nodeTransport(`${pkg.name}/${pkg.version} ${this.config.userAgent}`),
      credentials: { username: profile.apiKey, password: profile.apiSecret },
      // Canonical, as every SID compared with it: a profile may hold one typed in upper-case hex.
      accountSid: canonicalSid('account', profile.accountSid) ?? profile.accountSid,
      baseUrl: apiBaseUrl(profile.region, edge),
      retryPolicy: new RetryPolicy({
        onRetry: debug
          ? (what, attempt, delayMs, reason) =>
              debug(`${what}: try ${attempt} failed (${reason}); retrying in ${Math.round(delayMs)} ms`)
          : undefined,
      }),
      limiter: new ConcurrencyLimiter(concurrency),
      credentialsLabel: credentialsLabel(profile),
      debug,
    });
  }

  /**
   * Where a command's result records go: a JSON array streamed batch by batch under
   * `-o json`, otherwise the host CLI's columns or TSV with headers on the first batch.
   */
  protected recordOutput(properties: string): RecordOutput {
    const format = this.flags['cli-output-format'];
    if (this.flags.silent || format === 'none') return DISCARD_RECORDS;
    if (format === 'json') {
      const writer = new JsonArrayWriter((text) => process.stdout.write(text));
      this.jsonOutputs.push(writer);
      return {
        write: (records) => writer.add(records),
        end: (complete) => writer.end(complete),
        waitForRoom: () => waitForRoom(),
      };
    }
    let written = 0;
    return {
      write: (records) => {
        if (records.length === 0) return;
        // Columns and TSV show API strings and file names as they are: make them printable first.
        this.output(records.map(printableRecord), properties, { showHeaders: written === 0 });
        written += records.length;
      },
      end: (complete = true) => {
        if (complete && written === 0) this.logger.info('No results');
      },
      waitForRoom: () => waitForRoom(),
    };
  }

  /**
   * Streams a command's results and ends it the same way every time: opens the record output,
   * stops on signals when asked, runs the work, ends the output (marked incomplete if the work
   * threw), stops the progress and closes what the work used, prints the summary lines, and then
   * throws the error that gives the exit status, if any.
   */
  protected async streamResults<Summary, Progress extends { stop(): void } | undefined = undefined>(
    stream: ResultStream<Summary, Progress>,
  ): Promise<Summary> {
    const records = this.recordOutput(stream.properties);
    const interruption = stream.stopOnSignals ? this.stopOnSignals() : undefined;
    const progress = stream.progress?.() as Progress;
    let summary: Summary;
    try {
      summary = await stream.run(records, interruption?.signal, progress);
    } catch (error) {
      records.end(false);
      throw error;
    } finally {
      interruption?.dispose();
      progress?.stop();
      await stream.close?.();
    }
    records.end();
    for (const line of stream.summaryLines(summary)) this.logger.info(line);
    const failure = stream.failure?.(summary);
    if (failure) throw failure;
    return summary;
  }

  /** Asks on the terminal (stderr) for a private key's passphrase, without echoing it. */
  protected passphrasePrompt(): PassphrasePrompt {
    return {
      interactive: Boolean(process.stdin.isTTY),
      ask: async (message) => {
        const prompt = this.inquirer.createPromptModule({ output: process.stderr });
        // The question names the key file: its name is shown, not acted on.
        const answer = await prompt([{ type: 'password', name: 'passphrase', message: printable(message), mask: '*' }]);
        return String(answer.passphrase);
      },
    };
  }

  /** The data folder this plugin keeps its own files in. */
  protected get pluginDataDir(): string {
    return join(this.config.dataDir, 'recordings');
  }

  /**
   * Ctrl-C and SIGTERM as a request to stop (see Interruption). A second signal exits at once,
   * after closing any JSON array on stdout so that it still parses.
   */
  protected stopOnSignals(): Interruption {
    return stopOnSignals(
      (line) => this.logger.warn(line),
      () => {
        for (const flush of this.abortFlushes) flush();
        this.closeJsonOutputs();
      },
    );
  }

  /** Registers `flush`, run when a second signal leaves at once, before the JSON arrays close (see stopOnSignals). */
  protected beforeAbort(flush: () => void): void {
    this.abortFlushes.push(flush);
  }

  /** Closes the JSON arrays still open on stdout with what they hold. */
  private closeJsonOutputs(): void {
    for (const output of this.jsonOutputs) output.end(false);
  }

  /** Ends the command with `status` through the host CLI's own ExitError, so that the host prints nothing more. */
  override exit(status = 0): never {
    throw exitError(this.config.root, status);
  }

  override async catch(error: unknown): Promise<unknown> {
    // Flags that failed to parse leave no flags and no logger: say what is wrong in one line, exit 2.
    const flagError = this.flags === undefined ? flagErrorLine(error, this.id) : undefined;
    if (flagError !== undefined) {
      process.stderr.write(` » ${printable(flagError)}\n`);
      return this.exit(ExitStatus.BadInput);
    }
    const reported = this.asReportedError(error) ?? error;
    const json = this.flags?.['cli-output-format'] === 'json';
    // An array left open by a failure is still closed, so that stdout parses.
    if (json) this.closeJsonOutputs();
    if (!isErrorNamed(reported, KNOWN_ERRORS)) return this.exitOnBug(reported);
    if (!json || !(reported instanceof TwilioCliError)) return super.catch(reported);
    // cli-core would print the error on stdout as a second JSON document; there stdout holds only the results.
    this.logger.error(reported.message);
    this.logger.debug(reported.stack);
    return this.exit(exitStatusOf(reported));
  }

  /** A bug: one line naming this plugin and its tracker (cli-core's names twilio-cli's), the details under -l debug. */
  private exitOnBug(error: unknown): never {
    const line = unexpectedErrorLine(pkg, this.id);
    if (this.logger) {
      this.logger.error(line);
      this.logger.debug(error instanceof Error && error.stack ? error.stack : String(error));
    } else {
      // It failed before cli-core's logger was set up, so -l is read here.
      const debug = /(^| )(-l|--cli-log-level)[ =]debug( |$)/.test(this.argv.join(' '));
      process.stderr.write(` » ${line}\n${debug && error instanceof Error ? `${error.stack}\n` : ''}`);
    }
    return this.exit(ExitStatus.SomeFailed);
  }

  private asReportedError(error: unknown): InstanceType<typeof TwilioCliError> | undefined {
    if (error instanceof Errors.CLIError || error instanceof TwilioCliError) return undefined;
    let message: string | undefined;
    let exitStatus: number = ExitStatus.SomeFailed;
    if (error instanceof RecordingsError) {
      message = error.message;
      exitStatus = error.exitStatus;
    } else if (error instanceof RetriesExhaustedError) {
      message = `${error.message}. Try again later, or with a lower --concurrency.`;
    } else if (error instanceof Error && UNREACHABLE_CODES.has((error as NodeJS.ErrnoException).code ?? '')) {
      message = `Could not reach Twilio (${(error as NodeJS.ErrnoException).code}): check the network and any HTTPS_PROXY setting, then try again.`;
    }
    if (message === undefined) return undefined;
    // Messages can quote what Twilio or the file system said: one printable line, whatever it held.
    message = printable(message);
    return new TwilioCliError(message, exitStatus, { error: { message, exitStatus } });
  }
}

/** A command's work that streams result records, and how it ends (see RecordingsCommand.streamResults). */
export interface ResultStream<Summary, Progress> {
  /** The columns shown without -o json. */
  properties: string;
  /** Ctrl-C and SIGTERM as a request to stop: the work is handed the signal. */
  stopOnSignals?: boolean;
  /** Made once the output is open; stopped when the work has settled. */
  progress?: () => Progress;
  run(records: RecordOutput, stop: AbortSignal | undefined, progress: Progress): Promise<Summary>;
  /** Releases what the work used (a destination), once it has settled. */
  close?(): Promise<void>;
  summaryLines(summary: Summary): Iterable<string>;
  /** The error whose exit status the command ends with, thrown after the summary; none for success. */
  failure?(summary: Summary): Error | undefined;
}

/**
 * Turns off the styling cli-core adds (bold table headings, italic warnings) when NO_COLOR is set,
 * as https://no-color.org asks: the chalk cli-core uses reads only FORCE_COLOR and the terminal.
 */
function withoutColor(): void {
  const fromCliCore = createRequire(require.resolve('@twilio/cli-core'));
  (fromCliCore('chalk') as { level: number }).level = 0;
}

/** The exit status cli-core would give: the first two digits of the error's code, 1 without one. */
function exitStatusOf(error: InstanceType<typeof TwilioCliError>): number {
  return error.exitCode ? Number.parseInt(String(error.exitCode).slice(0, 2), 10) : ExitStatus.SomeFailed;
}
