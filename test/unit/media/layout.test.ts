import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { DEFAULT_LAYOUT, Layout } from '../../../src/media/layout';
import type { Recording } from '../../../src/recordings/recording';
import { aRecording } from '../recording-fixture';

const recording = aRecording({
  sid: 'RE0123456789abcdef0123456789abcdef',
  accountSid: 'AC0123456789abcdef0123456789abcdef',
  callSid: 'CA0123456789abcdef0123456789abcdef',
  dateCreated: new Date('2026-03-04T23:59:59Z'),
  duration: 12,
  uri: '',
});

describe('layout', () => {
  it('renders the default layout as the UTC creation date and the sid', () => {
    expect(Layout.parse(DEFAULT_LAYOUT).render(recording, 'wav')).to.equal(`2026-03-04/${recording.sid}.wav`);
    expect(Layout.parse(DEFAULT_LAYOUT).render(recording, 'mp3')).to.equal(`2026-03-04/${recording.sid}.mp3`);
  });

  it('renders every field, with "none" for a missing conference', () => {
    const layout = Layout.parse('{accountSid}/{year}/{month}/{day}/{callSid}-{conferenceSid}/{sid}.{ext}');
    expect(layout.render(recording, 'mp3')).to.equal(
      `${recording.accountSid}/2026/03/04/${recording.callSid}-none/${recording.sid}.mp3`,
    );
  });

  for (const template of [
    '../{sid}',
    '{date}/../../{sid}',
    '/abs/{sid}',
    '/{sid}',
    'C:/x/{sid}',
    'a\\{sid}',
    '{date}/{callSid}.{ext}',
    '{date}//{sid}',
    '{date}/{sid}/',
    './{sid}',
    '{unknown}/{sid}',
    '{sid',
    '{sid}}',
    '',
    '{date}/\u0000{sid}',
  ]) {
    it(`rejects ${JSON.stringify(template)} as bad input`, () => {
      expect(() => Layout.parse(template)).to.throw(BadInputError, /Invalid --layout/);
    });
  }

  for (const template of [
    '.partial/{sid}.{ext}',
    '.Partial/{date}/{sid}.{ext}',
    '.{year}/{sid}.{ext}',
    '.p{ext}tial/{sid}',
  ]) {
    it(`rejects ${JSON.stringify(template)}, whose first folder could be the one for files being downloaded`, () => {
      expect(() => Layout.parse(template)).to.throw(BadInputError, /first folder could be "\.partial"/);
    });
  }

  it('accepts names like the temporary folder deeper down, and names like temporary files', () => {
    expect(Layout.parse('{date}/.partial/{sid}.{ext}').render(recording, 'wav')).to.equal(
      `2026-03-04/.partial/${recording.sid}.wav`,
    );
    expect(Layout.parse('{date}/.{sid}.part-99999-{day}').render(recording, 'wav')).to.equal(
      `2026-03-04/.${recording.sid}.part-99999-04`,
    );
    expect(Layout.parse('.partial-{sid}/{sid}.{ext}').render(recording, 'wav')).to.match(/^\.partial-RE/);
  });

  it('keeps values that contain separators or dots inside one folder name', () => {
    const hostile: Recording = {
      ...recording,
      sid: '../../etc/passwd',
      callSid: '..',
      conferenceSid: 'a/b\\c',
      accountSid: '',
    };
    const path = Layout.parse('{accountSid}/{callSid}/{conferenceSid}/{sid}.{ext}').render(hostile, 'wav');
    const segments = path.split('/');
    expect(segments).to.have.length(4);
    expect(segments).to.not.include('..');
    expect(segments).to.not.include('.');
    expect(segments).to.not.include('');
    expect(path).to.equal('none/__/a_b_c/______etc_passwd.wav');
  });

  it('adds a folder per account for subaccounts unless the layout names the account', () => {
    expect(Layout.parse(DEFAULT_LAYOUT).perAccount().template).to.equal(`{accountSid}/${DEFAULT_LAYOUT}`);
    expect(Layout.parse('{accountSid}-{sid}.{ext}').perAccount().template).to.equal('{accountSid}-{sid}.{ext}');
  });
});
