import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError } from '../../../src/errors';
import { addHold, removeHold } from '../../../src/holds/hold-book';
import { holdsLocation, holdsRecheck, readHoldsFile, writeHoldsFile } from '../../../src/holds/holds-file';

const SID = 'RE' + '1'.repeat(32);
const now = new Date('2026-11-21T12:00:00Z');

describe('holds file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'holds-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the flag’s, else the environment’s, else the data folder’s', () => {
    expect(holdsLocation('a.json', { TWILIO_RECORDINGS_HOLDS: '/b.json' }, dir)).to.include({ named: true });
    expect(holdsLocation(undefined, { TWILIO_RECORDINGS_HOLDS: '/b.json' }, dir)).to.deep.equal({
      path: '/b.json',
      named: true,
    });
    expect(holdsLocation(undefined, {}, dir)).to.deep.equal({ path: join(dir, 'holds.json'), named: false });
  });

  it('reads a default file that does not exist yet as no holds, and refuses a named one', async () => {
    expect(await readHoldsFile({ path: join(dir, 'holds.json'), named: false })).to.deep.equal([]);
    try {
      await readHoldsFile({ path: join(dir, 'shared.json'), named: true });
      expect.fail('a missing named file was read');
    } catch (error) {
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(/holds file .*shared\.json does not exist/);
    }
  });

  it('adds holds beside each other on one recording, and removes one by its id, leaving no temporary file', async () => {
    const location = { path: join(dir, 'holds.json'), named: false };
    const first = await addHold(location, { target: { sid: SID }, reason: 'litigation' }, now);
    expect(first.others).to.deep.equal([]);
    expect(first.added.id).to.match(/^[0-9a-f]{8}$/);
    const until = new Date(now.getTime() + 20_000);
    const second = await addHold(location, { target: { sid: SID }, reason: 'review', until }, now);
    expect(second.others.map((hold) => hold.id)).to.deep.equal([first.added.id]);
    expect(second.added.id).not.to.equal(first.added.id);
    const written = JSON.parse(readFileSync(location.path, 'utf8')) as { holds: Array<Record<string, string>> };
    expect(written.holds).to.deep.equal([
      { id: first.added.id, sid: SID, reason: 'litigation' },
      { id: second.added.id, sid: SID, reason: 'review', until: until.toISOString() },
    ]);
    await removeHold(location, { id: second.added.id! });
    expect((await readHoldsFile(location)).map((hold) => hold.reason)).to.deep.equal(['litigation']);
    expect(readdirSync(dir)).to.deep.equal(['holds.json']);
    try {
      await removeHold(location, { id: second.added.id! });
      expect.fail('a removed hold was removed again');
    } catch (error) {
      expect((error as Error).message).to.match(/^No hold in .* has the id [0-9a-f]{8}: nothing removed/);
    }
    await removeHold(location, { target: { sid: SID } });
    expect(await readHoldsFile(location)).to.deep.equal([]);
    try {
      await removeHold(location, { target: { sid: SID } });
      expect.fail('a missing hold was removed');
    } catch (error) {
      expect((error as Error).message).to.match(/^No hold in .* covers RE1+: nothing removed/);
    }
  });

  it('refuses to lift by target when several holds cover it, naming their ids, and removes nothing', async () => {
    const location = { path: join(dir, 'holds.json'), named: false };
    const a = await addHold(location, { target: { callSid: 'CA' + '3'.repeat(32) }, reason: 'one' }, now);
    const b = await addHold(location, { target: { callSid: 'CA' + '3'.repeat(32) }, reason: 'two' }, now);
    const before = readFileSync(location.path, 'utf8');
    try {
      await removeHold(location, { target: { callSid: 'CA' + '3'.repeat(32) } });
      expect.fail('an ambiguous hold was removed');
    } catch (error) {
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.include(`2 holds in ${location.path} cover call CA`);
      expect((error as Error).message).to.include(`${a.added.id} (one), ${b.added.id} (two)`);
      expect((error as Error).message).to.match(/name the one to lift with --id\.$/);
    }
    expect(readFileSync(location.path, 'utf8')).to.equal(before);
  });

  it('reads a file written without ids with ids derived from each hold, the same every time, and keeps them when it writes', async () => {
    const location = { path: join(dir, 'holds.json'), named: true };
    const hold = { sid: SID, reason: 'same words' };
    writeFileSync(location.path, JSON.stringify({ version: 1, holds: [hold, hold, { ...hold, reason: 'other' }] }));
    const ids = (await readHoldsFile(location)).map((read) => read.id!);
    expect(ids[0]).to.match(/^[0-9a-f]{8}$/);
    expect(ids[1]).to.equal(`${ids[0]}-2`);
    expect(new Set(ids).size).to.equal(3);
    expect((await readHoldsFile(location)).map((read) => read.id)).to.deep.equal(ids);
    const { added } = await addHold(location, { target: { sid: SID }, reason: 'new' }, now);
    expect((await readHoldsFile(location)).map((read) => read.id)).to.deep.equal([...ids, added.id]);
  });

  it('refuses a holds file in which two holds have the same id, at the second', async () => {
    const location = { path: join(dir, 'holds.json'), named: true };
    writeFileSync(
      location.path,
      '{"version": 1, "holds": [\n{"id": "abc", "sid": "' +
        SID +
        '", "reason": "a"},\n{"id": "abc", "sid": "' +
        SID +
        '", "reason": "b"}]}',
    );
    try {
      await readHoldsFile(location);
      expect.fail('a duplicate id was read');
    } catch (error) {
      expect(error).to.be.instanceOf(BadInputError);
      expect((error as Error).message).to.match(/holds\.json:3:\d+: hold id "abc" is used twice/);
    }
  });

  it('refuses an end that is already past', async () => {
    const location = { path: join(dir, 'holds.json'), named: false };
    try {
      await addHold(location, { target: { sid: SID }, reason: 'x', until: new Date(now.getTime() - 1) }, now);
      expect.fail('a past hold was added');
    } catch (error) {
      expect((error as Error).message).to.match(/is already past/);
    }
  });

  it('refuses to write or read through a symbolic link', async () => {
    const target = join(dir, 'elsewhere.json');
    writeFileSync(target, '{"version":1,"holds":[]}');
    const link = join(dir, 'holds.json');
    symlinkSync(target, link);
    for (const attempt of [() => writeHoldsFile(link, []), () => readHoldsFile({ path: link, named: true })]) {
      try {
        await attempt();
        expect.fail('the link was followed');
      } catch (error) {
        expect((error as Error).message).to.match(/symbolic link/);
      }
    }
    expect(readFileSync(target, 'utf8')).to.equal('{"version":1,"holds":[]}');
  });

  describe('asked again before each deletion', () => {
    const OTHER = 'RE' + '2'.repeat(32);
    let reads: number;
    const counted = (location: Parameters<typeof readHoldsFile>[0]) => {
      reads += 1;
      return readHoldsFile(location);
    };
    beforeEach(() => (reads = 0));
    const recording = (sid: string) => ({ sid, callSid: null, conferenceSid: null });

    it('parses the file once while it does not change, however many recordings are asked about', async () => {
      const location = { path: join(dir, 'holds.json'), named: true };
      await writeHoldsFile(location.path, [{ target: { sid: SID }, reason: 'case' }]);
      const recheck = holdsRecheck(location, () => now, counted);
      for (let i = 0; i < 100; i += 1) {
        expect((await recheck(recording(SID)))?.reason).to.equal('case');
        expect(await recheck(recording(OTHER))).to.equal(undefined);
      }
      expect(reads).to.equal(1);
    });

    it('sees a hold added since it last read the file', async () => {
      const location = { path: join(dir, 'holds.json'), named: false };
      const recheck = holdsRecheck(location, () => now, counted);
      expect(await recheck(recording(OTHER))).to.equal(undefined);
      await addHold(location, { target: { sid: OTHER }, reason: 'added meanwhile' }, now);
      expect((await recheck(recording(OTHER)))?.reason).to.equal('added meanwhile');
      expect(reads).to.equal(2);
    });

    it('still answers with a hold in force when another on the same recording has ended', async () => {
      const location = { path: join(dir, 'holds.json'), named: true };
      const ended = new Date(now.getTime() - 1000);
      await writeHoldsFile(location.path, [
        { target: { sid: SID }, reason: 'in force' },
        { target: { sid: SID }, reason: 'ended', until: ended },
      ]);
      const recheck = holdsRecheck(location, () => now, counted);
      expect((await recheck(recording(SID)))?.reason).to.equal('in force');
    });

    it('no longer answers with a hold once its end has passed', async () => {
      const location = { path: join(dir, 'holds.json'), named: true };
      const until = new Date(now.getTime() + 1000);
      await writeHoldsFile(location.path, [{ target: { sid: SID }, reason: 'brief', until }]);
      let clock = now;
      const recheck = holdsRecheck(location, () => clock, counted);
      expect(await recheck(recording(SID))).not.to.equal(undefined);
      clock = until;
      expect(await recheck(recording(SID))).to.equal(undefined);
    });

    it('refuses a named file removed meanwhile, never reading it as no holds', async () => {
      const location = { path: join(dir, 'holds.json'), named: true };
      await writeHoldsFile(location.path, []);
      const recheck = holdsRecheck(location, () => now, counted);
      expect(await recheck(recording(SID))).to.equal(undefined);
      rmSync(location.path);
      try {
        await recheck(recording(SID));
        expect.fail('a missing holds file was read as no holds');
      } catch (error) {
        expect(error).to.be.instanceOf(BadInputError);
      }
    });
  });
});
