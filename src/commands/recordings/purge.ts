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
import { keyRingFrom } from '../../cli/key-passphrase';
import { RecordingsCommand } from '../../cli/recordings-command';
import { BadInputError } from '../../errors';
import { encryptedKeepReason } from '../../media/media-encryption';
import { keepingUnverifiable } from '../../retention/retention-decision';
import { downloadLayout } from '../../media/download-recordings';
import { createProgressReporter } from '../../cli/progress-reporter';
import { defaultDeletionLogPath, defaultDeletionLogs } from '../../journal/deletion-log';
import { holdsLocation, holdsRecheckAll } from '../../holds/holds-file';
import { archiveAt } from '../../purge/media-archive';
import { purgeSource } from '../../purge/retention-run';
import { parseDuration } from '../../time/durations';
import { requirePurgeBound } from '../../purge/purge-plan';
import { runUnattended } from '../../purge/unattended-run';
import type { PurgeOptions } from '../../purge/purge';
import { DISCARD_RECORDS, type RecordOutput } from '../../tasks/record-output';
import { docLink } from '../../cli/doc-links';

const RECORDING_PROPERTIES = 'sid, callSid, dateCreated, duration, status';
const RESULT_PROPERTIES = 'sid, accountSid, outcome, archivedPath, error';

/** Columns show an empty cell, not "null", where a result has no archive path or error. */
function blankNulls(sink: RecordOutput): RecordOutput {
  return {
    write: (records) =>
      sink.write(records.map((record) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v ?? ''])))),
    end: (complete) => sink.end(complete),
    drained: () => sink.drained(),
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
    const archiveDir = pathFrom(this.flags, 'archive-dir', './archive');
    const log = pathFrom(this.flags, 'log', 'purge.jsonl');
    const policyPath = pathFrom(this.flags, 'policy', 'retention.yml');
    const planPath = pathFrom(this.flags, 'plan', 'plan.json');
    const planOutPath = pathFrom(this.flags, 'plan-out', 'plan.json');
    const holds = holdsLocation(pathFrom(this.flags, 'holds', 'holds.json'), process.env, this.pluginDataDir);
    const selection = this.selectionCriteria(purgeSelectionInputFrom(this.flags));
    if (policyPath === undefined && planPath === undefined) requirePurgeBound(selection);
    const maxPlanAge = {
      ms: parseDuration(this.flags['max-plan-age'], '--max-plan-age'),
      text: this.flags['max-plan-age'],
    };
    const report = pathFrom(this.flags, 'report', 'report.md');
    const concurrency = concurrencyFrom(this.flags);
    const expectKey = expectedKeyFrom(this.flags);
    const decryption = decryptionInputFrom(this.flags);
    if (decryption && !archiveDir && !policyPath && !planPath) {
      throw new BadInputError('--decrypt-key needs --archive-dir: a purge decrypts only the copies it archives.');
    }
    const acceptUnverified = this.flags['accept-unverified-encrypted'] ?? false;
    if (acceptUnverified && !archiveDir && !policyPath && !planPath) {
      throw new BadInputError(
        '--accept-unverified-encrypted needs --archive-dir, or a --policy whose rules archive: it applies only to the copies a purge archives.',
      );
    }
    const keys = await keyRingFrom(decryption, this.passphrasePrompt());
    const format = mediaFormatFrom(this.flags);
    // With a policy or a plan, the rules' archives are known only once its file is read (see purgeSource).
    const s3 =
      policyPath === undefined && planPath === undefined
        ? s3SettingsFrom(this.flags, archiveDir, 'archive-dir')
        : s3FlagSettings(this.flags);
    const api = this.recordingsApi(concurrency);
    const now = this.now();
    const json = this.flags['cli-output-format'] === 'json';
    const interruption = this.stopOnSignals();
    // Reading the policy, holds or plan is part of the run, so that the report says when one is refused.
    const prepare = async (): Promise<PurgeOptions> => {
      const source = await purgeSource(api, {
        policyPath,
        planPath,
        planOutPath,
        holds,
        selection,
        now,
        maxPlanAge,
        force: this.flags.force,
        archiveDir,
        s3,
      });
      const criteria = source.criteria ?? selection;
      const archiveIn = (root: string, bucket: typeof s3) =>
        archiveAt(root, {
          format,
          layout: downloadLayout(this.flags.layout, criteria.includeSubaccounts || planPath !== undefined),
          api,
          keys,
          acceptUnverifiedEncrypted: acceptUnverified,
          s3: bucket,
          concurrency,
        });
      const archive = archiveDir ? archiveIn(archiveDir, s3) : undefined;
      // An encrypted recording whose archived copy cannot be verified stays on Twilio.
      const unverifiable = (recording: Parameters<typeof encryptedKeepReason>[0]) =>
        encryptedKeepReason(recording, format, keys !== undefined, acceptUnverified);
      return {
        api,
        criteria,
        archive,
        decide: keepingUnverifiable(source.decide, unverifiable, archive !== undefined),
        recheckHold: holdsRecheckAll(source.holdsFiles),
        expectKey,
        planRules: source.planRules,
        ruleArchives: new Map([...source.ruleArchives].map(([where, rule]) => [where, archiveIn(rule.root, rule.s3)])),
        pages: source.pages,
        planNotes: source.planNotes,
        planSha256: source.planSha256,
        planOut: source.planOut,
        // A plan written for review shows what a dry run shows, and deletes nothing.
        dryRun: this.flags['dry-run'] || planOutPath !== undefined,
        force: this.flags.force,
        interactive: Boolean(process.stdin.isTTY),
        ask: (message) => this.confirm(message),
        concurrency,
        deletionLogPath: log ? resolve(log) : defaultDeletionLogPath(this.pluginDataDir, now),
        earlierDeletionLogs: log || archive ? [] : await defaultDeletionLogs(this.pluginDataDir),
        stop: interruption.signal,
        selectionOutput: json ? this.recordOutput(RECORDING_PROPERTIES) : DISCARD_RECORDS,
        resultOutput: json ? this.recordOutput(RESULT_PROPERTIES) : blankNulls(this.recordOutput(RESULT_PROPERTIES)),
        beforeAbort: (flush) => this.beforeAbort(flush),
        info: (line) => this.logger.info(line),
        warn: (line) => this.logger.warn(line),
        progress: (verb) => createProgressReporter({ verb, silent: this.flags.silent }),
      };
    };
    await runUnattended(prepare, {
      accountSid: api.accountSid,
      reportPath: report ? resolve(report) : undefined,
      lockFolder: this.pluginDataDir,
      policy: policyPath,
      plan: planPath,
      stop: interruption.signal,
      info: (line) => this.logger.info(line),
      warn: (line) => this.logger.warn(line),
    }).finally(() => interruption.dispose());
  }

  /** A yes/no question, default no, asked on stderr so that stdout stays the results. */
  private async confirm(message: string): Promise<boolean> {
    const prompt = this.inquirer.createPromptModule({ output: process.stderr });
    const answer = await prompt([{ type: 'confirm', name: 'purge', message, default: false }]);
    return answer.purge === true;
  }
}
