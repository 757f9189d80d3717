import { Flags } from '@oclif/core';
import { type CommandFlags, holdsFlag, pathFrom } from '../../cli/flags';
import { RecordingsCommand } from '../../cli/recordings-command';
import { holdsLocation } from '../../holds/holds-file';
import { printableJson, printableRecord } from '../../text/printable';
import { createProgressReporter } from '../../cli/progress-reporter';
import { planRetention, readRetentionInput } from '../../purge/retention-run';
import { usageChartLines, usageNoteLines } from '../../usage/usage-chart';
import { scanStorageUsage, type UsageOptions } from '../../usage/usage-scan';
import type { UsageGrouping, UsageReport } from '../../usage/storage-usage';
import { docLink } from '../../cli/doc-links';

export default class RecordingsUsage extends RecordingsCommand {
  static override description =
    'show the minutes of recordings stored and what they cost a month, by month of creation and by account or source; with a policy, before and after it';

  static docLink = docLink('storage-usage');

  static override examples = [
    '$ twilio recordings:usage',
    '$ twilio recordings:usage --subaccounts --months 6',
    '$ twilio recordings:usage --policy retention.yml',
    '$ twilio recordings:usage --by source -o json',
  ];

  static override flags = {
    ...RecordingsCommand.flags,
    subaccounts: Flags.boolean({ description: 'the account and all its subaccounts', default: false }),
    months: Flags.integer({
      description: 'show each of the last N months of creation; older recordings are summed as "earlier"',
      helpValue: 'N',
      min: 1,
      max: 120,
      default: 12,
    }),
    by: Flags.string({
      description: 'split each month by account or by recording source',
      options: ['account', 'source'],
      default: 'account',
    }),
    policy: Flags.string({
      description: 'also show the figures after this retention policy would run (nothing is deleted)',
      helpValue: 'FILE',
    }),
    ...holdsFlag,
  };

  declare flags: CommandFlags<typeof RecordingsUsage.flags>;

  override async run(): Promise<void> {
    await super.run();
    const grouping = this.flags.by as UsageGrouping;
    const policyPath = pathFrom(this.flags, 'policy', 'retention.yml');
    const holds = holdsLocation(pathFrom(this.flags, 'holds', 'holds.json'), process.env, this.pluginDataDir);
    const now = this.now();
    const input = policyPath ? await readRetentionInput(policyPath, holds, now) : undefined;
    const api = this.recordingsApi();
    const retention = input ? await planRetention(api, input, now) : undefined;
    const interruption = this.stopOnSignals();
    const options: UsageOptions = {
      api,
      criteria: {
        includeSubaccounts: this.flags.subaccounts || (input?.policy?.subaccounts ?? false),
        limitCounts: 'matching',
      },
      months: this.flags.months,
      grouping,
      decide: retention?.decide,
      now,
      progress: createProgressReporter({ verb: 'examined', silent: this.flags.silent }),
      stop: interruption.signal,
    };
    const report = await scanStorageUsage(options).finally(() => interruption.dispose());
    this.print(report, grouping);
  }

  /** One JSON document, TSV rows, or on a terminal the chart, the table and what the figures mean. */
  private print(report: UsageReport, grouping: UsageGrouping): void {
    const format = this.flags['cli-output-format'];
    if (this.flags.silent || format === 'none') return;
    if (format === 'json') {
      process.stdout.write(`${printableJson(report, 2)}\n`);
      return;
    }
    const policy = report.totals.minutesAfter !== undefined;
    const rows = report.rows.map(({ month, group, ...row }) => printableRecord({ month, [grouping]: group, ...row }));
    const properties = ['month', grouping, 'recordings', 'minutes', 'monthlyCostUsd'];
    if (policy) properties.push('minutesAfter', 'monthlyCostAfterUsd');
    if (format === 'tsv') {
      this.output(rows, properties.join(', '));
      return;
    }
    // As wide as the terminal: off one, the width is not known.
    const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
    process.stdout.write(`${usageChartLines(report, columns).join('\n')}\n\n`);
    if (rows.length > 0) this.output(rows, properties.join(', '));
    process.stdout.write(`\n${usageNoteLines(report).join('\n')}\n`);
  }
}
