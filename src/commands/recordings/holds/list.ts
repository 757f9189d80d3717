import { type CommandFlags, holdsFlag, pathFrom } from '../../../cli/flags';
import { RecordingsCommand } from '../../../cli/recordings-command';
import { holdRows, listHolds } from '../../../holds/hold-book';
import { holdsLocation } from '../../../holds/holds-file';
import { HOLD_PROPERTIES } from './add';
import { docLink } from '../../../cli/doc-links';

export default class RecordingsHoldsList extends RecordingsCommand {
  static override description = 'list the legal holds, in force and expired, of the holds file';

  static docLink = docLink('legal-holds');

  static override examples = [
    '$ twilio recordings:holds:list',
    '$ twilio recordings:holds:list --holds /shared/holds.json -o json',
  ];

  static override flags = { ...RecordingsCommand.flagsWithoutProfile, ...holdsFlag };

  declare flags: CommandFlags<typeof RecordingsHoldsList.flags>;
  // The holds file is local: no profile or credentials needed.
  protected override readonly needsTwilio = false;

  override async run(): Promise<void> {
    await super.run();
    const location = holdsLocation(pathFrom(this.flags, 'holds', 'holds.json'), process.env, this.pluginDataDir);
    const holds = await listHolds(location);
    this.logger.info(`Holds in ${location.path}: ${holds.length}`);
    const output = this.recordOutput(HOLD_PROPERTIES);
    output.write(holdRows(holds, this.now(), this.flags['cli-output-format'] === 'json'));
    output.end();
  }
}
