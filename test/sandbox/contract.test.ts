import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'chai';

import { startSandbox, type Sandbox } from '../../sandbox';
import { direct } from './http-client';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const spec = require('@twilio/cli-core/src/services/twilio-api/twilio_api_v2010.json');

type Schema = { properties?: Record<string, unknown>; [key: string]: unknown };

const PATHS = {
  recordings: '/2010-04-01/Accounts/{AccountSid}/Recordings.json',
  callRecordings: '/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json',
  conferenceRecordings: '/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Recordings.json',
  accounts: '/2010-04-01/Accounts.json',
} as const;

function listSchema(path: string): Schema {
  return spec.paths[path].get.responses['200'].content['application/json'].schema;
}

function component(name: string): Schema {
  return spec.components.schemas[name];
}

/**
 * Ajv rejects `nullable` on a schema without `type` (encryption_details); such a schema already admits null,
 * so the keyword is dropped there.
 */
function withoutUntypedNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutUntypedNullable);
  if (node === null || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) copy[key] = withoutUntypedNullable(value);
  if (copy.nullable === true && copy.type === undefined) delete copy.nullable;
  return copy;
}

const RFC_2822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/;

function buildValidator(): (ref: string) => ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('date-time-rfc-2822', RFC_2822);
  ajv.addFormat('uri-map', true);
  ajv.addFormat('phone-number', /^\+?[0-9]+$/);
  ajv.addFormat('currency', /^[A-Z]{3}$/);
  // Twilio's own examples carry relative paths (first_page_uri, uri) under format "uri": accept URI references.
  ajv.addFormat('uri', (value: string) => /^(https?:\/\/[^\s/]+)?\/[^\s]*$/.test(value));
  // One document holding the components and the inline list schemas, so their "#/components/..." refs resolve.
  ajv.addSchema(
    withoutUntypedNullable({
      $id: 'twilio',
      components: spec.components,
      lists: Object.fromEntries(Object.entries(PATHS).map(([name, path]) => [name, listSchema(path)])),
    }) as object,
  );
  return (ref: string) => ajv.getSchema(`twilio#${ref}`)!;
}

/** Twilio always sends every field of a resource (null when empty): same keys, no more, no fewer. */
function expectExactFields(body: Record<string, unknown>, schema: Schema, what: string): void {
  expect(Object.keys(body).sort(), what).to.deep.equal(Object.keys(schema.properties ?? {}).sort());
}

