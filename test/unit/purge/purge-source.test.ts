import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError } from '../../../src/errors';
import type { ArchiveOptions } from '../../../src/purge/media-archive';
import type { PurgeRequest } from '../../../src/purge/purge-request';
import { readPurgeSource } from '../../../src/purge/purge-source';
import { buildCriteria } from '../../../src/selection/criteria';
import type { TwilioApi } from '../../../src/twilio/twilio-api';
import { MemoryArchive, aPurgeRequest } from '../../support/purge-fakes';
import { DAY } from '../../support/time';
import { aRecording } from '../recording-fixture';

const NOW = new Date('2026-06-01T00:00:00Z');
const ACCOUNT = 'AC' + 'b'.repeat(32);
/** Reading the source asks Twilio nothing unless a policy names accounts: any request fails the test. */
const api = { accountSid: ACCOUNT } as TwilioApi;

describe('readPurgeSource', () => {
  let dir: string;
  let dataDir: string;
  let opened: Array<{ where: string; options: ArchiveOptions }>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'purge-source-'));
    dataDir = join(dir, 'data');
    opened = [];
  });

  function request(overrides: Partial<PurgeRequest> = {}): PurgeRequest {
    return aPurgeRequest(NOW, join(dataDir, 'holds.json'), { concurrency: 3, ...overrides });
  }

  const read = (overrides: Partial<PurgeRequest> = {}) =>
    readPurgeSource(
      request(overrides),
      {
        api,
        dataDir,
        openArchive: (where, options) => {
          opened.push({ where, options });
          return new MemoryArchive();
        },
      },
      NOW,
    );

  it("goes through the flags' selection, recording deletions in today's log in the data folder", async () => {
    const source = await read();
    expect(source.criteria.createdBefore).to.deep.equal(new Date(NOW.getTime() - 30 * DAY));
    expect(source.pages).to.equal(undefined);
    expect(source.archive).to.equal(undefined);
    expect(source.deletionLogPath).to.equal(join(dataDir, 'purge-2026-06-01.jsonl'));
  });

  it("settles the earlier days' logs of the data folder too", async () => {
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'purge-2026-05-30.jsonl'), '');
    writeFileSync(join(dataDir, 'notes.txt'), '');
    const source = await read();
    expect(source.earlierDeletionLogs).to.deep.equal([join(dataDir, 'purge-2026-05-30.jsonl')]);
  });

  it('records deletions in --log alone when given', async () => {
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'purge-2026-05-30.jsonl'), '');
    const source = await read({ logPath: join(dir, 'mine.jsonl') });
    expect(source.deletionLogPath).to.equal(join(dir, 'mine.jsonl'));
    expect(source.earlierDeletionLogs).to.deep.equal([]);
  });

  it('opens --archive-dir with the format, the layout and the concurrency asked for', async () => {
    const source = await read({ archiveDir: join(dir, 'archive'), format: 'mp3' });
    expect(source.archive).to.be.instanceOf(MemoryArchive);
    expect(opened).to.have.length(1);
    expect(opened[0]!.where).to.equal(join(dir, 'archive'));
    expect(opened[0]!.options).to.include({ format: 'mp3', concurrency: 3, acceptUnverifiedEncrypted: false });
    expect(opened[0]!.options.layout.template).to.equal('{date}/{sid}.{ext}');
  });

  it('keeps an encrypted recording whose archived copy could not be verified', async () => {
    const source = await read({ archiveDir: join(dir, 'archive') });
    const encrypted = aRecording({
      dateCreated: new Date(NOW.getTime() - 40 * DAY),
      encryption: { readable: true, keySid: 'CR' + 'e'.repeat(32), wrappedKey: Buffer.alloc(0), iv: Buffer.alloc(0) },
    } as Parameters<typeof aRecording>[0]);
    expect(source.decide(encrypted)).to.include({ action: 'keep', reason: 'unverifiable' });
  });

  it('keeps what the holds file holds, and asks the file again before each deletion', async () => {
    const held = aRecording({ dateCreated: new Date(NOW.getTime() - 40 * DAY) });
    const holdsPath = join(dir, 'holds.json');
    writeFileSync(holdsPath, JSON.stringify({ version: 1, holds: [{ sid: held.sid, reason: 'case 42' }] }));
    const source = await read({ holds: { path: holdsPath, named: true } });
    expect(source.decide(held)).to.include({ action: 'keep', reason: 'held' });
    writeFileSync(holdsPath, JSON.stringify({ version: 1, holds: [] }));
    expect(await source.recheckHold(held)).to.equal(undefined);
  });

  it("opens each policy rule's archive, relative to the policy file", async () => {
    mkdirSync(join(dir, 'policies'));
    const policyPath = join(dir, 'policies', 'retention.yml');
    writeFileSync(policyPath, 'version: 1\nrules:\n  - name: default\n    keep: 30d\n    archive: ./cold\n');
    const source = await read({ policyPath });
    expect([...source.ruleArchives.keys()]).to.deep.equal(['./cold']);
    expect(opened.map((archive) => archive.where)).to.deep.equal([join(dir, 'policies', 'cold')]);
    expect(source.planRules?.map((rule) => rule.name)).to.deep.equal(['default']);
  });

  it('refuses a selection without a bound (exit 2)', async () => {
    const error = await read({ selection: buildCriteria({ limitCounts: 'completed' }, NOW) }).catch(
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as Error).message).to.match(/^A purge needs a bound/);
  });

  it('refuses --s3-* flags when no archive of the purge is a bucket (exit 2)', async () => {
    const policyPath = join(dir, 'retention.yml');
    writeFileSync(policyPath, 'version: 1\nrules:\n  - name: default\n    keep: 30d\n');
    const error = await read({ policyPath, s3: { storageClass: 'GLACIER_IR' } }).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(BadInputError);
  });
});
