import { expect } from 'chai';

import { expectedMedia, startSandbox, type Sandbox } from '../../sandbox';
import { direct, type Reply } from './http-client';

describe('sandbox API over plain HTTP', function () {
  let sandbox: Sandbox;
  let auth: [string, string];
  let base: string;

  before(async function () {
    sandbox = await startSandbox({ seed: 7, subaccounts: 2 });
    auth = [sandbox.account.sid, sandbox.account.authToken];
    base = `/2010-04-01/Accounts/${sandbox.account.sid}`;
  });
  after(() => sandbox.close());
  beforeEach(() => {
    sandbox.setKnobs({ mediaAuth: true, redirectMedia: false });
    sandbox.resetCounters();
  });

  describe('authentication', function () {
    it('answers 401 with Twilio error 20003 without or with wrong credentials', async function () {
      for (const reply of [
        await direct(sandbox, `${base}/Recordings.json`),
        await direct(sandbox, `${base}/Recordings.json`, { auth: [sandbox.account.sid, 'wrong'] }),
      ]) {
        expect(reply.status).to.equal(401);
        expect(reply.json()).to.deep.equal({
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
      }
    });

    it('accepts the auth token and the API key', async function () {
      expect((await direct(sandbox, `${base}/Recordings.json`, { auth })).status).to.equal(200);
      const key: [string, string] = [sandbox.account.apiKeySid, sandbox.account.apiKeySecret];
      expect((await direct(sandbox, `${base}/Recordings.json`, { auth: key })).status).to.equal(200);
    });

    it('lets a parent reach its subaccounts but not a subaccount its parent', async function () {
      const sub = sandbox.subaccounts[0]!;
      expect((await direct(sandbox, `/2010-04-01/Accounts/${sub.sid}/Recordings.json`, { auth })).status).to.equal(200);
      const subAuth: [string, string] = [sub.sid, sub.authToken];
      expect((await direct(sandbox, `${base}/Recordings.json`, { auth: subAuth })).status).to.equal(401);
    });

    it('answers 404 with Twilio error 20404 for unknown resources', async function () {
      const reply = await direct(sandbox, `${base}/Nothing.json`, { auth });
      expect(reply.status).to.equal(404);
      expect(reply.json()).to.deep.equal({
        code: 20404,
        message: `The requested resource ${base}/Nothing.json was not found`,
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      });
    });
  });

  describe('accounts and keys', function () {
    it('lists the parent and its subaccounts for the parent, only itself for a subaccount', async function () {
      const parent = (await direct(sandbox, '/2010-04-01/Accounts.json', { auth })).json();
      expect(parent.accounts.map((a: { sid: string }) => a.sid)).to.have.members([
        sandbox.account.sid,
        ...sandbox.subaccounts.map((s) => s.sid),
      ]);
      const sub = sandbox.subaccounts[1]!;
      const own = (await direct(sandbox, '/2010-04-01/Accounts.json', { auth: [sub.sid, sub.authToken] })).json();
      expect(own.accounts.map((a: { sid: string }) => a.sid)).to.deep.equal([sub.sid]);
    });

    it('fetches an account', async function () {
      const reply = await direct(sandbox, `${base}.json`, { auth });
      expect(reply.status).to.equal(200);
      expect(reply.json()).to.include({
        sid: sandbox.account.sid,
        owner_account_sid: sandbox.account.sid,
        status: 'active',
      });
    });

    it('creates an API key that then authenticates', async function () {
      const reply = await direct(sandbox, `${base}/Keys.json`, {
        method: 'POST',
        auth,
        body: 'FriendlyName=my+laptop',
      });
      expect(reply.status).to.equal(201);
      const key = reply.json();
      expect(key.sid).to.match(/^SK[0-9a-f]{32}$/);
      expect(key.friendly_name).to.equal('my laptop');
      expect(key.secret).to.be.a('string').with.length(32);
      const again = await direct(sandbox, `${base}/Recordings.json`, { auth: [key.sid, key.secret] });
      expect(again.status).to.equal(200);
      expect(sandbox.counters.requests.keys).to.equal(1);
    });
  });

  describe('listing', function () {
    const sids: Record<string, string> = {};
    let accountSid: string;
    let subAuth: [string, string];

    before(function () {
      // A subaccount of its own, so these exact recordings are all it has.
      const sub = sandbox.subaccounts[1]!;
      accountSid = sub.sid;
      subAuth = [sub.sid, sub.authToken];
      const at = (iso: string, name: string, extra = {}): void => {
        sids[name] = sandbox.store.addRecording({ accountSid, dateCreated: iso, ...extra }).sid;
      };
      at('2026-01-09T23:59:59Z', 'jan9late');
      at('2026-01-10T00:00:00Z', 'jan10start');
      at('2026-01-10T12:00:00Z', 'jan10noon', { callSid: 'CA' + 'a'.repeat(32) });
      at('2026-01-10T23:59:59Z', 'jan10end', { callSid: 'CA' + 'a'.repeat(32) });
      at('2026-01-11T00:00:00Z', 'jan11start', { conferenceSid: 'CF' + 'b'.repeat(32) });
    });

    const list = async (query: string): Promise<string[]> => {
      const reply = await direct(sandbox, `/2010-04-01/Accounts/${accountSid}/Recordings.json?${query}`, {
        auth: subAuth,
      });
      expect(reply.status, reply.body.toString()).to.equal(200);
      return reply.json().recordings.map((r: { sid: string }) => r.sid);
    };

    it('orders by date_created, newest first', async function () {
      expect(await list('')).to.deep.equal(
        ['jan11start', 'jan10end', 'jan10noon', 'jan10start', 'jan9late'].map((n) => sids[n]),
      );
    });

    it('filters whole GMT days: DateCreated, DateCreated< (on or before), DateCreated> (on or after)', async function () {
      expect(await list('DateCreated=2026-01-10')).to.deep.equal([sids.jan10end, sids.jan10noon, sids.jan10start]);
      expect(await list('DateCreated<=2026-01-10')).to.deep.equal([
        sids.jan10end,
        sids.jan10noon,
        sids.jan10start,
        sids.jan9late,
      ]);
      expect(await list('DateCreated>=2026-01-10')).to.deep.equal([
        sids.jan11start,
        sids.jan10end,
        sids.jan10noon,
        sids.jan10start,
      ]);
      expect(await list('DateCreated%3E=2026-01-10&DateCreated%3C=2026-01-10')).to.have.length(3);
    });

    it('truncates a full ISO date-time filter to its day, as the helper library sends them', async function () {
      expect(await list(`DateCreated%3C=${encodeURIComponent('2026-01-09T23:00:00Z')}`)).to.deep.equal([sids.jan9late]);
    });

    it('rejects a malformed date with 400', async function () {
      const reply = await direct(sandbox, `/2010-04-01/Accounts/${accountSid}/Recordings.json?DateCreated=yesterday`, {
        auth: subAuth,
      });
      expect(reply.status).to.equal(400);
      expect(reply.json()).to.include({ status: 400 });
    });

    it('filters by CallSid and ConferenceSid, and serves the per-call and per-conference lists', async function () {
      const callSid = 'CA' + 'a'.repeat(32);
      const confSid = 'CF' + 'b'.repeat(32);
      expect(await list(`CallSid=${callSid}`)).to.deep.equal([sids.jan10end, sids.jan10noon]);
      expect(await list(`ConferenceSid=${confSid}`)).to.deep.equal([sids.jan11start]);
      const perCall = await direct(sandbox, `/2010-04-01/Accounts/${accountSid}/Calls/${callSid}/Recordings.json`, {
        auth: subAuth,
      });
      expect(perCall.json().recordings.map((r: { sid: string }) => r.sid)).to.deep.equal([
        sids.jan10end,
        sids.jan10noon,
      ]);
      expect(perCall.json().recordings[0].uri).to.contain(`/Calls/${callSid}/Recordings/`);
      const perConf = await direct(
        sandbox,
        `/2010-04-01/Accounts/${accountSid}/Conferences/${confSid}/Recordings.json`,
        {
          auth: subAuth,
        },
      );
      expect(perConf.json().recordings.map((r: { sid: string }) => r.sid)).to.deep.equal([sids.jan11start]);
    });

    it('rejects PageSize outside 1..1000 with 400', async function () {
      for (const size of ['0', '1001', 'x']) {
        const reply = await direct(sandbox, `/2010-04-01/Accounts/${accountSid}/Recordings.json?PageSize=${size}`, {
          auth: subAuth,
        });
        expect(reply.status).to.equal(400);
      }
    });
  });

  describe('paging', function () {
    let pagingSandbox: Sandbox;
    let pagingAuth: [string, string];
    let path: string;

    before(async function () {
      pagingSandbox = await startSandbox({
        seed: 3,
        subaccounts: 0,
        recordings: {
          count: 60,
          statusMix: { completed: 1 },
        },
      });
      pagingAuth = [pagingSandbox.account.sid, pagingSandbox.account.authToken];
      path = `/2010-04-01/Accounts/${pagingSandbox.account.sid}/Recordings.json`;
    });
    after(() => pagingSandbox.close());

    it('links pages with next_page_uri carrying PageToken and the filters, null at the end', async function () {
      const first = (
        await direct(pagingSandbox, `${path}?DateCreated%3E=2000-01-01&PageSize=25`, { auth: pagingAuth })
      ).json();
      expect(first).to.include({ page: 0, page_size: 25, start: 0, end: 24, previous_page_uri: null });
      expect(first.first_page_uri).to.equal(`${path}?DateCreated%3E=2000-01-01&PageSize=25&Page=0`);
      expect(first.next_page_uri).to.match(
        new RegExp(
          `^${path.replace(/\./g, '\\.')}\\?DateCreated%3E=2000-01-01&PageSize=25&Page=1&PageToken=PA[\\w-]+$`,
        ),
      );
      const seen: string[] = first.recordings.map((r: { sid: string }) => r.sid);
      let next: string | null = first.next_page_uri;
      let pages = 1;
      let last: any = first;
      while (next) {
        last = (await direct(pagingSandbox, next, { auth: pagingAuth })).json();
        seen.push(...last.recordings.map((r: { sid: string }) => r.sid));
        next = last.next_page_uri;
        pages++;
      }
      expect(pages).to.equal(3);
      expect(last).to.include({ page: 2, start: 50, end: 59 });
      expect(seen).to.deep.equal(pagingSandbox.store.recordings(pagingSandbox.account.sid).map((r) => r.sid));
      const previous = (await direct(pagingSandbox, last.previous_page_uri, { auth: pagingAuth })).json();
      expect(previous.recordings.map((r: { sid: string }) => r.sid)).to.deep.equal(seen.slice(25, 50));
    });

    it('keeps later pages stable when already listed recordings are deleted between fetches', async function () {
      const all = pagingSandbox.store.recordings(pagingSandbox.account.sid).map((r) => r.sid);
      const first = (await direct(pagingSandbox, `${path}?PageSize=10`, { auth: pagingAuth })).json();
      for (const r of first.recordings) {
        expect((await direct(pagingSandbox, r.uri, { method: 'DELETE', auth: pagingAuth })).status).to.equal(204);
      }
      const second = (await direct(pagingSandbox, first.next_page_uri, { auth: pagingAuth })).json();
      expect(second.recordings.map((r: { sid: string }) => r.sid)).to.deep.equal(all.slice(10, 20));
      // Offset paging, by contrast, now skips ten recordings.
      const byOffset = (await direct(pagingSandbox, `${path}?PageSize=10&Page=1`, { auth: pagingAuth })).json();
      expect(byOffset.recordings[0].sid).to.equal(all[20]);
    });

    it('can demand a PageToken for Page > 0 (knob requirePageToken)', async function () {
      pagingSandbox.setKnobs({ requirePageToken: true });
      const reply = await direct(pagingSandbox, `${path}?PageSize=10&Page=1`, { auth: pagingAuth });
      pagingSandbox.setKnobs({ requirePageToken: false });
      expect(reply.status).to.equal(400);
      expect(reply.json().code).to.equal(70002);
    });
  });

  describe('fetch and soft delete', function () {
    it('soft deletes a completed recording', async function () {
      const rec = sandbox.store.addRecording({ durationSeconds: 3 });
      const uri = `${base}/Recordings/${rec.sid}.json`;
      const deleted = await direct(sandbox, uri, { method: 'DELETE', auth });
      expect(deleted.status).to.equal(204);
      expect(deleted.body.length).to.equal(0);
      expect((await direct(sandbox, uri, { auth })).status).to.equal(404);
      const soft = await direct(sandbox, `${uri}?IncludeSoftDeleted=true`, { auth });
      expect(soft.status).to.equal(200);
      expect(soft.json().status).to.equal('deleted');
      const listed = (await direct(sandbox, `${base}/Recordings.json?PageSize=1000`, { auth })).json();
      expect(listed.recordings.map((r: { sid: string }) => r.sid)).not.to.include(rec.sid);
      const withDeleted = (
        await direct(sandbox, `${base}/Recordings.json?PageSize=1000&IncludeSoftDeleted=true`, { auth })
      ).json();
      expect(withDeleted.recordings.map((r: { sid: string }) => r.sid)).to.include(rec.sid);
      expect((await direct(sandbox, uri, { method: 'DELETE', auth })).status).to.equal(404);
      expect((await direct(sandbox, `${base}/Recordings/${rec.sid}.wav`, { auth })).status).to.equal(404);
      expect(sandbox.counters.deletesPerSid[rec.sid]).to.equal(2);
      expect(sandbox.counters.requests.delete).to.equal(2);
    });

    it('refuses to delete a recording that is not completed', async function () {
      for (const status of ['in-progress', 'paused', 'stopped', 'processing', 'absent'] as const) {
        const rec = sandbox.store.addRecording({ status });
        const reply = await direct(sandbox, `${base}/Recordings/${rec.sid}.json`, { method: 'DELETE', auth });
        expect(reply.status).to.equal(400);
        expect(reply.json()).to.include({ status: 400 });
        expect(reply.json().message).to.contain('only completed recordings can be deleted');
        expect(sandbox.store.getRecording(rec.sid)!.status).to.equal(status);
      }
    });

    it('does not serve a recording through another account', async function () {
      const rec = sandbox.store.addRecording({ accountSid: sandbox.subaccounts[0]!.sid });
      expect((await direct(sandbox, `${base}/Recordings/${rec.sid}.json`, { auth })).status).to.equal(404);
      const own = `/2010-04-01/Accounts/${rec.accountSid}/Recordings/${rec.sid}.json`;
      expect((await direct(sandbox, own, { auth })).status).to.equal(200);
    });
  });

  describe('media', function () {
    const wavOf = (reply: Reply) => ({
      riff: reply.body.toString('ascii', 0, 4),
      riffSize: reply.body.readUInt32LE(4),
      wave: reply.body.toString('ascii', 8, 12),
      format: reply.body.readUInt16LE(20),
      channels: reply.body.readUInt16LE(22),
      sampleRate: reply.body.readUInt32LE(24),
      byteRate: reply.body.readUInt32LE(28),
      bits: reply.body.readUInt16LE(34),
      data: reply.body.toString('ascii', 36, 40),
      dataSize: reply.body.readUInt32LE(40),
    });

    for (const channels of [1, 2] as const) {
      it(`serves a ${channels}-channel 8 kHz 16-bit PCM WAV of the right length`, async function () {
        const rec = sandbox.store.addRecording({ durationSeconds: 7, channels });
        for (const suffix of ['', '.wav']) {
          const reply = await direct(sandbox, `${base}/Recordings/${rec.sid}${suffix}`, { auth });
          expect(reply.status).to.equal(200);
          expect(reply.headers['content-type']).to.equal('audio/x-wav');
          const dataSize = 7 * 16000 * channels;
          expect(reply.headers['content-length']).to.equal(String(44 + dataSize));
          expect(wavOf(reply)).to.deep.equal({
            riff: 'RIFF',
            riffSize: 36 + dataSize,
            wave: 'WAVE',
            format: 1,
            channels,
            sampleRate: 8000,
            byteRate: 16000 * channels,
            bits: 16,
            data: 'data',
            dataSize,
          });
          expect(reply.sha256()).to.equal(expectedMedia(rec, 'wav').sha256);
        }
        expect(sandbox.counters.mediaFetchesPerSid[rec.sid]).to.equal(2);
      });
    }

    it('serves MP3 as audio/mpeg frames of about 4,000 bytes per second', async function () {
      const rec = sandbox.store.addRecording({ durationSeconds: 10 });
      const reply = await direct(sandbox, `${base}/Recordings/${rec.sid}.mp3`, { auth });
      expect(reply.status).to.equal(200);
      expect(reply.headers['content-type']).to.equal('audio/mpeg');
      expect(reply.body.length % 144).to.equal(0);
      expect(reply.body.length).to.be.within(39_000, 41_000);
      for (let offset = 0; offset < reply.body.length; offset += 144) {
        expect(reply.body.readUInt16BE(offset)).to.equal(0xfffb);
      }
      const expected = expectedMedia(rec, 'mp3');
      expect(reply.sha256()).to.equal(expected.sha256);
      expect(reply.body.length).to.equal(expected.bytes);
    });

    it('differs between recordings and is the same on every fetch', async function () {
      const a = sandbox.store.addRecording({ durationSeconds: 2 });
      const b = sandbox.store.addRecording({ durationSeconds: 2 });
      expect(expectedMedia(a).sha256).to.not.equal(expectedMedia(b).sha256);
      expect(expectedMedia(a).sha256).to.equal(expectedMedia(a).sha256);
    });

    it('needs credentials unless mediaAuth is off', async function () {
      const rec = sandbox.store.addRecording({ durationSeconds: 1 });
      expect((await direct(sandbox, `${base}/Recordings/${rec.sid}.wav`)).status).to.equal(401);
      sandbox.setKnobs({ mediaAuth: false });
      expect((await direct(sandbox, `${base}/Recordings/${rec.sid}.wav`)).status).to.equal(200);
      expect((await direct(sandbox, `${base}/Recordings/${rec.sid}.json`)).status).to.equal(401);
    });

    it('answers 404 JSON for media of recordings that are not completed', async function () {
      const rec = sandbox.store.addRecording({ status: 'processing', durationSeconds: 5 });
      const reply = await direct(sandbox, `${base}/Recordings/${rec.sid}.mp3`, { auth });
      expect(reply.status).to.equal(404);
      expect(reply.json().code).to.equal(20404);
    });
  });

  describe('counters', function () {
    it('counts requests by kind and responses by status, and resets', async function () {
      const rec = sandbox.store.addRecording({ durationSeconds: 1 });
      await direct(sandbox, `${base}/Recordings.json`, { auth });
      await direct(sandbox, `${base}/Recordings/${rec.sid}.json`, { auth });
      await direct(sandbox, `${base}/Recordings/${rec.sid}.wav`, { auth });
      await direct(sandbox, `${base}/Recordings.json`);
      const c = sandbox.counters;
      expect(c.requests).to.include({ total: 4, list: 2, fetch: 1, media: 1 });
      expect(c.responses).to.deep.equal({ '200': 3, '401': 1 });
      expect(c.mediaBytes).to.equal(44 + 16000);
      expect(c.transports.direct).to.equal(4);
      sandbox.resetCounters();
      expect(sandbox.counters.requests.total).to.equal(0);
      expect(sandbox.counters.responses).to.deep.equal({});
    });
  });

  it('seeds deterministically from the seed number', async function () {
    const a = await startSandbox({ seed: 11, recordings: 50 });
    const b = await startSandbox({ seed: 11, recordings: 50 });
    try {
      expect(a.account).to.deep.equal(b.account);
      const strip = (s: Sandbox) =>
        s.store
          .recordings(undefined, { includeDeleted: true })
          .map((r) => ({ ...r, dateCreatedMs: 0, dateUpdatedMs: 0, startTimeMs: 0 }));
      expect(strip(a)).to.deep.equal(strip(b));
      expect(a.store.size).to.equal(50);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