describe('sandbox contract with the Twilio OpenAPI spec', function () {
  let sandbox: Sandbox;
  let auth: [string, string];
  let base: string;
  let schemaAt: (ref: string) => ValidateFunction;

  const validate = (ref: string, body: unknown): void => {
    const check = schemaAt(ref);
    expect(check, `schema ${ref}`).to.be.a('function');
    const ok = check(body);
    expect(ok, `${ref}: ${JSON.stringify(check.errors, null, 1)}`).to.equal(true);
  };

  before(async function () {
    schemaAt = buildValidator();
    sandbox = await startSandbox({ seed: 21, subaccounts: 2, recordings: 300 });
    auth = [sandbox.account.sid, sandbox.account.authToken];
    base = `/2010-04-01/Accounts/${sandbox.account.sid}`;
    sandbox.store.addRecording({ status: 'absent', errorCode: 16102, durationSeconds: 0 });
    sandbox.store.deleteRecording(sandbox.store.addRecording({ durationSeconds: 30 }).sid);
    sandbox.store.addRecording({ status: 'in-progress', channels: 2, conferenceSid: 'CF' + 'c'.repeat(32) });
    sandbox.store.addRecording({
      status: 'completed',
      encryptionDetails: {
        encryption_public_key_sid: 'CR' + 'd'.repeat(32),
        encryption_cek: 'abc',
        encryption_iv: 'def',
      },
    });
  });
  after(() => sandbox.close());

  it('recording fetch, for every status, matches api.v2010.account.recording', async function () {
    const schema = component('api.v2010.account.recording');
    const seen = new Set<string>();
    for (const rec of sandbox.store.recordings(sandbox.account.sid, { includeDeleted: true })) {
      if (seen.has(rec.status)) continue;
      seen.add(rec.status);
      const reply = await direct(sandbox, `${base}/Recordings/${rec.sid}.json?IncludeSoftDeleted=true`, { auth });
      expect(reply.status).to.equal(200);
      validate('/components/schemas/api.v2010.account.recording', reply.json());
      expectExactFields(reply.json(), schema, rec.status);
    }
    expect([...seen]).to.include.members(['completed', 'absent', 'in-progress', 'deleted']);
  });

  it('recordings list pages match ListRecordingResponse', async function () {
    for (const query of [
      '',
      '?PageSize=1000&IncludeSoftDeleted=true',
      '?PageSize=7&Page=0&DateCreated%3E=2000-01-01',
    ]) {
      const body = (await direct(sandbox, `${base}/Recordings.json${query}`, { auth })).json();
      validate('/lists/recordings', body);
      expectExactFields(body, listSchema(PATHS.recordings), 'recordings page');
      for (const item of body.recordings) expectExactFields(item, component('api.v2010.account.recording'), 'item');
      if (body.next_page_uri) {
        const next = (await direct(sandbox, body.next_page_uri, { auth })).json();
        validate('/lists/recordings', next);
      }
    }
  });

  it('per-call and per-conference lists match their own schemas', async function () {
    const withConference = sandbox.store.recordings(sandbox.account.sid).find((r) => r.conferenceSid && r.callSid)!;
    const calls = (await direct(sandbox, `${base}/Calls/${withConference.callSid}/Recordings.json`, { auth })).json();
    validate('/lists/callRecordings', calls);
    expect(calls.recordings.length).to.be.above(0);
    for (const item of calls.recordings)
      expectExactFields(item, component('api.v2010.account.call.call_recording'), 'call item');
    const conf = (
      await direct(sandbox, `${base}/Conferences/${withConference.conferenceSid}/Recordings.json`, { auth })
    ).json();
    validate('/lists/conferenceRecordings', conf);
    expect(conf.recordings.length).to.be.above(0);
    for (const item of conf.recordings) {
      expectExactFields(item, component('api.v2010.account.conference.conference_recording'), 'conference item');
    }
  });

  it('account fetch and accounts list match api.v2010.account and ListAccountResponse', async function () {
    const account = (await direct(sandbox, `${base}.json`, { auth })).json();
    validate('/components/schemas/api.v2010.account', account);
    expectExactFields(account, component('api.v2010.account'), 'account');
    const list = (await direct(sandbox, '/2010-04-01/Accounts.json', { auth })).json();
    validate('/lists/accounts', list);
    expectExactFields(list, listSchema(PATHS.accounts), 'accounts page');
    expect(list.accounts).to.have.length(3);
  });

  it('a new API key matches api.v2010.account.new_key', async function () {
    const key = (
      await direct(sandbox, `${base}/Keys.json`, { method: 'POST', auth, body: 'FriendlyName=contract' })
    ).json();
    validate('/components/schemas/api.v2010.account.new_key', key);
    expectExactFields(key, component('api.v2010.account.new_key'), 'new key');
  });

  it('errors carry exactly code, message, more_info and status (the spec has no error schema)', async function () {
    const bodies = [
      (await direct(sandbox, `${base}/Recordings.json`)).json(),
      (await direct(sandbox, `${base}/Recordings/RE${'0'.repeat(32)}.json`, { auth })).json(),
      (await direct(sandbox, `${base}/Recordings.json?PageSize=5000`, { auth })).json(),
    ];
    for (const body of bodies) {
      expect(body).to.have.all.keys('code', 'message', 'more_info', 'status');
      expect(body.code).to.be.a('number');
      expect(body.more_info).to.equal(`https://www.twilio.com/docs/errors/${body.code}`);
    }
  });
});
