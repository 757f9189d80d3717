import { expect } from 'chai';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { expectedMedia } from '../../../sandbox';
import { mediaChunks } from '../../../sandbox/media';
import { MediaInspector } from '../../../src/media/media-check';
import { type MediaFormat, contentTypeMatches } from '../../../src/twilio/media-format';

function mediaBytes(format: MediaFormat, durationSeconds = 5, channels: 1 | 2 = 1): Buffer {
  return Buffer.concat([
    ...mediaChunks({ sid: 'RE0123456789abcdef0123456789abcdef', durationSeconds, channels }, format),
  ]);
}

/** Runs bytes through an inspector in pieces of `pieceSize` bytes. */
async function inspect(bytes: Buffer, format: MediaFormat, pieceSize = 4096): Promise<MediaInspector> {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += pieceSize)
    pieces.push(bytes.subarray(offset, offset + pieceSize));
  const inspector = new MediaInspector(format);
  await pipeline(Readable.from(pieces), inspector, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return inspector;
}

describe('media checks', () => {
  it('accepts the content types of each format only', () => {
    expect(contentTypeMatches('audio/x-wav', 'wav')).to.equal(true);
    expect(contentTypeMatches('audio/wav; charset=binary', 'wav')).to.equal(true);
    expect(contentTypeMatches('audio/mpeg', 'mp3')).to.equal(true);
    expect(contentTypeMatches('audio/mpeg', 'wav')).to.equal(false);
    expect(contentTypeMatches('text/html', 'mp3')).to.equal(false);
    expect(contentTypeMatches(undefined, 'wav')).to.equal(false);
  });

  for (const channels of [1, 2] as const) {
    it(`accepts complete ${channels}-channel WAV and MP3 and hashes them as the sandbox does`, async () => {
      for (const format of ['wav', 'mp3'] as const) {
        const bytes = mediaBytes(format, 7, channels);
        const inspector = await inspect(bytes, format, 1000);
        expect(inspector.problem(), format).to.equal(undefined);
        expect(inspector.bytes).to.equal(bytes.length);
        const expected = expectedMedia(
          { sid: 'RE0123456789abcdef0123456789abcdef', durationSeconds: 7, channels },
          format,
        );
        expect(inspector.sha256()).to.equal(expected.sha256);
      }
    });
  }

  it('rejects a WAV file cut short, or whose data chunk overruns it', async () => {
    const bytes = mediaBytes('wav');
    expect((await inspect(bytes.subarray(0, bytes.length - 100), 'wav')).problem()).to.match(/announces/);
    const overrun = Buffer.from(bytes);
    overrun.writeUInt32LE(bytes.length, 40);
    expect((await inspect(overrun, 'wav')).problem()).to.match(/data chunk/);
    expect((await inspect(bytes.subarray(0, 30), 'wav')).problem()).to.match(/announces/);
  });

  it('rejects an MP3 stream that ends inside a frame, even read a few bytes at a time', async () => {
    const bytes = mediaBytes('mp3');
    expect((await inspect(bytes, 'mp3', 3)).problem()).to.equal(undefined);
    expect((await inspect(bytes.subarray(0, bytes.length - 50), 'mp3', 3)).problem()).to.match(/inside a frame/);
    expect((await inspect(bytes.subarray(0, 1000), 'mp3', 7)).problem()).to.match(/inside a frame/);
  });

  it('accepts an MP3 file with an ID3 tag before the first frame', async () => {
    const tag = Buffer.alloc(10 + 20);
    tag.write('ID3', 0, 'latin1');
    tag[3] = 4;
    tag[9] = 20;
    const inspector = await inspect(Buffer.concat([tag, mediaBytes('mp3')]), 'mp3', 5);
    expect(inspector.problem()).to.equal(undefined);
  });

  it('never takes an HTML or JSON error body for audio', async () => {
    const html = Buffer.from('<html><body>Access denied</body></html>');
    const json = Buffer.from('{"code":20404,"message":"not found","status":404}');
    for (const format of ['wav', 'mp3'] as const) {
      expect((await inspect(html, format)).problem()).to.match(/not an? (WAV|MP3) file/);
      expect((await inspect(json, format)).problem()).to.match(/not an? (WAV|MP3) file/);
      expect((await inspect(Buffer.alloc(0), format)).problem()).to.match(/not an? (WAV|MP3) file/);
    }
  });
});
