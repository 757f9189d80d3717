import { Flags } from '@oclif/core';
import { type CommandFlags, pathFrom } from '../../../cli/flags';
import { holdTargetFlags, holdTargetFrom, lockWaitNotice } from '../../../cli/hold-flags';
import { RecordingsCommand } from '../../../cli/recordings-command';
import { addHold, holdRows } from '../../../holds/hold-book';
import { holdsLocation } from '../../../holds/holds-file';
import { describeTarget, parseHoldReason, type Hold } from '../../../retention/holds';
import { parseEnd } from '../../../time/durations';
import { docLink } from '../../../cli/doc-links';

export const HOLD_PROPERTIES = 'id, sid, covers, reason, until, active';

export default class RecordingsHoldsAdd extends RecordingsCommand {
  static override description =
    'put a legal hold on a recording, or on every recording of a call or conference, beside any hold already there: no command of this plugin deletes it while any hold lasts';

  static docLink = docLink('legal-holds');

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
      reason: parseHoldReason(this.flags.reason, '--reason'),
      until: this.flags.until === undefined ? undefined : parseEnd(this.flags.until, '--until'),
      createdAt: now,
    };
    const location = holdsLocation(pathFrom(this.flags, 'holds', 'holds.json'), process.env, this.pluginDataDir);
    const { added, others } = await addHold(
      location,
      hold,
      now,
      lockWaitNotice(location.path, (line) => this.logger.info(line)),
    );
    const besides =
      others.length === 0
        ? ''
        : `; ${others.length === 1 ? 'the other hold' : `the ${others.length} other holds`} on it (${others.map((other) => other.id).join(', ')}) stay${others.length === 1 ? 's' : ''} in force`;
    this.logger.info(`Held ${describeTarget(hold.target)} in ${location.path} as hold ${added.id ?? ''}${besides}`);
    const output = this.recordOutput(HOLD_PROPERTIES);
    output.write(holdRows([added], now, this.flags['cli-output-format'] === 'json'));
    output.end();
  }
}
