import { expect } from 'chai';
import {
  Destination,
  UnlistedCopyError,
  type CopyRequest,
  type ManifestWriter,
  type MediaSink,
  type ReceivedBody,
  type StoredFile,
  type StoredIndex,
} from '../../../src/destinations/destination';
import { SpooledFile, type SpoolFile } from '../../../src/destinations/spooled-file';
import { deletionIntent } from '../../../src/journal/deletion-log';
import type { Recording } from '../../../src/recordings/recording';
import { aRecording } from '../recording-fixture';

/** A sink that keeps copies in memory and records what the skeleton asked of it, in order. */
class MemorySink implements MediaSink {
  readonly root = 'mem://root/';
  readonly manifestPath = 'mem://root/manifest';
  readonly copies = new Map<string, StoredFile>();
  readonly calls: string[] = [];
  failCommit: Error | undefined;
  closed = 0;

  constructor(readonly decryptedInPlace = true) {}

  locationOf(path: string): string {
    return `${this.root}${path}`;
  }
  placeOf(path: string): string {
    return `memory at ${path}`;
  }
  async holds(file: StoredFile): Promise<boolean> {
    this.calls.push(`holds ${file.path}`);
    const copy = this.copies.get(file.path);
    return copy?.bytes === file.bytes && copy.sha256 === file.sha256;
  }
  async prepare(path: string): Promise<void> {
    this.calls.push(`prepare ${path}`);
  }
  spoolFile(recording: Recording, path: string): SpoolFile {
    return {
      path: `spool/${recording.sid}/${path}`,
      open: () => Promise.reject(new Error('no disk')),
      remove: async () => undefined,
    };
  }
  async commit(body: ReceivedBody, path: string): Promise<void> {
    this.calls.push(`commit ${path}`);
    if (this.failCommit) throw this.failCommit;
    this.copies.set(path, { path, bytes: body.bytes, sha256: body.sha256 });
  }
  unlisted(error: unknown): Error {
    return new UnlistedCopyError(`stored, unlisted (${(error as Error).message})`);
  }
  async *manifestLines(): AsyncIterable<unknown> {
    yield* [];
  }
  async close(): Promise<void> {
    this.closed += 1;
  }
}

class MemoryIndex implements StoredIndex {
  readonly files = new Map<string, StoredFile>();
  get(sid: string): StoredFile | undefined {
    return this.files.get(sid);
  }
  add(sid: string, file: StoredFile): void {
    this.files.set(sid, file);
  }
  lists(path: string): boolean {
    return [...this.files.values()].some((file) => file.path === path);
  }
}

