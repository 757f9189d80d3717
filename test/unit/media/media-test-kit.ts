import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCriteria } from '../../../src/selection/criteria';
import { selectRecordings } from '../../../src/selection/select-recordings';
import type { Recording } from '../../../src/recordings/recording';
import type { TwilioApi } from '../../../src/twilio/twilio-api';

export async function allRecordings(api: TwilioApi): Promise<Recording[]> {
  const recordings: Recording[] = [];
  for await (const recording of selectRecordings(api, buildCriteria({}, new Date()))) recordings.push(recording);
  return recordings;
}

export function temporaryFolder(): string {
  return mkdtempSync(join(tmpdir(), 'media-test-'));
}
