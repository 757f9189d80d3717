import { Flags } from '@oclif/core';
import {
  type CommandFlags,
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
  s3Flags,
  s3SettingsFrom,
  selectionFlags,
  selectionInputFrom,
} from '../../cli/flags';
import { keyRingFrom } from '../../cli/key-passphrase';
import { RecordingsCommand } from '../../cli/recordings-command';
import { CancelledError, OperationFailedError } from '../../errors';
import { plural } from '../../text/plural';
import {
  downloadLayout,
  downloadRecordings,
  downloadSummaryLines,
  type DownloadSummary,
} from '../../media/download-recordings';
import { stoppedByFullDisk } from '../../media/media-errors';
import { openMediaDestination } from '../../media/open-destination';
import { createProgressReporter } from '../../cli/progress-reporter';
import { docLink } from '../../cli/doc-links';

export default class RecordingsDownload extends RecordingsCommand {
  static override description =
    'download the media of the selected recordings into a folder or an S3 bucket, with a manifest; a re-run fetches only what is missing';

  static docLink = docLink('downloading');

  static override examples = [
    '$ twilio recordings:download --older-than 30d --output-dir ./recordings',
    '$ twilio recordings:download --after 2026-01-01 --format mp3 --layout "{year}/{month}/{callSid}/{sid}.{ext}"',
    '$ twilio recordings:download --subaccounts --status completed --concurrency 10 -o json',
    '$ twilio recordings:download --older-than 90d --dry-run',
    '$ twilio recordings:download --newer-than 7d --decrypt-key private.pem --expect-key CRxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    '$ twilio recordings:download --older-than 30d --output-dir s3://my-recordings/archive --s3-storage-class STANDARD_IA',
  ];

  static override flags = {
    ...RecordingsCommand.flags,
    ...selectionFlags,
    ...limitFlags('download at most this many recordings'),
    ...mediaFlags,
    ...concurrencyFlag,
    ...decryptionFlags,
    ...expectKeyFlag,
    ...s3Flags,
    'output-dir': Flags.string({
      description:
        'the folder to save into, created when missing (its parent must exist); or s3://BUCKET/PREFIX for an S3 or S3-compatible bucket',
      helpValue: 'DIR',
      default: './recordings',
    }),
    'dry-run': Flags.boolean({
      description: 'show what would be downloaded and its estimated size; fetch nothing and create no folder or object',
      default: false,
    }),
    properties: Flags.string({
      description: 'the result properties to show as columns',
      default: 'sid, path, bytes, outcome',
    }),
  };

  declare flags: CommandFlags<typeof RecordingsDownload.flags>;

  override async run(): Promise<void> {
    await super.run();
    const root = pathFrom(this.flags, 'output-dir', './recordings')!;
    const s3 = s3SettingsFrom(this.flags, root, 'output-dir');
    const criteria = this.selectionCriteria(selectionInputFrom(this.flags));
    const format = mediaFormatFrom(this.flags);
    const layout = downloadLayout(this.flags.layout, criteria.includeSubaccounts);
    const dryRun: boolean = this.flags['dry-run'];
    const expectKey = expectedKeyFrom(this.flags);
    const keys = await keyRingFrom(decryptionInputFrom(this.flags), this.passphrasePrompt());
    const api = this.recordingsApi(concurrencyFrom(this.flags));
    const store = await openMediaDestination(root, {
      keys,
      format,
      layout,
      api,
      readOnly: dryRun,
      recheck: dryRun ? 'size' : 'sha256',
      s3,
    });

    await this.streamResults({
      properties: this.flags.properties,
      stopOnSignals: true,
      progress: () => createProgressReporter({ verb: dryRun ? 'checked' : 'done', silent: this.flags.silent }),
      run: (records, stop, progress) =>
        downloadRecordings({
          api,
          criteria,
          store,
          dryRun,
          expectKey,
          stop,
          events: {
            onResults: (results) => records.write(results),
            onSelected: (count) => progress.setTotal(count),
            onBytes: (bytes) => progress.addBytes(bytes),
            onResultDone: () => progress.itemDone(),
            onSidNotFound: (sid) => this.logger.warn(`Recording ${sid} was not found.`),
            waitForRoom: () => records.waitForRoom(),
          },
        }),
      close: () => store.close(),
      summaryLines: (summary) => downloadSummaryLines(summary, store.root),
      failure: downloadFailure,
    });
  }
}

/** The error a download ends with: a full disk, a stop request, or recordings that failed. */
function downloadFailure(summary: DownloadSummary): Error | undefined {
  if (summary.stoppedBecause) return stoppedByFullDisk(summary.stoppedBecause);
  if (summary.interrupted) {
    return new CancelledError(
      `Download stopped on request with ${plural(summary.downloaded, 'recording')} downloaded: run the same command again to go on.`,
    );
  }
  if (summary.failed > 0) {
    return new OperationFailedError(
      `${summary.failed} of ${summary.selected} recordings could not be downloaded; run the same command again to retry them.`,
    );
  }
  return undefined;
}