class MemoryManifest implements ManifestWriter {
  readonly lines: object[] = [];
  failure: Error | undefined;
  closed = false;
  async append(entry: object): Promise<void> {
    if (this.failure) throw this.failure;
    this.lines.push(entry);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const recording = aRecording();

/** The message a promise is rejected with; fails the test when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => expect.fail('resolved'),
    (error: Error) => error.message,
  );
}

/** A request whose bytes are `content`, counting the fetches it makes. */
function request(path: string, content = 'audio', alsoAt?: string): CopyRequest<ReceivedBody> & { fetches: number } {
  const made = {
    fetches: 0,
    recording,
    path,
    alsoAt,
    contentType: 'audio/x-wav',
    check: async () => undefined,
    receive: async (spoolFile: () => SpoolFile): Promise<ReceivedBody> => {
      made.fetches += 1;
      const file = spoolFile();
      const spool = new SpooledFile(() => file.open(), 1024);
      spool.end(Buffer.from(content));
      return {
        spool,
        spoolFile: file,
        bytes: content.length,
        sha256: `sha-of-${content}`,
        discard: () => spool.close(),
      };
    },
    line: (file: StoredFile) => ({ event: 'downloaded', sid: recording.sid, ...file }),
  };
  return made;
}

describe('Destination (the skeleton every sink shares)', () => {
  let sink: MemorySink;
  let index: MemoryIndex;
  let manifest: MemoryManifest;
  let destination: Destination;

  beforeEach(() => {
    sink = new MemorySink();
    index = new MemoryIndex();
    manifest = new MemoryManifest();
    destination = new Destination(sink, index, manifest);
  });

  it('saves: checks, prepares, receives, commits, then lists the copy in the manifest', async () => {
    const copy = await destination.save(request('a.wav'));
    expect(copy).to.deep.equal({
      path: 'a.wav',
      bytes: 5,
      sha256: 'sha-of-audio',
      location: 'mem://root/a.wav',
      outcome: 'downloaded',
    });
    expect(sink.calls).to.deep.equal(['prepare a.wav', 'commit a.wav']);
    expect(manifest.lines).to.deep.equal([
      { event: 'downloaded', sid: recording.sid, path: 'a.wav', bytes: 5, sha256: 'sha-of-audio' },
    ]);
    expect(index.get(recording.sid)).to.deep.equal({ path: 'a.wav', bytes: 5, sha256: 'sha-of-audio' });
  });

  it('saves a recording asked for twice at once once', async () => {
    const asked = request('a.wav');
    const [first, second] = await Promise.all([destination.save(asked), destination.save(asked)]);
    expect(first).to.deep.equal(second);
    expect(asked.fetches).to.equal(1);
    expect(manifest.lines).to.have.length(1);
  });

  it('finds a listed copy the sink holds, and fetches nothing', async () => {
    await destination.save(request('a.wav'));
    const again = request('a.wav');
    const copy = await destination.save(again);
    expect(copy.outcome).to.equal('already-present');
    expect(again.fetches).to.equal(0);
    expect(manifest.lines).to.have.length(1);
  });

  it('saves again a listed copy the sink no longer holds as listed', async () => {
    await destination.save(request('a.wav'));
    sink.copies.set('a.wav', { path: 'a.wav', bytes: 5, sha256: 'changed' });
    const again = request('a.wav');
    expect((await destination.save(again)).outcome).to.equal('downloaded');
    expect(again.fetches).to.equal(1);
  });

  it('does not take a copy listed under another path', async () => {
    index.add(recording.sid, { path: 'b.wav', bytes: 5, sha256: 'sha-of-audio' });
    sink.copies.set('b.wav', { path: 'b.wav', bytes: 5, sha256: 'sha-of-audio' });
    expect(await destination.present(recording.sid, 'a.wav')).to.equal(undefined);
  });

  it('takes the plaintext listed beside a ciphertext path only on a sink where copies are decrypted in place', async () => {
    const listed = { path: 'a.wav', bytes: 5, sha256: 'sha-of-audio' };
    for (const decryptedInPlace of [true, false]) {
      const other = new MemorySink(decryptedInPlace);
      other.copies.set('a.wav', listed);
      const withPlaintext = new MemoryIndex();
      withPlaintext.add(recording.sid, listed);
      const present = await new Destination(other, withPlaintext, undefined).present(
        recording.sid,
        'a.wav.enc',
        'a.wav',
      );
      expect(present?.path, `decryptedInPlace ${decryptedInPlace}`).to.equal(decryptedInPlace ? 'a.wav' : undefined);
    }
  });

  it('lists nothing when the commit fails, and throws what the sink threw', async () => {
    sink.failCommit = new Error('no room');
    const error = await destination.save(request('a.wav')).catch((e: unknown) => e);
    expect(error).to.equal(sink.failCommit);
    expect(manifest.lines).to.deep.equal([]);
    expect(index.get(recording.sid)).to.equal(undefined);
  });

  it("throws the sink's unlisted error when the copy is committed but its manifest line is not", async () => {
    manifest.failure = new Error('manifest gone');
    const error = await destination.save(request('a.wav')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(UnlistedCopyError).with.property('reason', 'stored, unlisted (manifest gone)');
    expect(index.get(recording.sid)).to.equal(undefined);
  });

  it('refuses what the request refuses before the sink is touched', async () => {
    const refused = { ...request('a.wav'), check: () => Promise.reject(new Error('cannot verify')) };
    await destination.save(refused).catch(() => undefined);
    expect(sink.calls).to.deep.equal([]);
  });

  it('read-only: looks copies up, and refuses to save or append', async () => {
    const readOnly = new Destination(sink, index, undefined);
    expect(await readOnly.present(recording.sid, 'a.wav')).to.equal(undefined);
    expect(await refusal(readOnly.save(request('a.wav')))).to.match(/read-only/);
    expect(await refusal(readOnly.appendToManifest({ event: 'deleted' }))).to.match(/read-only/);
  });

  it('appends other lines (deletions) to the manifest, also through its deletion log', async () => {
    await destination.appendToManifest({ event: 'delete-intent', sid: 'RE1' });
    const log = destination.manifestLog();
    expect(log.path).to.equal(sink.manifestPath);
    const recorder = await log.openWriter();
    const intent = deletionIntent(aRecording(), new Date(0), null);
    await recorder.append(intent);
    await recorder.close();
    expect(manifest.lines).to.deep.equal([{ event: 'delete-intent', sid: 'RE1' }, intent]);
  });

  it('closes once the saves under way are settled: the manifest, then the sink', async () => {
    const saving = destination.save(request('a.wav'));
    await destination.close();
    expect(await saving).to.have.property('outcome', 'downloaded');
    expect(manifest.closed).to.equal(true);
    expect(sink.closed).to.equal(1);
    expect(await refusal(destination.appendToManifest({}))).to.match(/closed/);
  });
});
