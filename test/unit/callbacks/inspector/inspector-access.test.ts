import { expect } from 'chai';
import { InspectorAccess, newInspectorToken, TOKEN_HEADER } from '../../../../src/callbacks/inspector/inspector-access';

const TOKEN = newInspectorToken();
const access = new InspectorAccess(TOKEN, 4321);
const HOST = '127.0.0.1:4321';

describe('InspectorAccess', function () {
  it('makes tokens of 256 random bits', function () {
    expect(TOKEN).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(newInspectorToken()).not.to.equal(TOKEN);
  });

  it('lets a page request with the token in its URL through', function () {
    expect(access.refusal({ method: 'GET', target: `/?token=${TOKEN}`, headers: { host: HOST } })).to.equal(undefined);
  });

  it('accepts localhost as the host', function () {
    const headers = { host: 'localhost:4321' };
    expect(access.refusal({ method: 'GET', target: `/api/state?token=${TOKEN}`, headers })).to.equal(undefined);
  });

  it('refuses a request without the token with 401', function () {
    expect(access.refusal({ method: 'GET', target: '/api/state', headers: { host: HOST } })?.status).to.equal(401);
  });

  it('refuses another port in Host with 403', function () {
    const headers = { host: '127.0.0.1:80' };
    expect(access.refusal({ method: 'GET', target: `/?token=${TOKEN}`, headers })?.status).to.equal(403);
  });

  it('refuses a cross-site fetch of the API with 403', function () {
    const headers = { host: HOST, 'sec-fetch-site': 'cross-site' };
    expect(access.refusal({ method: 'GET', target: `/api/state?token=${TOKEN}`, headers })?.status).to.equal(403);
  });

  it('lets a same-origin POST with the token in its header through', function () {
    const headers = { host: HOST, origin: `http://${HOST}`, [TOKEN_HEADER]: TOKEN };
    expect(access.refusal({ method: 'POST', target: '/api/replay', headers })).to.equal(undefined);
  });

  it('refuses a POST whose token is only in the URL', function () {
    const headers = { host: HOST, origin: `http://${HOST}` };
    expect(access.refusal({ method: 'POST', target: `/api/replay?token=${TOKEN}`, headers })?.status).to.equal(401);
  });
});
