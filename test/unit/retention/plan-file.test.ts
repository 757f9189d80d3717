import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import {
  checkPlanDocument,
  checkPlanEntries,
  checkPlanStillApplies,
  PLAN_KIND,
  type PlanDocument,
} from '../../../src/retention/plan-file';
import { DAY } from '../../support/time';

const ACCOUNT = 'AC' + '1'.repeat(32);
const now = new Date('2026-11-21T12:00:00Z');

function aPlan(overrides: Partial<PlanDocument> = {}): PlanDocument {
  return {
    kind: PLAN_KIND,
    version: 1,
    accountSid: ACCOUNT,
    createdAt: new Date(now.getTime() - DAY).toISOString(),
    policy: { file: '/p.yml', digest: 'a'.repeat(64) },
    holds: { file: '/h.json', digest: 'b'.repeat(64) },
    recordings: [
      { sid: 'RE' + '2'.repeat(32), accountSid: ACCOUNT, dateCreated: now.toISOString(), duration: 60, rule: 'x' },
    ],
    ...overrides,
  };
}

const checks = {
  accountSid: ACCOUNT,
  now,
  maxAgeMs: 7 * DAY,
  maxAgeText: '7d',
  policyDigestNow: 'a'.repeat(64),
  holdsDigestNow: 'b'.repeat(64),
  force: false,
};

