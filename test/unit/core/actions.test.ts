// Action patterns and condition operators against a small catalogue: what IAM refuses, what the
// catalogue does not know and what it suggests instead, which date values a Date operator accepts,
// and which `aws:` keys are global.
import assert from 'node:assert/strict';
import {
  actionShapeProblem,
  bareOperator,
  checkGlobalConditionKey,
  isConditionOperator,
  isDateConditionValue,
  lookupAction,
  wildcardRegex,
} from '../../../src/core/actions';
import type { ActionCatalog } from '../../../src/core/rules/context';

// A fresh catalogue per call: lookups are memoised per catalogue object.
function catalog(): ActionCatalog {
  const actions: Record<string, string[]> = { s3: ['GetObject', 'PutObject'], ec2: ['DescribeInstances'], sqs: ['SendMessage'] };
  return {
    services: () => Object.keys(actions),
    actionsOf: (service) => (Object.hasOwn(actions, service) ? actions[service] : undefined),
    globalConditionKeys: () => ['aws:SourceIp', 'aws:CurrentTime', 'aws:SourceTag/tag-key'],
    about: { source: 'test', version: '1', date: '2026-01-01' },
  };
}

describe('wildcards as IAM reads them', function () {
  const cases: [string, string, boolean][] = [
    ['s3:Get*', 's3:GetObject', true],
    ['s3:Get.Object', 's3:Get.Object', true],
    ['s3:Get.Object', 's3:GetXObject', false],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:Get?bject', 's3:Getbject', false],
    ['s3:getobject', 's3:GetObject', true],
    ['s3:Get(Object)', 's3:Get(Object)', true],
  ];
  for (const [pattern, text, matches] of cases) it(`${pattern} against ${text}`, () => assert.equal(wildcardRegex(pattern).test(text), matches));
});

describe('action shapes IAM refuses', function () {
  const cases: [string, string | undefined][] = [
    [':GetObject', 'action ":GetObject" is not of the form service:Action (e.g. s3:GetObject)'],
    ['s3:', 'action "s3:" is not of the form service:Action (e.g. s3:GetObject)'],
    ['s3:GetObject', undefined],
    ['*:Get*', undefined],
  ];
  for (const [pattern, problem] of cases) it(pattern, () => assert.equal(actionShapeProblem(pattern), problem));
});

describe('actions the catalogue does not know', function () {
  const cases: { pattern: string; want: Record<string, unknown> }[] = [
    { pattern: 's3:GetObject', want: { known: true } },
    { pattern: 'S3:getobject', want: { known: true } },
    { pattern: '*:GetObject', want: { known: true } },
    { pattern: '*:Describe*', want: { known: true } },
    {
      pattern: 'ec2:GetObject',
      want: { known: false, kind: 'unknown-action', reason: 'action "ec2:GetObject" does not exist in service "ec2"' },
    },
    {
      pattern: 's3:GetObjekt',
      want: { known: false, kind: 'unknown-action', reason: 'action "s3:GetObjekt" does not exist in service "s3"', suggestion: 's3:GetObject' },
    },
    { pattern: '*:Nothing', want: { known: false, kind: 'unknown-action', reason: 'action "*:Nothing" does not exist in any service' } },
    { pattern: 's3:Nothing*', want: { known: false, kind: 'unknown-action', reason: 'action "s3:Nothing*" matches no action in service "s3"' } },
    { pattern: '*:Nothing*', want: { known: false, kind: 'unknown-action', reason: 'action "*:Nothing*" matches no action in any service' } },
    {
      pattern: 's4:GetObject',
      want: { known: false, kind: 'unknown-service', reason: 'action "s4:GetObject": no AWS service has the prefix "s4"', suggestion: 's3:GetObject' },
    },
    {
      pattern: 's4:Get*',
      want: { known: false, kind: 'unknown-service', reason: 'action "s4:Get*": no AWS service has the prefix "s4"', suggestion: 's3:Get*' },
    },
    {
      pattern: 's4:SendMessage',
      want: { known: false, kind: 'unknown-service', reason: 'action "s4:SendMessage": no AWS service has the prefix "s4"', nearPrefix: 's3' },
    },
    {
      pattern: 'kinesisvideo:GetObject',
      want: { known: false, kind: 'unknown-service', reason: 'action "kinesisvideo:GetObject": no AWS service has the prefix "kinesisvideo"' },
    },
  ];
  for (const c of cases) it(c.pattern, () => assert.deepEqual(lookupAction(c.pattern, catalog()), c.want));

  it('asked twice, answers the same', () => {
    const shared = catalog();
    const first = lookupAction('s3:GetObjekt', shared);
    assert.deepEqual(lookupAction('s3:GetObjekt', shared), first);
  });
});

describe('condition operators', function () {
  const cases: [string, boolean][] = [
    ['StringLike', true],
    ['ForAnyValue:StringLike', true],
    ['ForAllValues:StringEqualsIfExists', true],
    ['XForAnyValue:StringLike', false],
    ['StringIfExistsLike', false],
    ['NullIfExists', false],
    ['Null', true],
    ['StringLikeIfExists', true],
  ];
  for (const [operator, known] of cases) it(operator, () => assert.equal(isConditionOperator(operator), known));

  it('strips only a leading set prefix and a trailing IfExists', () => {
    assert.equal(bareOperator('ForAllValues:StringEqualsIfExists'), 'StringEquals');
    assert.equal(bareOperator('XForAnyValue:StringLike'), 'XForAnyValue:StringLike');
    assert.equal(bareOperator('StringIfExistsLike'), 'StringIfExistsLike');
  });
});

describe('values a Date operator accepts', function () {
  const cases: [string | number | boolean, boolean][] = [
    [0, true],
    [1700000000, true],
    [-1, false],
    [1.5, false],
    [true, false],
    [false, false],
    ['${aws:CurrentTime}', true],
    ['1700000000', true],
    ['abc1700000000', false],
    ['1700000000abc', false],
    ['2026-06-01T12:00:00Z', true],
    ['yesterday', false],
  ];
  for (const [value, ok] of cases) it(JSON.stringify(value), () => assert.equal(isDateConditionValue(value), ok));
});

describe('global condition keys', function () {
  const cases: [string, Record<string, unknown>][] = [
    ['aws:SourceIp', { known: true }],
    ['AWS:SOURCEIP', { known: true }],
    ['aws:sourcetag/team', { known: true }],
    ['aws:SourceTag/', { known: false, suggestion: 'aws:SourceIp' }],
    ['aws:SourceTagged', { known: false }],
    ['aws:RequestTag/team', { known: true }],
    ['aws:RequestTag/', { known: false }],
    ['aws:TagKeys', { known: true }],
    ['aws:SourceIpp', { known: false, suggestion: 'aws:SourceIp' }],
    ['aws:Completely-Different-Thing', { known: false }],
  ];
  for (const [key, want] of cases) it(key, () => assert.deepEqual(checkGlobalConditionKey(key, catalog()), want));
});
