// The escalation catalogue's matching: which paths an action pattern stands for, whether a resource reaches
// every role, and which conditions close a path. Each row names the input a reviewer would write.
import assert from 'node:assert/strict';
import {
  coversEveryRole,
  coversPassRole,
  ESCALATION_PATHS,
  escalationsIn,
  limitsPassedToService,
  limitsPolicyArn,
  onlySelf,
} from '../../../src/core/escalation';

const actionsOf = (pattern: string) => escalationsIn(pattern).map((p) => p.action);

/**
 * Answers are memoised per pattern, and the memo outlives a test; filling it past its bound empties it,
 * so that the next answer is worked out afresh rather than remembered from an earlier run.
 */
function forgetMemo(): void {
  const run = Math.random().toString(36).slice(2);
  for (let i = 0; i <= 10_001; i++) escalationsIn(`forget${run}:${i}`);
}

describe('escalation catalogue: matching', function () {
  const patterns: [string, string[]][] = [
    ['iam:CreatePolicyVersion', ['iam:CreatePolicyVersion']],
    ['IAM:createpolicyversion', ['iam:CreatePolicyVersion']],
    ['iam:Put*Policy', ['iam:PutUserPolicy', 'iam:PutGroupPolicy', 'iam:PutRolePolicy']],
    ['iam:?ttachUserPolicy', ['iam:AttachUserPolicy']],
    ['s3:GetObject', []],
    ['s3:*', []],
    ['iam:GetRole', []],
  ];
  for (const [pattern, expected] of patterns) {
    it(`escalationsIn(${pattern}) is ${expected.join(', ') || 'nothing'}`, () => {
      forgetMemo();
      // Asked twice: the second answer comes from the memo and must be the same.
      assert.deepEqual(actionsOf(pattern), expected);
      assert.deepEqual(actionsOf(pattern), expected);
    });
  }

  it('"*" stands for every path of the catalogue', () => {
    forgetMemo();
    assert.deepEqual(
      actionsOf('*'),
      ESCALATION_PATHS.map((p) => p.action),
    );
    assert.equal(escalationsIn('iam:*').length, ESCALATION_PATHS.filter((p) => p.action.startsWith('iam:')).length);
  });

  const passRole: [string, boolean][] = [
    ['iam:PassRole', true],
    ['IAM:PASSROLE', true],
    ['iam:Pass*', true],
    ['*', true],
    ['?am:PassRole', true],
    ['iam:PassRoles', false],
    ['s3:GetObject', false],
    ['s3:*', false],
    ['iam:Get*', false],
  ];
  for (const [pattern, expected] of passRole) {
    it(`coversPassRole(${pattern}) is ${expected}`, () => assert.equal(coversPassRole(pattern), expected));
  }

  const everyRole: [string, boolean][] = [
    ['*', true],
    ['arn:aws:iam::*:role/*', true],
    ['arn:aws:iam::111111111111:role/*', true],
    ['arn:aws-cn:iam::111111111111:role/*', true],
    ['arn:aws:iam::111111111111:*', true],
    ['arn:aws:iam::111111111111:role/app-*', false],
    ['arn:aws:iam::111111111111:role/q7Zx3Probe', false],
    ['arn:aws:iam::111111111111:role/deep/*', false],
    ['arn:aws:s3:::bucket/*', false],
    ['nrn:aws:iam::111111111111:role/*', false],
    ['role/*', false],
  ];
  for (const [resource, expected] of everyRole) {
    it(`coversEveryRole(${resource}) is ${expected}`, () => assert.equal(coversEveryRole(resource), expected));
  }

  const self: [string[], boolean][] = [
    [['arn:aws:iam::*:user/${aws:username}'], true],
    [['arn:aws:iam::111111111111:user/team/ops/${aws:username}'], true],
    [['arn:aws:iam::*:user/${aws:username}', 'arn:aws:iam::*:user/${aws:username}'], true],
    [[], false],
    [['arn:aws:iam::*:user/${aws:username}', '*'], false],
    [['arn:aws:iam::*:user/${aws:username}-admin'], false],
    [['arn:aws:iam::*:user/alice'], false],
  ];
  for (const [resources, expected] of self) {
    it(`onlySelf(${JSON.stringify(resources)}) is ${expected}`, () => assert.equal(onlySelf(resources), expected));
  }

  type Condition = Parameters<typeof limitsPassedToService>[0];
  const passedTo: [string, Condition, boolean][] = [
    ['one service', { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } }, true],
    ['a key in any case', { StringLike: { 'IAM:passedToService': ['ec2.amazonaws.com', 'lambda.amazonaws.com'] } }, true],
    ['a ForAnyValue prefix', { 'ForAnyValue:StringEquals': { 'iam:PassedToService': 'ec2.amazonaws.com' } }, true],
    ['no condition', undefined, false],
    ['"*" as the service', { StringLike: { 'iam:PassedToService': '*' } }, false],
    ['one service and "*"', { StringLike: { 'iam:PassedToService': ['ec2.amazonaws.com', '*'] } }, false],
    ['an empty list', { StringEquals: { 'iam:PassedToService': [] } }, false],
    ['another key', { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }, false],
    ['a negative operator', { StringNotEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } }, false],
  ];
  for (const [name, condition, expected] of passedTo) {
    it(`limitsPassedToService: ${name} is ${expected}`, () => assert.equal(limitsPassedToService(condition), expected));
  }

  const policyArn: [string, Condition, string | undefined, boolean][] = [
    ['one customer policy', { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::111111111111:policy/app' } }, undefined, true],
    ['every AWS managed policy', { ArnLike: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/*' } }, undefined, false],
    ['every AWS managed policy, in the China partition', { ArnLike: { 'iam:PolicyARN': 'arn:aws-cn:iam::aws:policy/*' } }, 'aws-cn', false],
    ['the AWS partition pattern, in the China partition', { ArnLike: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/*' } }, 'aws-cn', true],
    ['only IAMFullAccess', { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/IAMFullAccess' } }, undefined, false],
    ['no condition', undefined, undefined, false],
  ];
  for (const [name, condition, partition, expected] of policyArn) {
    it(`limitsPolicyArn: ${name} is ${expected}`, () => assert.equal(limitsPolicyArn(condition, partition), expected));
  }
});
