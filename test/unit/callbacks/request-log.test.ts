import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReplayableRequests } from '../../../src/callbacks/request-log';
import { BadInputError } from '../../../src/errors';

function logged(verdict: string, status = 'completed'): string {
  return JSON.stringify({
    time: '2026-01-14T09:30:00.000Z',
    method: 'POST',
    url: 'https://hooks.example.test/recording-status',
    target: '/recording-status',
    headers: {},
    body: `RecordingStatus=${status}`,
    verdict,
    status: 204,
  });
}

describe('readReplayableRequests', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'request-log-'));
    file = join(dir, 'callbacks.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function read(lines: string[], includeUnverified = false) {
    writeFileSync(file, `${lines.join('\n')}\n`);
    return readReplayableRequests(file, { includeUnverified });
  }

  it('keeps the verified requests only, and counts the unverified ones it leaves out', async () => {
    const { requests, unverifiedLeftOut } = await read([
      logged('accepted', 'in-progress'),
      logged('unverified'),
      logged('rejected'),
      logged('invalid'),
      logged('foreign-account'),
      logged('accepted', 'completed'),
    ]);
    expect(requests.map((r) => r.body)).to.deep.equal(['RecordingStatus=in-progress', 'RecordingStatus=completed']);
    expect(unverifiedLeftOut).to.equal(1);
  });

  it('adds the unverified ones when asked, never the rejected ones', async () => {
    const { requests, unverifiedLeftOut } = await read(
      [logged('unverified', 'absent'), logged('rejected'), logged('accepted')],
      true,
    );
    expect(requests.map((r) => r.verdict)).to.deep.equal(['unverified', 'accepted']);
    expect(unverifiedLeftOut).to.equal(0);
  });

  const badLines: Array<[string, string, RegExp]> = [
    ['null', 'null', /Line 2 of --replay file ".*" is null, not a logged request/],
    ['a number', '42', /Line 2 .* is a number, not a logged request/],
    ['a string', '"text"', /Line 2 .* is a string, not a logged request/],
    ['an array', '[]', /Line 2 .* is an array, not a logged request/],
    ['an object without a body', '{"method":"POST","target":"/r","verdict":"accepted"}', /has no "body" text/],
    ['an object without a verdict', '{"method":"POST","target":"/r","body":""}', /has no "verdict" text/],
    ['a method other than POST or GET', logged('accepted').replace('"POST"', '"DELETE"'), /method is not POST/],
    ['a target that is not a path', logged('accepted').replace('"/recording-status"', '"x"'), /target is not a path/],
    ['text that is not JSON', '{"method":', /Line 2 .* is not JSON/],
  ];
  for (const [what, line, message] of badLines) {
    it(`refuses the whole file, naming the line, when a line is ${what}`, async () => {
      let error: unknown;
      try {
        await read([logged('accepted'), line, logged('accepted')]);
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(message);
      expect((error as Error).message).to.match(/give a file written by .*listen --log", or remove the line\.$/);
      expect((error as Error).message).to.not.include('\n');
    });
  }

  it('shows a file name with control characters escaped', async () => {
    const strange = join(dir, 'a\u001b[2Jb.jsonl');
    writeFileSync(strange, 'null\n');
    const error = await readReplayableRequests(strange).then(
      () => expect.fail('read'),
      (caught: Error) => caught,
    );
    expect(error).to.be.instanceOf(BadInputError);
    expect(error.message).to.match(/a\\x1b\[2Jb\.jsonl/);
  });

  it('refuses a FIFO, a folder or a missing file in one line, without waiting for a writer', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    for (const [path, message] of [
      [join(dir, 'pipe'), /pipe is not a regular file/],
      [dir, /is not a regular file/],
      [join(dir, 'missing.jsonl'), /The --replay file .*missing\.jsonl does not exist/],
    ] as const) {
      const error = await readReplayableRequests(path).then(
        () => expect.fail('read'),
        (caught: Error) => caught,
      );
      expect(error, path).to.be.instanceOf(BadInputError);
      expect(error.message).to.match(message);
      expect(error.message).to.not.include('\n');
    }
  });
});
