import { Flags } from '@oclif/core';
import { type CommandFlags, pathFrom } from '../../../cli/flags';
import { holdTargetFlags, holdTargetFrom, holdUntilFrom, lockWaitNotice } from '../../../cli/hold-flags';
import { RecordingsCommand } from '../../../cli/recordings-command';
import { BadInputError } from '../../../errors';
import { addHold, holdRows } from '../../../holds/hold-book';
import { holdsLocation } from '../../../holds/holds-file';
import { describeTarget, type Hold } from '../../../retention/holds';

export const HOLD_PROPERTIES = 'sid, covers, reason, until, active';

export default class RecordingsHoldsAdd extends RecordingsCommand {
  static override description =
    'put a legal hold on a recording, or on every recording of a call or conference: no command of this plugin deletes it while the hold lasts';

  static override examples = [
    '$ twilio recordings:holds:add --sid RExxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --reason "case 2026-114"',
    '$ twilio recordings:holds:add --call-sid CAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --reason "complaint review" --until 2027-01-31',
    '$ twilio recordings:holds:add --conference-sid CFxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx --reason "audit" --holds /shared/holds.json',
  ];

  static override flags = {
    ...RecordingsCommand.flagsWithoutProfile,
    ...holdTargetFlags,
    reason: Flags.string({ description: 'why it is held, shown in plans and summaries', required: true }),
    until: Flags.string({
      description:
        'the hold lasts until this ISO 8601 date-time, exactly, or through the whole of this date (it ends at 00:00 UTC the next day); default: until removed',
      helpValue: 'DATE',
    }),
    holds: Flags.string({
      description:
        'the legal holds file to add to, created if it does not exist yet (default: $TWILIO_RECORDINGS_HOLDS, else holds.json in the plugin data folder)',
      helpValue: 'FILE',
    }),
  };

  declare flags: CommandFlags<typeof RecordingsHoldsAdd.flags>;
  // The holds file is local: no profile or credentials needed.
  protected override readonly needsTwilio = false;

  override async run(): Promise<void> {
    await super.run();
    const now = this.now();
    const hold: Hold = {
      target: holdTargetFrom(this.flags),
      reason: this.flags.reason,
      until: this.flags.until === undefined ? undefined : holdUntilFrom(this.flags.until),
      createdAt: now,
    };
    if (hold.reason.trim() === '') throw new BadInputError('--reason is empty: say why it is held.');
    const location = holdsLocation(pathFrom(this.flags, 'holds', 'holds.json'), process.env, this.pluginDataDir);
    const { replaced } = await addHold(
      location,
      hold,
      now,
      lockWaitNotice(location.path, (line) => this.logger.info(line)),
    );
    this.logger.info(
      `${replaced ? 'Replaced the hold on' : 'Held'} ${describeTarget(hold.target)} in ${location.path}`,
    );
    const output = this.recordOutput(HOLD_PROPERTIES);
    output.write(holdRows([hold], now, this.flags['cli-output-format'] === 'json'));
    output.end();
  }
}
