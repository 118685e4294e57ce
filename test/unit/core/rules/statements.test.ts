// One custom statement, element by element, against a small hand-made action catalogue: what is
// an error, what a warning, where each points, and what its message says.
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../../src/core/diagnostics';
import type { ActionCatalog } from '../../../../src/core/rules/context';
import { statementDiagnostics } from '../../../../src/core/rules/statements';
import type { IamStatement } from '../../../../src/core/team-config';

const ACTIONS: Record<string, string[]> = { s3: ['GetObject', 'PutObject'], ec2: ['RunInstances'] };
const catalogue = (): ActionCatalog => ({
  services: () => Object.keys(ACTIONS),
  actionsOf: (service) => ACTIONS[service],
  globalConditionKeys: () => ['aws:SourceIp', 'aws:RequestTag/tag-key'],
  about: { source: 'test-catalogue', version: '1.0', date: '2026-01-01' },
});
const ABOUT =
  '(action catalogue test-catalogue 1.0, data of 2026-01-01). IAM accepts an unknown action, but it grants nothing unless AWS added it after that date';

function check(statement: Partial<IamStatement>, options: { catalog?: boolean; strict?: boolean } = {}): Diagnostic[] {
  return statementDiagnostics({ Effect: 'Allow', ...statement } as IamStatement, (path, key) => ({ file: path.join('/'), line: 1, col: key ? 1 : 2 }), {
    catalog: options.catalog === false ? undefined : catalogue(),
    strict: options.strict ?? false,
  });
}

const brief = (found: Diagnostic[]) => found.map((d) => `${d.severity} ${d.kind} ${d.file}${d.col === 1 ? ' key' : ''}`);

describe('statement checks: resources', function () {
  const cases: [string, string | undefined][] = [
    ['*', undefined],
    ['arn:aws:s3:::bucket/*', undefined],
    ['arn:aws:s3:eu-west-1:111111111111:x', undefined],
    ['arn:aws:iam::111111111111:role/x', undefined],
    ['arn:aws:s3:x', undefined],
    ['my-bucket', 'resource "my-bucket" is not an ARN or "*" (e.g. arn:aws:s3:::my-bucket)'],
    ['//a/b', 'resource "//a/b" is not an ARN or "*" (e.g. arn:aws:s3:::a/b)'],
    ['/*', 'resource "/*" is not an ARN or "*" (e.g. arn:aws:s3:::bucket)'],
    [
      'arn:aws-moon:s3:::b',
      'resource "arn:aws-moon:s3:::b" names partition "aws-moon"; IAM knows aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc (or "*")',
    ],
    ['arn:aws::x', 'resource "arn:aws::x" has no service: an ARN reads arn:<partition>:<service>:<region>:<account>:<resource>'],
    ['arn:aws:s3::b', 'resource "arn:aws:s3::b" has 5 of an ARN\'s 6 fields; IAM refuses it (e.g. arn:aws:s3:::bucket has three colons before the bucket)'],
    [
      'arn:aws:iam:us-east-1:111111111111:role/x',
      'resource "arn:aws:iam:us-east-1:111111111111:role/x" has region "us-east-1", so it matches nothing: IAM ARNs have an empty region field (IAM is global); write arn:aws:iam::111111111111:role/x',
    ],
    [
      'arn:aws-cn:iam:cn-north-1:111111111111:user/*',
      'resource "arn:aws-cn:iam:cn-north-1:111111111111:user/*" has region "cn-north-1", so it matches nothing: IAM ARNs have an empty region field (IAM is global); write arn:aws-cn:iam::111111111111:user/*',
    ],
    ['arn:aws:iam:*:111111111111:role/x', undefined],
    ['arn:aws:iam:us-east-?:111111111111:role/x', undefined],
    ['arn:aws:sts::111111111111:assumed-role/x/y', undefined],
  ];
  for (const [resource, expected] of cases) {
    it(`${resource}: ${expected ? 'an error' : 'fine'}`, () => {
      const found = check({ Action: ['s3:GetObject'], Resource: ['*', resource] });
      assert.deepEqual(
        found.map((d) => d.message),
        expected ? [expected] : [],
      );
      if (expected) assert.deepEqual(brief(found), ['error malformed-resource resources/1']);
    });
  }

  it('points at not_resources when the statement has them', () => {
    assert.deepEqual(brief(check({ Action: ['s3:GetObject'], NotResource: ['bucket'] })), ['error malformed-resource not_resources/0']);
  });

  it('an IAM ARN with a region in not_resources is an error too (it would exclude nothing)', () => {
    assert.deepEqual(brief(check({ Action: ['s3:GetObject'], NotResource: ['arn:aws:iam:eu-west-1:111111111111:role/admin'] })), [
      'error malformed-resource not_resources/0',
    ]);
  });
});

