import { Flags } from '@oclif/core';
import { resolve } from 'node:path';
import {
  SELECTION_FLAG_NAMES,
  type CommandFlags,
  holdsFlag,
  concurrencyFlag,
  concurrencyFrom,
  decryptionFlags,
  decryptionInputFrom,
  expectedKeyFrom,
  expectKeyFlag,
  limitFlags,
  mediaFlags,
  mediaFormatFrom,
  pathFrom,
  selectionFlags,
  purgeSelectionInputFrom,
  s3Flags,
  s3FlagSettings,
  s3SettingsFrom,
} from '../../cli/flags';
import { docLink } from '../../cli/doc-links';
import { keyRingFrom } from '../../cli/key-passphrase';
import { RecordingsCommand } from '../../cli/recordings-command';
import { BadInputError } from '../../errors';
import { holdsLocation } from '../../holds/holds-file';
import { DISCARD_RECORDS, type RecordOutput } from '../../tasks/record-output';
import { createProgressReporter } from '../../cli/progress-reporter';
import { runPurge } from '../../purge/purge';
import { requirePurgeBound } from '../../purge/purge-plan';
import type { PurgeRequest } from '../../purge/purge-request';
import { buildCriteria } from '../../selection/criteria';
import { parseDuration } from '../../time/durations';

const RECORDING_PROPERTIES = 'sid, callSid, dateCreated, duration, status';
const RESULT_PROPERTIES = 'sid, accountSid, outcome, archivedPath, error';

/** Columns show an empty cell, not "null", where a result has no archive path or error. */
function blankNulls(sink: RecordOutput): RecordOutput {
  return {
    write: (records) =>
      sink.write(records.map((record) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v ?? ''])))),
    end: (complete) => sink.end(complete),
    waitForRoom: () => sink.waitForRoom(),
  };
}

export default class RecordingsPurge extends RecordingsCommand {
  static override description =
    'delete old call recordings for good, after showing a plan and asking; optionally archive each one first';

  static docLink = docLink('purging');

  static override examples = [
    '$ twilio recordings:purge --older-than 90d --dry-run',
    '$ twilio recordings:purge --older-than 90d',
    '$ twilio recordings:purge --before 2026-01-01 --subaccounts --force --log purge.jsonl',
    '$ twilio recordings:purge --older-than 1y --archive-dir ./archive --format mp3 --layout "{year}/{month}/{sid}.{ext}"',
    '$ twilio recordings:purge --call-sid CAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --force -o json',
    '$ twilio recordings:purge --older-than 90d --archive-dir ./archive --decrypt-key private.pem --expect-key CRxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    '$ twilio recordings:purge --older-than 1y --archive-dir s3://my-recordings/archive --s3-storage-class GLACIER_IR',
    '$ twilio recordings:purge --policy retention.yml --dry-run',
    '$ twilio recordings:purge --policy retention.yml --plan-out plan.json',
    '$ twilio recordings:purge --plan plan.json --force --report report.md',
  ];

  static override flags = {
    ...RecordingsCommand.flags,
    ...selectionFlags,
    ...limitFlags('delete at most this many recordings; those kept because they are not completed do not count'),
    ...concurrencyFlag,
    policy: Flags.string({
      description:
        'apply this retention policy (YAML or JSON; see the README) instead of the selection flags: its rules decide what goes',
      helpValue: 'FILE',
      exclusive: [...SELECTION_FLAG_NAMES, 'archive-dir'],
    }),
    ...holdsFlag,
    'plan-out': Flags.string({
      description:
        'write the exact plan (each recording, its account and rule, and digests of the policy and holds) to this JSON file for review, and delete nothing',
      helpValue: 'FILE',
      exclusive: ['plan', 'archive-dir'],
    }),
    plan: Flags.string({
      description:
        'delete the recordings of a plan written by --plan-out and no others, each decided again first by its policy (or selection) and every hold',
      helpValue: 'FILE',
      exclusive: [...SELECTION_FLAG_NAMES, 'policy', 'plan-out'],
    }),
    report: Flags.string({
      description:
        'write what the run did to this file at its end, whatever the outcome: Markdown for a .md name, JSON otherwise',
      helpValue: 'FILE',
    }),
    'max-plan-age': Flags.string({
      description: 'refuse a --plan made longer ago than this',
      helpValue: 'DURATION',
      default: '7d',
    }),
    force: Flags.boolean({
      char: 'f',
      description:
        'delete without asking for confirmation (needed without a terminal); with --plan, also run a plan whose policy or holds changed',
      default: false,
    }),
    'dry-run': Flags.boolean({
      description: 'show the plan (and, with -o json, the selected recordings); delete nothing',
      default: false,
    }),
    'archive-dir': Flags.string({
      description:
        'download each recording into this folder or s3://bucket/prefix (as recordings:download does, with its manifest) and delete it only once its copy is complete on disk or verified in the bucket',
      helpValue: 'DIR',
    }),
    ...mediaFlags,
    ...s3Flags,
    ...decryptionFlags,
    'accept-unverified-encrypted': Flags.boolean({
      description:
        "with --archive-dir (or a --policy or --plan rule's archive) and no --decrypt-key, archive encrypted recordings as served (….wav.enc) and delete them, although their copies cannot be verified",
    }),
    ...expectKeyFlag,
    log: Flags.string({
      description:
        'append each deletion to this JSON-lines file (default: a dated file in the plugin data folder; with --archive-dir, its manifest)',
      helpValue: 'FILE',
      exclusive: ['archive-dir'],
    }),
  };

