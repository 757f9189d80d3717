import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { HoldSet } from '../../../src/retention/holds';
import { parsePolicy } from '../../../src/retention/policy';
import { resolvePolicyAccounts } from '../../../src/retention/policy-accounts';
import {
  policyDecider,
  reviewedPlanDecider,
  ruleCutoff,
  selectionDecider,
} from '../../../src/retention/retention-decision';
import { aRecording } from '../recording-fixture';
import { HOUR, DAY } from '../../support/time';

const PARENT = 'AC' + '1'.repeat(32);
const SUB = 'AC' + '2'.repeat(32);
const now = new Date('2026-11-21T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);

const policy = resolvePolicyAccounts(
  parsePolicy(
    `subaccounts: true
rules:
  - name: legal
    match: {account: Legal}
    keep: forever
  - name: conferences
    match: {kind: conference, channels: 2}
    keep: 7d
    archive: ./conf
  - name: short
    match: {maxDuration: 30s, source: [DialVerb]}
    keep: 1h
  - name: default
    keep: 30d
`,
    'p.yml',
  ),
  [
    { sid: PARENT, friendlyName: 'Main' },
    { sid: SUB, friendlyName: 'Legal' },
  ],
);

describe('retention decisions', () => {
  const decide = policyDecider(policy, HoldSet.none, now);

  it('lets the first matching rule decide', () => {
    const conference = aRecording({ conferenceSid: 'CF' + '3'.repeat(32), channels: 2, dateCreated: ago(8 * DAY) });
    expect(decide(conference)).to.deep.equal({ action: 'delete', rule: 'conferences', archive: './conf' });
    expect(decide({ ...conference, accountSid: SUB })).to.deep.include({
      action: 'keep',
      reason: 'rule-keeps',
      rule: 'legal',
    });
  });

  it('falls through to the default rule', () => {
    expect(decide(aRecording({ accountSid: PARENT, dateCreated: ago(31 * DAY) }))).to.deep.equal({
      action: 'delete',
      rule: 'default',
      archive: undefined,
    });
    expect(decide(aRecording({ accountSid: PARENT, dateCreated: ago(29 * DAY) }))).to.deep.include({
      reason: 'rule-keeps',
    });
  });

  it('never deletes a recording younger than the minimum age, whatever its rule keeps', () => {
    const short = aRecording({ duration: 20, source: 'DialVerb', dateCreated: ago(2 * HOUR) });
    expect(decide(short)).to.deep.include({ action: 'keep', reason: 'too-young', rule: 'short' });
    expect(decide({ ...short, dateCreated: ago(DAY + 1000) })).to.deep.include({ action: 'delete', rule: 'short' });
  });

  it('keeps what is not completed', () => {
    expect(decide(aRecording({ status: 'processing', dateCreated: ago(90 * DAY) }))).to.deep.include({
      reason: 'not-completed',
    });
  });

  it('keeps a held recording before any rule, and not once the hold has expired', () => {
    const recording = aRecording({ dateCreated: ago(90 * DAY) });
    const hold = { target: { callSid: recording.callSid! }, reason: 'case 7' };
    expect(policyDecider(policy, new HoldSet([hold], now), now)(recording)).to.deep.include({ reason: 'held', hold });
    const expired = { ...hold, until: ago(1) };
    expect(policyDecider(policy, new HoldSet([expired], now), now)(recording).action).to.equal('delete');
  });

  it('gives each rule its cut-off, never later than the minimum age', () => {
    expect(policy.rules.map((rule) => ruleCutoff(rule, policy, now)?.toISOString())).to.deep.equal([
      undefined,
      ago(7 * DAY).toISOString(),
      ago(DAY).toISOString(),
      ago(30 * DAY).toISOString(),
    ]);
  });

  describe('cut-offs that would leave the years 0000 to 9999', () => {
    // Built by hand, as a policy parsed at another time could be: parsePolicy refuses these itself.
    const far = (keepMs: number | undefined, minimumAgeMs = DAY) => ({
      ...policy,
      minimumAgeMs,
      minimumAge: `${minimumAgeMs}ms`,
      rules: policy.rules.map((rule) => (rule.name === 'default' ? { ...rule, keepMs, keep: `${keepMs}ms` } : rule)),
    });
    const old = aRecording({ accountSid: PARENT, dateCreated: ago(400 * DAY) });

    for (const keepMs of [1_000_000 * 365 * DAY, 1e300, Number.POSITIVE_INFINITY, Number.NaN]) {
      it(`refuses a keep of ${keepMs} ms in one line instead of deleting`, () => {
        const farPolicy = far(keepMs);
        expect(() => ruleCutoff(farPolicy.rules[3], farPolicy, now)).to.throw(BadInputError, /write keep: forever/);
        expect(() => policyDecider(farPolicy, HoldSet.none, now)(old)).to.throw(BadInputError);
      });
    }

    it('refuses a minimum age whose cut-off is before the year 0000', () => {
      const farPolicy = far(30 * DAY, 3000 * 365 * DAY);
      expect(() => policyDecider(farPolicy, HoldSet.none, now)).to.throw(BadInputError, /Invalid minimumAge/);
      expect(() => ruleCutoff(farPolicy.rules[3], farPolicy, now)).to.throw(BadInputError, /Invalid minimumAge/);
    });

    it('refuses a clock that reads no valid instant', () => {
      expect(() => policyDecider(policy, HoldSet.none, new Date(Number.NaN))).to.throw(BadInputError, /clock/);
    });
  });

  it('keeps held recordings of a purge without a policy, by recording, call or conference', () => {
    const recording = aRecording({ conferenceSid: 'CF' + '4'.repeat(32) });
    for (const target of [
      { sid: recording.sid },
      { callSid: recording.callSid! },
      { conferenceSid: recording.conferenceSid! },
    ]) {
      const held = selectionDecider(new HoldSet([{ target, reason: 'r' }], now))(recording);
      expect(held, JSON.stringify(target)).to.deep.include({ action: 'keep', reason: 'held' });
    }
    expect(selectionDecider()(recording)).to.deep.equal({ action: 'delete' });
  });

  describe('of a reviewed plan', () => {
    const decide = policyDecider(policy, HoldSet.none, now);
    const old = aRecording({ accountSid: PARENT, dateCreated: ago(40 * DAY), duration: 60, source: 'Api' });

    it('deletes what the policy deletes now, under the rule the plan approved', () => {
      expect(reviewedPlanDecider(decide, () => 'default')(old)).to.deep.equal({
        action: 'delete',
        rule: 'default',
        archive: undefined,
      });
    });

    it('keeps what the policy keeps now, whatever the plan says', () => {
      const young = { ...old, dateCreated: ago(HOUR) };
      expect(reviewedPlanDecider(decide, () => 'default')(young)).to.include({ action: 'keep', reason: 'too-young' });
    });

    it('keeps, as not planned, what the policy deletes under another rule than the plan’s', () => {
      expect(reviewedPlanDecider(decide, () => 'short')(old)).to.deep.equal({
        action: 'keep',
        reason: 'outside-plan',
        rule: 'default',
        detail: 'planned under the rule "short", the policy now says "default"',
      });
    });

    it('keeps, as not planned, what is outside the plan’s selection', () => {
      const plain = selectionDecider(HoldSet.none);
      expect(
        reviewedPlanDecider(
          plain,
          () => null,
          () => 'outside the selection',
        )(old),
      ).to.include({
        action: 'keep',
        reason: 'outside-plan',
        detail: 'outside the selection',
      });
      expect(reviewedPlanDecider(plain, () => null)(old)).to.deep.equal({ action: 'delete' });
    });
  });
});
