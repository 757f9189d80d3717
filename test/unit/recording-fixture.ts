import type { Recording } from '../../src/recordings/recording';

/** A completed recording with every field set, for tests to override what they are about. */
export function aRecording(overrides: Partial<Recording> = {}): Recording {
  return {
    sid: 'RE' + 'a'.repeat(32),
    accountSid: 'AC' + 'b'.repeat(32),
    callSid: 'CA' + 'c'.repeat(32),
    conferenceSid: null,
    dateCreated: new Date('2026-01-02T03:04:05Z'),
    dateUpdated: null,
    startTime: null,
    duration: 61,
    status: 'completed',
    channels: 1,
    source: 'DialVerb',
    price: null,
    priceUnit: null,
    errorCode: null,
    uri: '/x.json',
    mediaUrl: null,
    ...overrides,
  };
}