describe('plan files', () => {
  it('accepts a plan as --plan-out writes it', () => {
    expect(checkPlanDocument(JSON.parse(JSON.stringify(aPlan())), 'plan.json').recordings).to.have.length(1);
  });

  it('refuses what is not a plan, naming the file', () => {
    for (const data of [null, [], { ...aPlan(), kind: 'other' }, { ...aPlan(), recordings: [{ sid: 'x' }] }]) {
      expect(() => checkPlanDocument(data, 'plan.json')).to.throw(BadInputError, /^plan\.json is not a purge plan/);
    }
  });

  it('reads SIDs in upper-case hex in canonical form', () => {
    const plan = aPlan({
      accountSid: ACCOUNT.toUpperCase(),
      recordings: [
        {
          sid: 'RE' + 'ab'.repeat(16).toUpperCase(),
          accountSid: 'AC' + 'c'.repeat(32).toUpperCase(),
          dateCreated: now.toISOString(),
          duration: 60,
          rule: null,
        },
      ],
    });
    const read = checkPlanDocument(JSON.parse(JSON.stringify(plan)), 'plan.json');
    expect(read.accountSid).to.equal(ACCOUNT);
    expect(read.recordings[0]).to.include({ sid: 'RE' + 'ab'.repeat(16), accountSid: 'AC' + 'c'.repeat(32) });
  });

  it("reads a selection's SIDs in canonical form and its instants as plans write them", () => {
    const selection = {
      createdBefore: '2026-11-01T00:00:00Z',
      callSid: 'CA' + 'ab'.repeat(16).toUpperCase(),
      conferenceSid: 'CF' + 'cd'.repeat(16).toUpperCase(),
      sids: ['RE' + 'ef'.repeat(16).toUpperCase()],
      statuses: ['completed'],
      subaccounts: false,
    };
    const read = checkPlanDocument({ ...aPlan({ policy: null }), selection }, 'plan.json');
    expect(read.selection).to.deep.equal({
      createdBefore: '2026-11-01T00:00:00.000Z',
      callSid: 'CA' + 'ab'.repeat(16),
      conferenceSid: 'CF' + 'cd'.repeat(16),
      sids: ['RE' + 'ef'.repeat(16)],
      statuses: ['completed'],
      subaccounts: false,
    });
  });

  it('refuses a selection no purge could have written', () => {
    const base = { subaccounts: true };
    for (const selection of [
      {},
      { ...base, createdFrom: 'March 7, 2026' },
      { ...base, createdBefore: '+010000-01-01T00:00:00.000Z' },
      { ...base, callSid: 'CA123' },
      { ...base, callSid: 'ca' + 'a'.repeat(32) },
      { ...base, sids: 'RE' + 'a'.repeat(32) },
      { ...base, sids: ['RE' + 'a'.repeat(32), 'CA' + 'a'.repeat(32)] },
      { ...base, statuses: ['Completed'] },
      { ...base, statuses: 'completed' },
    ]) {
      expect(
        () => checkPlanDocument({ ...aPlan({ policy: null }), selection }, 'plan.json'),
        JSON.stringify(selection),
      ).to.throw(BadInputError, /^plan\.json is not a purge plan \(a malformed selection\)/);
    }
  });

  it('refuses creation times that are no instant of the years 0000 to 9999', () => {
    for (const createdAt of [
      'yesterday',
      '+010000-01-01T00:00:00.000Z',
      '2026-02-30T00:00:00Z',
      'Sat, 21 Nov 2026 12:00:00 GMT',
    ]) {
      expect(() => checkPlanDocument({ ...aPlan(), createdAt }, 'plan.json'), createdAt).to.throw(
        BadInputError,
        /no creation time/,
      );
    }
    const entry = { ...aPlan().recordings[0], dateCreated: 'not a date' };
    expect(() => checkPlanDocument({ ...aPlan(), recordings: [entry] }, 'plan.json')).to.throw(
      BadInputError,
      /recording 1 has no creation time/,
    );
  });

  it('refuses a plan made later than now, whatever --max-plan-age and --force say', () => {
    for (const createdAt of ['2099-01-01T00:00:00.000Z', new Date(now.getTime() + 1000).toISOString()]) {
      expect(() =>
        checkPlanStillApplies(aPlan({ createdAt }), 'plan.json', {
          ...checks,
          maxAgeMs: 10_000 * 365 * DAY,
          force: true,
        }),
      ).to.throw(
        BadInputError,
        /^plan\.json says it was made at .*, later than now \(2026-11-21T12:00:00\.000Z\): make a new plan/,
      );
    }
  });

  it('applies when nothing changed', () => {
    expect(() => checkPlanStillApplies(aPlan(), 'plan.json', checks)).not.to.throw();
  });

  it('refuses another account’s plan, even with --force', () => {
    const other = 'AC' + '9'.repeat(32);
    expect(() => checkPlanStillApplies(aPlan({ accountSid: other }), 'plan.json', { ...checks, force: true })).to.throw(
      BadInputError,
      `plan.json was made for account ${other}, not ${ACCOUNT}`,
    );
  });

  it('refuses a plan older than the maximum age', () => {
    const old = aPlan({ createdAt: new Date(now.getTime() - 8 * DAY).toISOString() });
    expect(() => checkPlanStillApplies(old, 'plan.json', checks)).to.throw(BadInputError, /more than 7d ago/);
  });

  it('refuses a changed policy or changed holds unless forced', () => {
    expect(() => checkPlanStillApplies(aPlan(), 'plan.json', { ...checks, policyDigestNow: undefined })).to.throw(
      /The policy \/p\.yml changed since plan\.json was made/,
    );
    expect(() => checkPlanStillApplies(aPlan(), 'plan.json', { ...checks, holdsDigestNow: 'c' })).to.throw(
      /The legal holds changed/,
    );
    expect(() =>
      checkPlanStillApplies(aPlan(), 'plan.json', {
        ...checks,
        holdsDigestNow: 'c',
        policyDigestNow: 'd',
        force: true,
      }),
    ).not.to.throw();
  });

  it('refuses a plan made in the future', () => {
    const future = aPlan({ createdAt: new Date(now.getTime() + DAY).toISOString() });
    expect(() => checkPlanStillApplies(future, 'plan.json', { ...checks, force: true })).to.throw(
      BadInputError,
      /says it was made at .*, later than now/,
    );
  });

  describe('entries', () => {
    const SUB = 'AC' + '3'.repeat(32);
    const scope = { ruleNames: new Set(['x', 'default']), policyFile: '/p.yml', subaccounts: false, now };
    const entry = aPlan().recordings[0];
    const withEntries = (...recordings: PlanDocument['recordings']) => aPlan({ recordings: [entry, ...recordings] });

    it('accepts the entries --plan-out writes', () => {
      expect(() => checkPlanEntries(aPlan(), 'plan.json', scope)).not.to.throw();
    });

    for (const [what, plan, message, overrides] of [
      ['a duplicate', withEntries(entry), /entry 2 \(RE2+\) lists the recording of entry 1 again/, {}],
      [
        'a creation in the future',
        withEntries({ ...entry, sid: 'RE' + '4'.repeat(32), dateCreated: '2099-01-01T00:00:00Z' }),
        /entry 2 \(RE4+\) says it was created at 2099-01-01T00:00:00Z, which is still to come/,
        {},
      ],
      [
        'a rule the policy does not have',
        aPlan({ recordings: [{ ...entry, rule: 'renamed' }] }),
        /names the rule "renamed", which the policy \/p\.yml does not have/,
        {},
      ],
      [
        'no rule in a policy’s plan',
        aPlan({ recordings: [{ ...entry, rule: null }] }),
        /names no rule, though the plan comes from the policy/,
        {},
      ],
      [
        'a rule in a plan of selection flags',
        aPlan({ policy: null }),
        /names the rule "x", though the plan comes from selection flags/,
        { ruleNames: undefined, subaccounts: true },
      ],
      [
        'a subaccount’s recording outside the scope',
        aPlan({ recordings: [{ ...entry, accountSid: SUB }] }),
        /is a recording of account AC3+, but the plan covers AC1+ only \(its policy has no subaccounts: true\)/,
        {},
      ],
    ] as const) {
      it(`refuses ${what}, in one line`, () => {
        expect(() => checkPlanEntries(plan, 'plan.json', { ...scope, ...overrides })).to.throw(BadInputError, message);
      });
    }
  });
});
