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

/** The first day of the listings below: recording i is created i hours after its midnight. */
const FIRST_DAY = Date.parse('2026-11-01T00:00:00Z');
export const sidOf = (i: number) => `RE${i.toString(16).padStart(32, '0')}`;
export const createdOf = (i: number) => new Date(FIRST_DAY + i * 60 * 60 * 1000);

/** The manifest line of recording i as a download writes it, with `fields` in place of its own. */
export function downloadedLine(i: number, fields: object = {}): string {
  return JSON.stringify({
    event: 'downloaded',
    sid: sidOf(i),
    accountSid: `AC${'0'.repeat(32)}`,
    dateCreated: createdOf(i).toISOString(),
    format: 'wav',
    path: `${sidOf(i)}.wav`,
    bytes: 1000 + i,
    sha256: `hash-${i}`,
    downloadedAt: '2026-12-01T00:00:00.000Z',
    ...fields,
  });
}
