import type { PrivateKeySource } from '../encryption/key-ring';
import type { HoldsLocation } from '../holds/holds-file';
import type { MediaFormat } from '../twilio/media-format';
import type { S3DestinationSettings } from '../media/open-destination';
import type { SelectionCriteria } from '../selection/criteria';

/**
 * What a purge is asked to do, as its flags say it: everything decided before a file is read or
 * Twilio is asked anything. Paths are as given, except `reportPath` and `logPath`, which are absolute.
 */
export interface PurgeRequest {
  /** The selection flags', bounded; a policy's scope or a reviewed plan's recordings take its place. */
  selection: SelectionCriteria;
  /** `--policy`: its rules decide what goes. */
  policyPath?: string;
  /** `--plan`: a reviewed plan to run. */
  planPath?: string;
  /** `--plan-out`: where to write the plan for review. */
  planOutPath?: string;
  holds: HoldsLocation;
  /** `--max-plan-age`, and the words it was given in. */
  maxPlanAge: { ms: number; text: string };
  /** `--report`: the report file, written at the end whatever the outcome. */
  reportPath?: string;
  /** `--archive-dir`: a folder or an `s3://` URL. */
  archiveDir?: string;
  /** `--log`; without it, a dated log in the plugin's data folder (or the archive's manifest). */
  logPath?: string;
  /** Requests to Twilio in flight at once. */
  concurrency: number;
  expectKey?: string;
  /** `--decrypt-key`: the private keys the archive decrypts with, loaded before the run. */
  decryption?: { keys: PrivateKeySource[]; passphraseEnv?: string };
  acceptUnverifiedEncrypted: boolean;
  format: MediaFormat;
  /** `--layout`, the template. */
  layout: string;
  /** `--s3-*`: for an `s3://` archive, the flag's or a rule's. */
  s3?: S3DestinationSettings;
  /** Show the plan and delete nothing: `--dry-run`, or `--plan-out`. */
  dryRun: boolean;
  force: boolean;
}
