import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

import { expectedMedia, startSandbox, type Sandbox } from '../../sandbox';
import { absolute, direct, openTunnel, TunnelAgent, tunneled } from './http-client';

describe('sandbox as an HTTPS proxy', function () {
  let sandbox: Sandbox;
  let auth: [string, string];
  let base: string;

  before(async function () {
    sandbox = await startSandbox({ seed: 5, subaccounts: 1, recordings: 30 });
    auth = [sandbox.account.sid, sandbox.account.authToken];
    base = `/2010-04-01/Accounts/${sandbox.account.sid}`;
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.resetCounters());

  it('terminates CONNECT tunnels with a certificate for the SNI host, signed by its CA', async function () {
    const socket = (await openTunnel(sandbox, 'api.twilio.com')) as TLSSocket;
    const cert = new X509Certificate(socket.getPeerX509Certificate()!.raw);
    socket.destroy();
    expect(cert.subjectAltName).to.equal('DNS:api.twilio.com');
    expect(cert.checkIssued(new X509Certificate(sandbox.caCertPem))).to.equal(true);
    expect(new Date(cert.validFrom).getTime()).to.be.below(Date.now() - 23 * 3600_000);
  });

  it('serves the API through a tunnel and keeps the connection alive between requests', async function () {
    const agent = new TunnelAgent(sandbox, 'api.twilio.com');
    try {
      for (let i = 0; i < 3; i++) {
        const reply = await tunneled(agent, 'api.twilio.com', `${base}/Recordings.json?PageSize=5`, { auth });
        expect(reply.status).to.equal(200);
        expect(reply.json().recordings).to.have.length(5);
        expect(reply.json().recordings[0].media_url).to.match(/^https:\/\/api\.twilio\.com\//);
      }
      expect(agent.tunnelsOpened).to.equal(1);
      expect(sandbox.counters.transports.tunnel).to.equal(3);
    } finally {
      agent.destroy();
    }
  });

  it('streams media through a tunnel', async function () {
    const rec = sandbox.store.recordings(sandbox.account.sid).find((r) => r.status === 'completed')!;
    const agent = new TunnelAgent(sandbox, 'api.twilio.com');
    try {
      const reply = await tunneled(agent, 'api.twilio.com', `${base}/Recordings/${rec.sid}.wav`, { auth });
      expect(reply.status).to.equal(200);
      expect(reply.sha256()).to.equal(expectedMedia(rec).sha256);
    } finally {
      agent.destroy();
    }
  });

  it('routes regional API hosts to the API and other hosts to 404', async function () {
    const regional = new TunnelAgent(sandbox, 'api.sydney.au1.twilio.com');
    const other = new TunnelAgent(sandbox, 'example.com');
    try {
      const ok = await tunneled(regional, 'api.sydney.au1.twilio.com', `${base}.json`, { auth });
      expect(ok.status).to.equal(200);
      const missing = await tunneled(other, 'example.com', `${base}.json`, { auth });
      expect(missing.status).to.equal(404);
      expect(missing.json().code).to.equal(20404);
    } finally {
      regional.destroy();
      other.destroy();
    }
  });

  it('serves absolute-form requests sent to the proxy in plain text', async function () {
    const reply = await absolute(sandbox, `https://api.twilio.com${base}/Recordings.json?PageSize=2`, { auth });
    expect(reply.status).to.equal(200);
    expect(reply.json().recordings).to.have.length(2);
    expect(sandbox.counters.transports.absolute).to.equal(1);
  });

  describe('media redirected to the CDN host', function () {
    beforeEach(() => sandbox.setKnobs({ redirectMedia: true }));
    afterEach(() => sandbox.setKnobs({ redirectMedia: false }));

    it('redirects to a signed CDN link that serves the bytes and records leaked Authorization headers', async function () {
      const rec = sandbox.store.recordings(sandbox.account.sid).find((r) => r.status === 'completed')!;
      const api = new TunnelAgent(sandbox, 'api.twilio.com');
      const cdn = new TunnelAgent(sandbox, sandbox.cdnHost);
      try {
        const redirect = await tunneled(api, 'api.twilio.com', `${base}/Recordings/${rec.sid}.mp3`, { auth });
        expect(redirect.status).to.equal(302);
        const location = new URL(redirect.headers.location!);
        expect(location.host).to.equal('media.twiliocdn.test');
        expect(location.searchParams.get('Signature')).to.be.a('string');
        const target = location.pathname + location.search;

        const clean = await tunneled(cdn, sandbox.cdnHost, target);
        expect(clean.status).to.equal(200);
        expect(clean.headers['content-type']).to.equal('audio/mpeg');
        expect(clean.sha256()).to.equal(expectedMedia(rec, 'mp3').sha256);
        expect(sandbox.counters.cdnAuthorizationHeaders).to.equal(0);

        await tunneled(cdn, sandbox.cdnHost, target, { auth });
        expect(sandbox.counters.cdnAuthorizationHeaders).to.equal(1);

        const forged = await tunneled(cdn, sandbox.cdnHost, target.replace(/Signature=[^&]+/, 'Signature=forged'));
        expect(forged.status).to.equal(403);
        expect(sandbox.counters.requests.cdn).to.equal(3);
        expect(sandbox.counters.mediaFetchesPerSid[rec.sid]).to.equal(2);
      } finally {
        api.destroy();
        cdn.destroy();
      }
    });

    it('redirects direct clients to the /__cdn/ path of the sandbox itself', async function () {
      const rec = sandbox.store.recordings(sandbox.account.sid).find((r) => r.status === 'completed')!;
      const redirect = await direct(sandbox, `${base}/Recordings/${rec.sid}`, { auth });
      expect(redirect.status).to.equal(302);
      const location = new URL(redirect.headers.location!);
      expect(location.origin + location.pathname).to.equal(
        `${sandbox.url}/__cdn/v1/${sandbox.account.sid}/${rec.sid}.wav`,
      );
      const media = await direct(sandbox, location.pathname + location.search);
      expect(media.status).to.equal(200);
      expect(media.sha256()).to.equal(expectedMedia(rec, 'wav').sha256);
    });
  });
});
