import { expect } from 'chai';
import { issueTracker, unexpectedErrorLine, unsettledLine } from '../../../src/cli/bug-report';

const pkg = { name: 'twilio-plugin-recordings', version: '1.2.3', bugs: { url: 'https://example.com/p/issues' } };

describe('bug reports', () => {
  it("read the tracker from package.json's bugs, as a URL object or a string", () => {
    expect(issueTracker(pkg)).to.equal('https://example.com/p/issues');
    expect(issueTracker({ ...pkg, bugs: 'https://example.com/q' })).to.equal('https://example.com/q');
    expect(issueTracker({ name: 'p', version: '1' })).to.equal(undefined);
  });

  it('name the command, the plugin and its version, what to run and where to report, in one line', () => {
    expect(unexpectedErrorLine(pkg, 'recordings:list')).to.equal(
      'twilio recordings:list stopped on an unexpected error (a bug in twilio-plugin-recordings 1.2.3): ' +
        'run it again with "-l debug" to see the details, and report them at https://example.com/p/issues.',
    );
    expect(unsettledLine(pkg, 'recordings:download')).to.equal(
      'twilio recordings:download stopped before it finished; this is a bug in twilio-plugin-recordings 1.2.3: ' +
        'please report it at https://example.com/p/issues.',
    );
  });

  it("never point at the host CLI's tracker", () => {
    expect(unexpectedErrorLine({ name: 'p', version: '1' }, 'recordings:list')).not.to.match(/twilio-cli|https?:/);
  });
});
