import { isS3Url } from '../destinations/s3-url';
import { BadInputError } from '../errors';
import type { S3DestinationSettings } from '../media/open-destination';
import { printable } from '../text/printable';
import type { ArchiveObjectOptions, RetentionRule } from '../retention/policy';

/** The flag that gives each of an `s3://` destination's settings. */
const S3_FLAGS: Record<'connection' | keyof ArchiveObjectOptions, string> = {
  connection: 's3-endpoint',
  storageClass: 's3-storage-class',
  sse: 's3-sse',
  kmsKeyId: 's3-kms-key-id',
};

/** What a rule's `s3:` block may say, in the order its flags are checked. */
const RULE_OBJECT_OPTIONS: ReadonlyArray<keyof ArchiveObjectOptions> = ['storageClass', 'sse', 'kmsKeyId'];

/**
 * How a policy rule's bucket archive is reached and writes its objects: the endpoint of
 * `--s3-endpoint`, and what the rule's `s3:` says, with the `--s3-*` flags filling in what it
 * leaves out. A flag that says otherwise than the rule is refused (exit 2): the policy is the
 * reviewed record of how an archive is kept, with its digest in reviewed plans, so a command
 * line does not quietly change it.
 */
export function ruleBucketSettings(
  rule: Pick<RetentionRule, 'name' | 's3'>,
  policyFile: string,
  flags: S3DestinationSettings | undefined,
): S3DestinationSettings {
  for (const key of RULE_OBJECT_OPTIONS) {
    const fromRule = rule.s3?.[key];
    const fromFlag = flags?.[key];
    if (fromRule !== undefined && fromFlag !== undefined && fromRule !== fromFlag) {
      throw new BadInputError(
        `--${S3_FLAGS[key]} ${printable(fromFlag)} says otherwise than rule "${printable(rule.name)}" of ${printable(policyFile)} (${key}: ${printable(fromRule)}): leave out --${S3_FLAGS[key]}, or change the rule.`,
      );
    }
  }
  return {
    connection: flags?.connection,
    storageClass: rule.s3?.storageClass ?? flags?.storageClass,
    sse: rule.s3?.sse ?? flags?.sse,
    kmsKeyId: rule.s3?.kmsKeyId ?? flags?.kmsKeyId,
  };
}

/**
 * Refuses `--s3-*` flags when no archive of the purge is in a bucket, as `--archive-dir` of a
 * folder refuses them: `archives` are `--archive-dir` and the rules' `archive:`, as given.
 */
export function refuseS3FlagsWithoutBucket(
  flags: S3DestinationSettings | undefined,
  archives: ReadonlyArray<string | undefined>,
): void {
  if (flags === undefined || archives.some((where) => where !== undefined && isS3Url(where))) return;
  const given = (Object.keys(S3_FLAGS) as Array<keyof typeof S3_FLAGS>).find((key) => flags[key] !== undefined);
  if (given === undefined) return;
  const flag = `--${S3_FLAGS[given]}`;
  throw new BadInputError(
    `${flag} applies to an s3:// archive, and this purge archives to none: give --archive-dir s3://BUCKET/PREFIX or a policy rule archive: s3://BUCKET/PREFIX, or leave out ${flag}.`,
  );
}
