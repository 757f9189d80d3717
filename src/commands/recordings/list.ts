import { Flags } from '@oclif/core';
import { baseCommands } from '@twilio/cli-core';
import {
  type CommandFlags,
  concurrencyFlag,
  concurrencyFrom,
  expectedKeyFrom,
  expectKeyFlag,
  limitFlags,
  selectionFlags,
  selectionInputFrom,
} from '../../cli/flags';
import { RecordingsCommand } from '../../cli/recordings-command';
import { DISCARD_RECORDS, type RecordOutput } from '../../tasks/record-output';
import { SelectionTally, selectionSummaryLines } from '../../selection/selection-summary';
import { createScanProgress, type ScanProgress } from '../../cli/scan-progress';
import type { SelectionCriteria } from '../../selection/criteria';
import type { TwilioApi } from '../../twilio/twilio-api';
import { selectRecordingPages } from '../../selection/select-recordings';
import { recordingRow } from '../../recordings/recording';
import { docLink } from '../../cli/doc-links';

const { TwilioClientCommand } = baseCommands;

export default class RecordingsList extends RecordingsCommand {
  static override description =
    'list call recordings selected by age, date, call, conference and status, with their storage cost';

  static docLink = docLink('listing-recordings');

  static override examples = [
    '$ twilio recordings:list --older-than 30d',
    '$ twilio recordings:list --after 2026-01-01 --before 2026-02-01 --status completed --no-limit -o json',
    '$ twilio recordings:list --call-sid CAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --properties sid,duration,dateCreated',
    '$ twilio recordings:list --subaccounts --older-than 6mo --no-limit',
  ];

  static override flags = {
    ...RecordingsCommand.flags,
    ...selectionFlags,
    ...limitFlags('list at most this many recordings', 50),
    ...concurrencyFlag,
    ...TwilioClientCommand.noHeader,
    'expect-key': {
      ...expectKeyFlag['expect-key'],
      description:
        'only recordings encrypted with another public key than this one (CR…): Twilio falls back to another key when the configured one is invalid (error 16107)',
    },
    properties: Flags.string({
      description: 'the recording properties to show as columns',
      default: 'sid, callSid, dateCreated, duration, status, channels, source',
    }),
  };

  declare flags: CommandFlags<typeof RecordingsList.flags>;

  override async run(): Promise<void> {
    await super.run();
    const criteria = {
      ...this.selectionCriteria(selectionInputFrom(this.flags)),
      encryptedOtherThan: expectedKeyFrom(this.flags),
    };
    const api = this.recordingsApi(concurrencyFrom(this.flags));
    const onSidNotFound = (sid: string) => this.logger.warn(`Recording ${sid} was not found.`);
    await this.streamResults({
      properties: this.flags.properties,
      progress: () => createScanProgress({ silent: this.flags.silent }),
      run: (records, _stop, progress) => listRecordings(api, criteria, records, { onSidNotFound, progress }),
      summaryLines: (tally) => selectionSummaryLines(tally, criteria),
    });
  }
}

/** Writes the selected recordings to `records` page by page, and tallies them for the summary. */
async function listRecordings(
  api: TwilioApi,
  criteria: SelectionCriteria,
  records: RecordOutput,
  { onSidNotFound, progress }: { onSidNotFound: (sid: string) => void; progress: ScanProgress },
): Promise<SelectionTally> {
  const tally = new SelectionTally();
  const events = { onSidNotFound, onPageScanned: (count: number) => progress.pageScanned(count) };
  for await (const page of selectRecordingPages(api, criteria, events)) {
    if (records !== DISCARD_RECORDS) records.write(page.recordings.map(recordingRow));
    tally.addPage(page);
    // Let go of them now: this frame keeps the page while the next is awaited (see selectRecordingPages).
    page.recordings.length = 0;
    await records.waitForRoom();
  }
  return tally;
}
