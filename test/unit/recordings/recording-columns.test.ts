import { expect } from 'chai';
import { recordingFromApi, type ApiRecording } from '../../../src/recordings/recording';
import { RecordingColumns } from '../../../src/recordings/recording-columns';

const ORIGIN = 'https://api.twilio.com';
const ACCOUNT = 'AC' + 'a'.repeat(32);

function anApiRecording(n: number, overrides: Partial<ApiRecording> = {}): ApiRecording {
  const sid = 'RE' + String(n).padStart(32, '0');
  return {
    sid,
    account_sid: ACCOUNT,
    call_sid: 'CA' + String(n).padStart(32, '0'),
    conference_sid: null,
    date_created: 'Fri, 02 Jan 2026 03:04:05 +0000',
    date_updated: 'Fri, 02 Jan 2026 03:05:05 +0000',
    start_time: 'Fri, 02 Jan 2026 03:04:00 +0000',
    duration: '61',
    status: 'completed',
    channels: 1,
    source: 'DialVerb',
    price: '-0.0025',
    price_unit: 'USD',
    error_code: null,
    uri: `/2010-04-01/Accounts/${ACCOUNT}/Recordings/${sid}.json`,
    media_url: `${ORIGIN}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${sid}`,
    encryption_details: null,
    ...overrides,
  };
}

/** Each recording as the columns give it back, serialised with its keys in order. */
function roundTrip(page: ApiRecording[]): string[] {
  const columns = RecordingColumns.of(ACCOUNT, ORIGIN, page);
  return page.map((_, i) => JSON.stringify(columns.recording(i)));
}

describe('RecordingColumns', () => {
  it('gives back each recording as recordingFromApi makes it, keys in the same order', () => {
    const page = [anApiRecording(1), anApiRecording(2, { conference_sid: 'CF' + 'c'.repeat(32), channels: 2 })];
    expect(roundTrip(page)).to.deep.equal(page.map((json) => JSON.stringify(recordingFromApi(json))));
  });

  it('gives SIDs in canonical form, as recordingFromApi does, whatever letter case the answer used', () => {
    const upper = anApiRecording(7, {
      sid: 'RE' + 'ab'.repeat(16).toUpperCase(),
      account_sid: ACCOUNT.toUpperCase(),
      call_sid: 'CA' + 'cd'.repeat(16).toUpperCase(),
      conference_sid: 'CF' + 'ef'.repeat(16).toUpperCase(),
    });
    const expected = {
      sid: 'RE' + 'ab'.repeat(16),
      accountSid: ACCOUNT,
      callSid: 'CA' + 'cd'.repeat(16),
      conferenceSid: 'CF' + 'ef'.repeat(16),
    };
    expect(recordingFromApi(upper)).to.include(expected);
    expect(RecordingColumns.of(ACCOUNT, ORIGIN, [upper]).recording(0)).to.include(expected);
  });

  it('keeps missing and malformed dates and durations as recordingFromApi reads them', () => {
    const page = [
      anApiRecording(1, { date_created: null, date_updated: null, start_time: 'not a date', duration: null }),
      anApiRecording(2, { date_created: 'garbage', duration: '-3' }),
    ];
    const columns = RecordingColumns.of(ACCOUNT, ORIGIN, page);
    page.forEach((json, i) => expect(columns.recording(i)).to.deep.equal(recordingFromApi(json)));
    expect(columns.createdMs(0)).to.equal(0);
  });

  it('keeps a uri, media URL or account that is not the usual one', () => {
    const page = [
      anApiRecording(1, { uri: '/2010-04-01/Accounts/x/Calls/y/Recordings/z.json', media_url: null }),
      anApiRecording(2, { media_url: 'https://bucket.example/rec.wav', account_sid: 'AC' + 'b'.repeat(32) }),
      anApiRecording(3, { media_url: `https://api.ie1.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/x` }),
    ];
    expect(roundTrip(page)).to.deep.equal(page.map((json) => JSON.stringify(recordingFromApi(json))));
  });

  it('keeps the encryption details of encrypted recordings only', () => {
    const details = {
      type: 'rsa-aes',
      public_key_sid: 'CR' + 'd'.repeat(32),
      encrypted_cek: Buffer.from('k'.repeat(256)).toString('base64'),
      iv: Buffer.alloc(12, 7).toString('base64'),
    };
    const page = [
      anApiRecording(1, { encryption_details: details }),
      anApiRecording(2),
      anApiRecording(3, { encryption_details: 'x' }),
    ];
    const columns = RecordingColumns.of(ACCOUNT, ORIGIN, page);
    page.forEach((json, i) => expect(columns.recording(i)).to.deep.equal(recordingFromApi(json)));
    expect(columns.recording(1)).not.to.have.property('encryption');
  });

  it('gives the recordings created at or after one instant and before another, in order', () => {
    const page = [
      anApiRecording(1, { date_created: 'Fri, 02 Jan 2026 03:00:02 +0000' }),
      anApiRecording(2, { date_created: 'Fri, 02 Jan 2026 03:00:01 +0000' }),
      anApiRecording(3, { date_created: 'Fri, 02 Jan 2026 03:00:00 +0000' }),
    ];
    const columns = RecordingColumns.of(ACCOUNT, ORIGIN, page);
    const within = columns.recordingsWithin(Date.parse('2026-01-02T03:00:01Z'), Date.parse('2026-01-02T03:00:02Z'));
    expect(within.map((r) => r.sid)).to.deep.equal([page[1]!.sid]);
    expect(columns.length).to.equal(3);
  });

  it('keeps strings beyond Latin-1 and values of other types than the API documents as they came', () => {
    const page = [
      anApiRecording(1, { source: 'Dial\u00e9 \u6f22 \ud83d\ude00', price: 'lone \ud800 surrogate' }),
      anApiRecording(2, {
        channels: '2' as unknown as number,
        error_code: true as unknown as number,
        price_unit: { currency: 'USD' } as unknown as string,
        conference_sid: undefined as unknown as string,
      }),
    ];
    const columns = RecordingColumns.of(ACCOUNT, ORIGIN, page);
    page.forEach((json, i) => expect(columns.recording(i)).to.deep.equal(recordingFromApi(json)));
    expect(columns.recording(1)).to.have.property('conferenceSid', undefined);
  });

  it("gives a released page's buffer to the next page, which reads back only its own recordings", () => {
    const first = RecordingColumns.of(ACCOUNT, ORIGIN, [anApiRecording(1), anApiRecording(2)]);
    first.release();
    const page = [anApiRecording(3, { source: 'x'.repeat(1000) })];
    const second = RecordingColumns.of(ACCOUNT, ORIGIN, page);
    expect(second.length).to.equal(1);
    expect(second.recording(0)).to.deep.equal(recordingFromApi(page[0]!));
  });
});