describe('statement checks: actions', function () {
  it('points a malformed action at its place in actions or not_actions', () => {
    assert.deepEqual(brief(check({ Action: ['s3:GetObject', 'GetObject'], Resource: ['*'] })), ['error malformed-action actions/1']);
    assert.deepEqual(brief(check({ NotAction: ['GetObject'], Resource: ['*'] })), ['error malformed-action not_actions/0']);
  });

  it('without a catalogue, checks only the shape', () => {
    assert.deepEqual(check({ Action: ['s3:NoSuchThing', 'nosuch:Thing'], Resource: ['*'] }, { catalog: false }), []);
  });

  it('words an unknown action with its suggestion, or without one, and errs only under strict_actions', () => {
    const found = check({ Action: ['s3:GetObjekt', 's3:Zqxwvut', 'ec2:RunInstances'], Resource: ['*'] });
    assert.deepEqual(brief(found), ['warning unknown-action actions/0', 'warning unknown-action actions/1']);
    assert.match(found[0]!.message, /; did you mean "s3:GetObject"\? \(action catalogue/);
    assert.ok(found[1]!.message.endsWith(`" ${ABOUT}`.slice(1)), found[1]!.message);
    assert.doesNotMatch(found[1]!.message, /did you mean/);
    const strict = check({ Action: ['s3:Zqxwvut'], Resource: ['*'] }, { strict: true });
    assert.deepEqual(brief(strict), ['error unknown-action actions/0']);
    assert.ok(strict[0]!.message.endsWith(`${ABOUT}; this is an error because strict_actions is true`), strict[0]!.message);
  });

  it('reports the actions of one unknown service once, at the first, listing three', () => {
    const four = check({ Action: ['s3:GetObject', 'zq:A', 'zq:B', 'ZQ:C', 'zq:D', 'qqqqqqq:E'], Resource: ['*'] });
    assert.deepEqual(brief(four), ['warning unknown-service actions/1', 'warning unknown-service actions/5']);
    assert.equal(four[0]!.message, `4 actions ("zq:A", "zq:B", "ZQ:C", …): no AWS service has the prefix "zq"; did you mean the prefix "s3"? ${ABOUT}`);
    assert.equal(four[1]!.message, `action "qqqqqqq:E": no AWS service has the prefix "qqqqqqq" ${ABOUT}`);
    const three = check({ Action: ['zq:A', 'zq:B', 'zq:C'], Resource: ['*'] }, { strict: true });
    assert.deepEqual(brief(three), ['error unknown-service actions/0']);
    assert.equal(
      three[0]!.message,
      `3 actions ("zq:A", "zq:B", "zq:C"): no AWS service has the prefix "zq"; did you mean the prefix "s3"? ${ABOUT}; this is an error because strict_actions is true`,
    );
  });
});

describe('statement checks: conditions', function () {
  it('points an unknown operator at its key, with the nearest known one', () => {
    const found = check({ Action: ['s3:GetObject'], Resource: ['*'], Condition: { StringEqual: { 'aws:SourceIp': 'x' }, Zzqqxx: { 'aws:SourceIp': 'x' } } });
    assert.deepEqual(brief(found), ['error unknown-operator conditions/StringEqual key', 'error unknown-operator conditions/Zzqqxx key']);
    assert.deepEqual(
      found.map((d) => d.message),
      ['unknown condition operator "StringEqual"; did you mean "StringEquals"?', 'unknown condition operator "Zzqqxx"'],
    );
  });

  it('warns of a global key AWS does not set, at its key, with a suggestion when one is near', () => {
    const found = check({
      Action: ['s3:GetObject'],
      Resource: ['*'],
      Condition: { StringEquals: { 'aws:SourceIP': '1', 'aws:SourcIp': '1', 'aws:RequestTag/team': 'a', 'aws:Qqqqqqqqqqqqq': 'x', 's3:prefix': 'x' } },
    });
    assert.deepEqual(brief(found), [
      'warning unknown-condition-key conditions/StringEquals/aws:SourcIp key',
      'warning unknown-condition-key conditions/StringEquals/aws:Qqqqqqqqqqqqq key',
    ]);
    assert.deepEqual(
      found.map((d) => d.message),
      [
        'condition key "aws:SourcIp" is not one of AWS\'s global condition keys; did you mean "aws:SourceIp"?. IAM accepts it, but a key AWS never sets is always absent, so the condition does not test what it seems to',
        'condition key "aws:Qqqqqqqqqqqqq" is not one of AWS\'s global condition keys. IAM accepts it, but a key AWS never sets is always absent, so the condition does not test what it seems to',
      ],
    );
  });
});
