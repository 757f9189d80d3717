import { expect } from 'chai';
import { hasMedia, RECORDING_STATUSES } from '../../../src/recordings/recording';

describe('hasMedia', () => {
  for (const status of RECORDING_STATUSES) {
    const expected = status === 'completed';
    it(`${status}: ${expected ? 'has media' : 'has none'}`, () => {
      expect(hasMedia({ status })).to.equal(expected);
    });
  }

  it('a status Twilio may add later has none', () => {
    expect(hasMedia({ status: 'archived' })).to.equal(false);
  });
});
