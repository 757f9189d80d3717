/**
 * The values `--s3-storage-class` and `--s3-sse` take, apart from the store's code so that
 * every command can declare the flags without loading it.
 */
export const S3_STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER_IR',
  'GLACIER',
  'DEEP_ARCHIVE',
  'REDUCED_REDUNDANCY',
] as const;
export type S3StorageClass = (typeof S3_STORAGE_CLASSES)[number];

export const S3_SSE_MODES = ['AES256', 'aws:kms'] as const;
export type S3ServerSideEncryption = (typeof S3_SSE_MODES)[number];
