import { expect } from 'chai';
import https from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ConnectionPool } from '../../../src/twilio/connection-pool';

describe('ConnectionPool', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('goes direct, with one keep-alive agent, when no proxy is set', () => {
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) delete process.env[name];
    const pool = new ConnectionPool();
    const agent = pool.agentFor('https://api.twilio.com/2010-04-01/Accounts.json');
    expect(agent).to.be.instanceOf(https.Agent);
    expect((agent as https.Agent & { keepAlive: boolean }).keepAlive).to.equal(true);
    expect(pool.agentFor('https://api.twilio.com/other')).to.equal(agent);
    pool.destroy();
  });

  it('tunnels through HTTPS_PROXY with a reused keep-alive agent, unless NO_PROXY names the host', () => {
    process.env.HTTPS_PROXY = 'http://127.0.0.1:3128';
    process.env.NO_PROXY = 'media.example.com';
    const pool = new ConnectionPool();
    const agent = pool.agentFor('https://api.twilio.com/x');
    expect(agent).to.be.instanceOf(HttpsProxyAgent);
    expect((agent as HttpsProxyAgent<string>).protocol).to.equal('https:');
    expect(pool.agentFor('https://api.twilio.com/y')).to.equal(agent);
    expect(pool.agentFor('https://media.example.com/z')).not.to.be.instanceOf(HttpsProxyAgent);
    pool.destroy();
  });
});