  declare flags: CommandFlags<typeof RecordingsPurge.flags>;

  override async run(): Promise<void> {
    await super.run();
    const request = purgeRequestFrom(this.flags, { now: this.now(), env: process.env, dataDir: this.pluginDataDir });
    const keys = await keyRingFrom(request.decryption, this.passphrasePrompt());
    const json = this.flags['cli-output-format'] === 'json';
    const interruption = this.stopOnSignals();
    await runPurge(request, {
      api: this.recordingsApi(request.concurrency),
      keys,
      dataDir: this.pluginDataDir,
      interactive: Boolean(process.stdin.isTTY),
      ask: (message) => this.confirm(message),
      stop: interruption.signal,
      selectionOutput: json ? this.recordOutput(RECORDING_PROPERTIES) : DISCARD_RECORDS,
      resultOutput: json ? this.recordOutput(RESULT_PROPERTIES) : blankNulls(this.recordOutput(RESULT_PROPERTIES)),
      beforeAbort: (flush) => this.beforeAbort(flush),
      info: (line) => this.logger.info(line),
      warn: (line) => this.logger.warn(line),
      progress: (verb) => createProgressReporter({ verb, silent: this.flags.silent }),
    }).finally(() => interruption.dispose());
  }

  /** A yes/no question, default no, asked on stderr so that stdout stays the results. */
  private async confirm(message: string): Promise<boolean> {
    const prompt = this.inquirer.createPromptModule({ output: process.stderr });
    const answer = await prompt([{ type: 'confirm', name: 'purge', message, default: false }]);
    return answer.purge === true;
  }
}

/** What a purge's flags are read against: the clock, the environment and the plugin's data folder. */
export interface PurgeFlagContext {
  now: Date;
  env: NodeJS.ProcessEnv;
  dataDir: string;
}

/**
 * The purge that the flags ask for, with every refusal the flags alone decide (exit 2): an
 * empty path, an unbounded selection, a bad duration, a key flag without an archive.
 */
export function purgeRequestFrom(
  flags: CommandFlags<typeof RecordingsPurge.flags>,
  context: PurgeFlagContext,
): PurgeRequest {
  const archiveDir = pathFrom(flags, 'archive-dir', './archive');
  const log = pathFrom(flags, 'log', 'purge.jsonl');
  const policyPath = pathFrom(flags, 'policy', 'retention.yml');
  const planPath = pathFrom(flags, 'plan', 'plan.json');
  const planOutPath = pathFrom(flags, 'plan-out', 'plan.json');
  const holds = holdsLocation(pathFrom(flags, 'holds', 'holds.json'), context.env, context.dataDir);
  const selection = buildCriteria(purgeSelectionInputFrom(flags), context.now);
  // A policy's rules, or a reviewed plan's list, bound the purge in place of the selection flags.
  const fromFlags = policyPath === undefined && planPath === undefined;
  if (fromFlags) requirePurgeBound(selection);
  const maxPlanAge = { ms: parseDuration(flags['max-plan-age'], '--max-plan-age'), text: flags['max-plan-age'] };
  const report = pathFrom(flags, 'report', 'report.md');
  const concurrency = concurrencyFrom(flags);
  const expectKey = expectedKeyFrom(flags);
  const decryption = decryptionInputFrom(flags);
  if (decryption && !archiveDir && fromFlags) {
    throw new BadInputError('--decrypt-key needs --archive-dir: a purge decrypts only the copies it archives.');
  }
  const acceptUnverifiedEncrypted = flags['accept-unverified-encrypted'] ?? false;
  if (acceptUnverifiedEncrypted && !archiveDir && fromFlags) {
    throw new BadInputError(
      '--accept-unverified-encrypted needs --archive-dir, or a --policy whose rules archive: it applies only to the copies a purge archives.',
    );
  }
  return {
    selection,
    policyPath,
    planPath,
    planOutPath,
    holds,
    maxPlanAge,
    reportPath: report ? resolve(report) : undefined,
    archiveDir,
    logPath: log ? resolve(log) : undefined,
    concurrency,
    expectKey,
    decryption,
    acceptUnverifiedEncrypted,
    format: mediaFormatFrom(flags),
    layout: flags.layout,
    // With a policy or a plan, the rules' archives are known only once its file is read (see readPurgeSource).
    s3: fromFlags ? s3SettingsFrom(flags, archiveDir, 'archive-dir') : s3FlagSettings(flags),
    // A plan written for review shows what a dry run shows, and deletes nothing.
    dryRun: flags['dry-run'] || planOutPath !== undefined,
    force: flags.force,
  };
}
