import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { createScanProgress, scanProgressLine } from '../../../src/cli/scan-progress';

describe('scan progress', () => {
  it('says pages and recordings scanned, and the rate', () => {
    expect(scanProgressLine(120, 118_000, 5_000)).to.equal('Scanned 120 pages, 118,000 recordings (23,600 a second)');
  });

  it('prints nothing when silent', () => {
    const stream = new PassThrough();
    const progress = createScanProgress({ silent: true, stream, intervalMs: 1 });
    progress.pageScanned(1000);
    progress.stop();
    expect(stream.read()).to.equal(null);
  });
});
