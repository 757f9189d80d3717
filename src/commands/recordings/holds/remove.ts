import { type CommandFlags, holdsFlag, pathFrom } from '../../../cli/flags';
import { holdSelectorFlags, holdSelectorFrom, lockWaitNotice } from '../../../cli/hold-flags';
import { RecordingsCommand } from '../../../cli/recordings-command';
import { holdRows, removeHold } from '../../../holds/hold-book';
import { holdsLocation } from '../../../holds/holds-file';
import { describeTarget } from '../../../retention/holds';
import { HOLD_PROPERTIES } from './add';
import { docLink } from '../../../cli/doc-links';

export default class RecordingsHoldsRemove extends RecordingsCommand {
  static override description =
    'lift one legal hold, named by its id (or the only hold on a recording, call or conference); other holds stay';

  static docLink = docLink('legal-holds');

  static override examples = [
    '$ twilio recordings:holds:remove --id 3f9a0c1e',
    '$ twilio recordings:holds:remove --sid RExxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    '$ twilio recordings:holds:remove --conference-sid CFxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --holds /shared/holds.json',
  ];

  static override flags = { ...RecordingsCommand.flagsWithoutProfile, ...holdSelectorFlags, ...holdsFlag };

  declare flags: CommandFlags<typeof RecordingsHoldsRemove.flags>;
  // The holds file is local: no profile or credentials needed.
  protected override readonly needsTwilio = false;

  override async run(): Promise<void> {
    await super.run();
    const which = holdSelectorFrom(this.flags);
    const location = holdsLocation(pathFrom(this.flags, 'holds', 'holds.json'), process.env, this.pluginDataDir);
    const removed = await removeHold(
      location,
      which,
      lockWaitNotice(location.path, (line) => this.logger.info(line)),
    );
    this.logger.info(`Lifted the hold ${removed.id ?? ''} on ${describeTarget(removed.target)} in ${location.path}`);
    const output = this.recordOutput(HOLD_PROPERTIES);
    output.write(holdRows([removed], this.now(), this.flags['cli-output-format'] === 'json'));
    output.end();
  }
}
