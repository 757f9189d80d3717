import { expect } from 'chai';
import { BadInputError } from '../../../src/errors';
import { parsePolicy } from '../../../src/retention/policy';
import { resolvePolicyAccounts } from '../../../src/retention/policy-accounts';
import { DAY } from '../../support/time';

const PARENT = 'AC' + '1'.repeat(32);
const SUPPORT = 'AC' + '2'.repeat(32);

const GOOD = `version: 1
minimumAge: 2d
subaccounts: true
rules:
  - name: compliance
    match:
      account: Compliance team
    keep: forever
  - name: short calls
    match:
      maxDuration: 30s
      kind: call
    keep: 7d
    archive: ./short
  - name: default
    keep: 90d
`;

/** The one-line message a policy is refused with. */
function refusal(text: string): string {
  try {
    parsePolicy(text, 'retention.yml');
  } catch (error) {
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as BadInputError).exitStatus).to.equal(2);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
}

describe('retention policy', () => {
  it('reads rules, durations and the minimum age from YAML', () => {
    const policy = parsePolicy(GOOD, 'retention.yml');
    expect(policy.minimumAgeMs).to.equal(2 * DAY);
    expect(policy.subaccounts).to.equal(true);
    expect(policy.rules.map((rule) => [rule.name, rule.keepMs, rule.archive])).to.deep.equal([
      ['compliance', undefined, undefined],
      ['short calls', 7 * DAY, './short'],
      ['default', 90 * DAY, undefined],
    ]);
    expect(policy.rules[1].match).to.include({ maxDurationSeconds: 30, kind: 'call' });
  });

  it('takes an s3:// archive as it is written', () => {
    const policy = parsePolicy(GOOD.replace('archive: ./short', 'archive: s3://my-recordings/short'), 'retention.yml');
    expect(policy.rules[1].archive).to.equal('s3://my-recordings/short');
  });

  it("reads an s3:// archive's storage class and encryption from the rule's s3: block", () => {
    const text = GOOD.replace(
      'archive: ./short',
      'archive: s3://my-recordings/short\n    s3: {storageClass: GLACIER_IR, sse: aws:kms, kmsKeyId: alias/recordings}',
    );
    expect(parsePolicy(text, 'retention.yml').rules[1].s3).to.deep.equal({
      storageClass: 'GLACIER_IR',
      sse: 'aws:kms',
      kmsKeyId: 'alias/recordings',
    });
  });

  it('lets two rules archive to one bucket with the same s3: block', () => {
    const text = `rules:
  - name: short
    match: {maxDuration: 30s}
    keep: 7d
    archive: s3://my-recordings/all
    s3: {storageClass: STANDARD_IA}
  - name: default
    keep: 30d
    archive: s3://my-recordings/all
    s3: {storageClass: STANDARD_IA}
`;
    expect(parsePolicy(text, 'retention.yml').rules.map((rule) => rule.s3?.storageClass)).to.deep.equal([
      'STANDARD_IA',
      'STANDARD_IA',
    ]);
  });

  it('reads the same policy written as JSON', () => {
    const json = JSON.stringify({ rules: [{ name: 'default', keep: '30d' }] });
    expect(parsePolicy(json, 'p.json').rules[0].keepMs).to.equal(30 * DAY);
  });

  it('defaults the minimum age to one day', () => {
    expect(parsePolicy('rules: [{name: default, keep: 30d}]', 'p.yml').minimumAgeMs).to.equal(DAY);
  });

  it('gives the same digest for the same bytes and another for an edit', () => {
    const a = parsePolicy(GOOD, 'a.yml').digest;
    expect(parsePolicy(GOOD, 'b.yml').digest).to.equal(a);
    expect(parsePolicy(GOOD.replace('90d', '91d'), 'a.yml').digest).not.to.equal(a);
  });

  const bad: Array<[string, string, RegExp]> = [
    [
      'a syntax error',
      'rules:\n  - name: x\n   keep: 1d\n',
      /^retention\.yml:3:1: Sequence item without - indicator; fix the syntax \(YAML or JSON\)\.$/,
    ],
    [
      'an unknown top-level key',
      'rule:\n  - name: default\n    keep: 1d\n',
      /^retention\.yml:1:1: unknown key "rule": use /,
    ],
    [
      'an unknown key in a match',
      GOOD.replace('account: Compliance team', 'acount: Compliance team'),
      /^retention\.yml:7:7: unknown key "acount": use account, subaccounts, source/,
    ],
    [
      'a duration without a unit',
      GOOD.replace('keep: 90d', 'keep: 90'),
      /^retention\.yml:16:11: rules\[2\]\.keep must be a number with a unit \(s, m, h, d, w, mo or y\), for example 90d, or forever\./,
    ],
    [
      'months written M',
      GOOD.replace('keep: 7d', 'keep: 6M'),
      /^retention\.yml:13:11: Invalid keep "6M": units are case-sensitive/,
    ],
    [
      'a bad minimum age',
      GOOD.replace('minimumAge: 2d', 'minimumAge: two days'),
      /^retention\.yml:2:13: Invalid minimumAge/,
    ],
    ['no default rule', GOOD.replace('name: default', 'name: rest'), /^retention\.yml:4:1: no rule is named "default"/],
    [
      'a default rule before others',
      'rules:\n  - name: default\n    keep: 1d\n  - name: x\n    keep: 2d\n',
      /^retention\.yml:2:11: the default rule must be the last one/,
    ],
    [
      'a default rule with a match',
      'rules:\n  - name: default\n    match: {kind: call}\n    keep: 1d\n',
      /^retention\.yml:3:5: the default rule matches every recording/,
    ],
    [
      'an unknown source',
      GOOD.replace('kind: call', 'source: Phone'),
      /^retention\.yml:12:15: rules\[1\]\.match\.source must be one of "DialVerb"/,
    ],
    [
      'both account and subaccounts',
      GOOD.replace('account: Compliance team', 'account: Compliance team\n      subaccounts: true'),
      /^retention\.yml:8:7: rule "compliance" gives both account and subaccounts, which overlap/,
    ],
    [
      'a minimum longer than the maximum',
      GOOD.replace('maxDuration: 30s', 'maxDuration: 30s\n      minDuration: 1m'),
      /^retention\.yml:12:20: minDuration 1m is longer than maxDuration 30s/,
    ],
    [
      'two rules with one name',
      GOOD.replace('name: short calls', 'name: compliance'),
      /^retention\.yml:9:11: a second rule is named "compliance"/,
    ],
    ['a rule without keep', 'rules:\n  - name: default\n', /^retention\.yml:2:5: rules\[0\] is missing "keep"/],
    [
      'a malformed s3:// archive',
      GOOD.replace('archive: ./short', 'archive: s3://Bad_Bucket/short'),
      /^retention\.yml:14:14: Invalid destination "s3:\/\/Bad_Bucket\/short": "Bad_Bucket" is not a bucket name/,
    ],
    [
      'an s3: block on a folder archive',
      GOOD.replace('archive: ./short', 'archive: ./short\n    s3: {storageClass: GLACIER_IR}'),
      /^retention\.yml:15:9: rule "short calls" has s3: but a folder archive: give it archive: s3:\/\/BUCKET\/PREFIX, or remove s3:\.$/,
    ],
    [
      'an s3: block without an archive',
      GOOD.replace('keep: 90d', 'keep: 90d\n    s3: {sse: AES256}'),
      /^retention\.yml:17:9: rule "default" has s3: but no archive/,
    ],
    [
      'an unknown storage class',
      GOOD.replace('archive: ./short', 'archive: s3://my-recordings/short\n    s3: {storageClass: COLD}'),
      /^retention\.yml:15:24: rules\[1\]\.s3\.storageClass must be one of "STANDARD", "STANDARD_IA"/,
    ],
    [
      'an unknown key in an s3: block',
      GOOD.replace('archive: ./short', 'archive: s3://my-recordings/short\n    s3: {storage: GLACIER}'),
      /^retention\.yml:15:10: unknown key "storage": use storageClass, sse, kmsKeyId\.$/,
    ],
    [
      'an empty s3: block',
      GOOD.replace('archive: ./short', 'archive: s3://my-recordings/short\n    s3: {}'),
      /^retention\.yml:15:9: rules\[1\]\.s3 must name storageClass, sse or kmsKeyId, or be left out\.$/,
    ],
    [
      'a KMS key without aws:kms',
      GOOD.replace(
        'archive: ./short',
        'archive: s3://my-recordings/short\n    s3: {sse: AES256, kmsKeyId: alias/recordings}',
      ),
      /^retention\.yml:15:33: kmsKeyId needs sse: aws:kms: add it, or remove kmsKeyId\.$/,
    ],
    [
      'two rules archiving to one bucket in different ways',
      GOOD.replace('archive: ./short', 'archive: s3://my-recordings/short\n    s3: {storageClass: GLACIER_IR}').replace(
        'keep: 90d',
        'keep: 90d\n    archive: s3://my-recordings/short',
      ),
      /^retention\.yml:18:14: rules "short calls" and "default" archive to s3:\/\/my-recordings\/short with different s3: settings/,
    ],
    [
      'a hold naming no recording',
      'holds:\n  - reason: case\n    until: 2027-01-01\nrules: [{name: default, keep: 1d}]\n',
      /^retention\.yml:2:5: .*no target/,
    ],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what} in one line with its line and column`, () => {
      const line = refusal(text);
      expect(line).to.match(message);
      expect(line).not.to.include('\n');
    });
  }

  describe('account names', () => {
    const accounts = [
      { sid: PARENT, friendlyName: 'Main' },
      { sid: SUPPORT, friendlyName: 'Compliance team' },
    ];

    it('turns friendly names into the SIDs Accounts.json gives', () => {
      const resolved = resolvePolicyAccounts(parsePolicy(GOOD, 'retention.yml'), accounts);
      expect([...resolved.ruleAccounts[0]!]).to.deep.equal([SUPPORT]);
      expect(resolved.parentSid).to.equal(PARENT);
    });

    it('refuses an account no scanned account has, at its place', () => {
      const policy = parsePolicy(GOOD.replace('Compliance team', 'Legal'), 'retention.yml');
      expect(() => resolvePolicyAccounts(policy, accounts)).to.throw(
        BadInputError,
        /^retention\.yml:7:16: rule "compliance" names account "Legal", which is not the account or its subaccounts/,
      );
    });

    it('reads an account SID in upper-case hex as the account', () => {
      const hex = 'abcdef'.repeat(5) + 'ab';
      const upper = parsePolicy(GOOD.replace('Compliance team', `AC${hex.toUpperCase()}`), 'retention.yml');
      const resolved = resolvePolicyAccounts(upper, [
        { sid: PARENT, friendlyName: 'Main' },
        { sid: `AC${hex}`, friendlyName: '' },
      ]);
      expect([...resolved.ruleAccounts[0]!]).to.deep.equal([`AC${hex}`]);
    });
  });

  describe('durations whose cut-off would leave the years 0000 to 9999', () => {
    const NOW = new Date('2026-11-21T12:00:00Z');
    const refusedAt = (text: string) => {
      try {
        parsePolicy(text, 'retention.yml', NOW);
      } catch (error) {
        expect(error).to.be.instanceOf(BadInputError);
        return (error as Error).message;
      }
      throw new Error('the policy was accepted');
    };

    const cases: Array<[string, string, RegExp]> = [
      [
        'keep: 1000000y',
        GOOD.replace('keep: 90d', 'keep: 1000000y'),
        /^retention\.yml:16:11: Invalid keep "1000000y": it is longer than 10000y, more than lies between any two dates; to keep recordings for good, write keep: forever\.$/,
      ],
      [
        'keep: 5000y',
        GOOD.replace('keep: 90d', 'keep: 5000y'),
        /^retention\.yml:16:11: Invalid keep "5000y": from now it reaches back before the year 0000; to keep recordings for good, write keep: forever\.$/,
      ],
      [
        'keep: 99999999999999999999y',
        GOOD.replace('keep: 7d', 'keep: 99999999999999999999y'),
        /^retention\.yml:13:11: Invalid keep "99999999999999999999y": it is longer than 10000y/,
      ],
      [
        'a 400-digit keep',
        GOOD.replace('keep: 7d', `keep: ${'9'.repeat(400)}d`),
        /^retention\.yml:13:11: Invalid keep "9+d": it is longer than 10000y/,
      ],
      [
        'minimumAge: 1000000y',
        GOOD.replace('minimumAge: 2d', 'minimumAge: 1000000y'),
        /^retention\.yml:2:13: Invalid minimumAge "1000000y": it is longer than 10000y.*use a shorter duration, for example 30d\.$/,
      ],
      [
        'minimumAge: 10001y',
        GOOD.replace('minimumAge: 2d', 'minimumAge: 10001y'),
        /^retention\.yml:2:13: Invalid minimumAge "10001y": it is longer than 10000y/,
      ],
      [
        'minimumAge: 2100y',
        GOOD.replace('minimumAge: 2d', 'minimumAge: 2100y'),
        /^retention\.yml:2:13: Invalid minimumAge "2100y": from now it reaches back before the year 0000; use a shorter duration/,
      ],
      [
        'maxDuration: 20000y',
        GOOD.replace('maxDuration: 30s', 'maxDuration: 20000y'),
        /^retention\.yml:11:20: Invalid maxDuration "20000y": it is longer than 10000y/,
      ],
    ];
    for (const [what, text, message] of cases) {
      it(`refuses ${what} in one line at its place, never a date that cannot be`, () => {
        const line = refusedAt(text);
        expect(line).to.match(message);
        expect(line).not.to.include('\n');
      });
    }

    it('takes the longest keep whose cut-off is a date, and forever', () => {
      const policy = parsePolicy(GOOD.replace('keep: 90d', 'keep: 2000y'), 'retention.yml', NOW);
      expect(policy.rules[2].keepMs).to.equal(2000 * 365 * DAY);
      expect(policy.rules[0].keepMs).to.equal(undefined);
    });
  });

  describe('rule names', () => {
    const names: Array<[string, string]> = [
      ['a zero-width space', 'default\u200b'],
      ['a right-to-left override', 'short\u202ecalls'],
      ['a tab', 'short\tcalls'],
      ['a C1 control', 'short\u0085calls'],
      ['a byte-order mark', '\ufeffshort calls'],
      ['a variation selector', 'short calls\ufe0f'],
    ];
    for (const [what, name] of names) {
      it(`refuses a name with ${what}, at its line and column`, () => {
        const line = refusal(GOOD.replace('name: short calls', `name: "${name}"`));
        expect(line).to.match(
          /^retention\.yml:9:11: rule name ".*" holds the invisible or control character \\(x[0-9a-f]{2}|u[0-9a-f]{4}|t)/,
        );
        for (const char of ['\u0085', '\u200b', '\u202e', '\ufeff', '\ufe0f', '\t']) expect(line).not.to.include(char);
      });
    }

    it('refuses a blank name', () => {
      expect(refusal(GOOD.replace('name: short calls', 'name: "  "'))).to.match(
        /^retention\.yml:9:11: a rule name is blank/,
      );
    });

    it('refuses a rule without match before the default one, whatever its name', () => {
      const text = GOOD.replace('  - name: default\n', '  - name: everything\n    keep: 1d\n  - name: default\n');
      expect(refusal(text)).to.match(
        /^retention\.yml:15:11: rule "everything" has no match, so it takes every recording and the rules after it could never match/,
      );
    });

    const alike: Array<[string, string]> = [
      ['another letter case', 'Compliance'],
      ['full-width letters', '\uff43ompliance'],
      ['a no-break space and trailing space', 'compliance\u00a0'],
    ];
    for (const [what, name] of alike) {
      it(`refuses a name that differs from another only by ${what}`, () => {
        const line = refusal(GOOD.replace('name: short calls', `name: "${name}"`));
        expect(line).to.match(/^retention\.yml:9:11: rule ".*" looks like the earlier rule "compliance"/);
      });
    }
  });

  describe('holds', () => {
    const HEX = '0123456789abcdef'.repeat(2);
    it('reads SIDs in upper-case hex in canonical form', () => {
      const text =
        `holds:\n  - {sid: RE${HEX.toUpperCase()}, reason: case 1}\n  - {callSid: CA${HEX.toUpperCase()}, reason: case 2}\n  - {conferenceSid: CF${HEX.toUpperCase()}, reason: case 3}\n${GOOD}`.replace(
          'version: 1\n',
          '',
        );
      expect(parsePolicy(text, 'retention.yml').holds.map((hold) => hold.target)).to.deep.equal([
        { sid: `RE${HEX}` },
        { callSid: `CA${HEX}` },
        { conferenceSid: `CF${HEX}` },
      ]);
    });

    it('refuses a reason with an invisible character, at its hold', () => {
      const text = `holds:\n  - {sid: RE${HEX}, reason: "case\\u200b1"}\nrules: [{name: default, keep: 1d}]\n`;
      expect(refusal(text)).to.match(
        /^retention\.yml:2:5: reason "case\\u200b1" holds the invisible or control character \\u200b/,
      );
    });
  });
});
