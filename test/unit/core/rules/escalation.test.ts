// The escalation rule on hand-built policies: which statements warn, with which kind, where, and
// what the message lists (the first paths with what they enable, then the rest by name).
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../../src/core/diagnostics';
import { escalationRules } from '../../../../src/core/rules/escalation';
import type { IamStatement, TeamConfig } from '../../../../src/core/team-config';
import { ruleContext } from '../../../harness/rule-context';

/** Runs the rule on one policy `p`; positions spell out the path and whether they point at a key. */
function warningsOf(statements: Partial<IamStatement>[], partition = 'aws'): Diagnostic[] {
  const config = { policies: { p: { statements } }, settings: { partition } } as unknown as TeamConfig;
  const context = ruleContext(config);
  return escalationRules(context);
}

const brief = (found: Diagnostic[]) => found.map((d) => `${d.kind} ${d.severity} ${d.file} ${d.col === 1 ? 'key' : 'value'}`);
const allow = (Action: string[], Resource: string[] = ['*'], extra: Partial<IamStatement> = {}): Partial<IamStatement> => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const GENERIC =
  'iam:PassRole on every role, to any service: with permission, from any policy, to create compute (EC2, Lambda, Glue, CloudFormation, …), ' +
  'a principal can run code as any role. Limit the resources to the roles it must pass, or add a condition such as StringEquals: {iam:PassedToService: ec2.amazonaws.com}';

describe('escalation rule: what warns, and where', function () {
  it('shows three paths with what they enable, and names the rest', () => {
    const [only, ...more] = warningsOf([allow(['iam:Attach*Policy', 'iam:Put*Policy'], ['arn:aws:iam::111111111111:user/x'])]);
    assert.equal(more.length, 0);
    assert.equal(only!.kind, 'privilege-escalation');
    assert.equal(only!.severity, 'warning');
    assert.equal(only!.file, 'aws-policies:aws-policies/p/custom_statements/0/actions');
    assert.equal(only!.col, 1);
    assert.equal(
      only!.message,
      'statement allows privilege escalation: iam:AttachUserPolicy (attach any managed policy, AdministratorAccess included, to a user such as itself); ' +
        'iam:AttachGroupPolicy (attach any managed policy to a group it belongs to); iam:AttachRolePolicy (attach any managed policy to a role it can assume); ' +
        'and 3 more: iam:PutUserPolicy, iam:PutGroupPolicy, iam:PutRolePolicy. Drop these actions, or limit them to resources that cannot be used this way',
    );
  });

  it('names no "more" when three paths or fewer', () => {
    const [only] = warningsOf([allow(['iam:Put*Policy'])]);
    assert.match(only!.message, /iam:PutRolePolicy \(write an inline policy allowing anything into a role it can assume\)\. Drop/);
  });

  const cases: [string, Partial<IamStatement>[], string[]][] = [
    ['AssumeRole on one role', [allow(['sts:AssumeRole'], ['arn:aws:iam::111111111111:role/app'])], []],
    [
      'AssumeRole where one resource reaches every role',
      [allow(['sts:AssumeRole'], ['arn:aws:s3:::b', 'arn:aws:iam::*:role/*'])],
      ['privilege-escalation warning aws-policies:aws-policies/p/custom_statements/0/actions key'],
    ],
    [
      'AssumeRole with not_resources',
      [{ Effect: 'Allow', Action: ['sts:AssumeRole'], NotResource: ['arn:aws:iam::111111111111:role/admin'] }],
      [
        'allow-not-resource warning aws-policies:aws-policies/p/custom_statements/0/not_resources key',
        'privilege-escalation warning aws-policies:aws-policies/p/custom_statements/0/actions key',
      ],
    ],
    [
      'every action with not_resources',
      [{ Effect: 'Allow', Action: ['*'], NotResource: ['arn:aws:s3:::b'] }],
      [
        'allow-not-resource warning aws-policies:aws-policies/p/custom_statements/0/not_resources key',
        'privilege-escalation warning aws-policies:aws-policies/p/custom_statements/0/actions key',
        'pass-role warning aws-policies:aws-policies/p/custom_statements/0/actions key',
      ],
    ],
    ['a Deny of everything', [{ Effect: 'Deny', Action: ['*'], Resource: ['*'] }], []],
    ['a harmless action on every resource', [allow(['s3:GetObject'])], []],
    ['administrator access', [allow(['s3:GetObject']), allow(['*'])], ['admin-access warning aws-policies:aws-policies/p/custom_statements/1 value']],
    [
      'not_actions',
      [{ Effect: 'Allow', NotAction: ['iam:*'], Resource: ['*'] }],
      ['allow-not-action warning aws-policies:aws-policies/p/custom_statements/0/not_actions key'],
    ],
    ['access keys for the caller only', [allow(['iam:CreateAccessKey'], ['arn:aws:iam::*:user/${aws:username}'])], []],
    [
      'attaching only customer policies',
      [allow(['iam:AttachRolePolicy'], ['*'], { Condition: { ArnLike: { 'iam:PolicyARN': 'arn:aws-cn:iam::111111111111:policy/*' } } })],
      [],
    ],
  ];
  for (const [name, statements, expected] of cases) {
    it(`${name}: ${expected.length ? expected.map((e) => e.split(' ')[0]).join(', ') : 'nothing'}`, () =>
      assert.deepEqual(brief(warningsOf(statements, 'aws-cn')), expected));
  }

  it('words not_resources, not_actions and administrator access so a reviewer sees why', () => {
    assert.deepEqual(
      warningsOf([
        { Effect: 'Allow', Action: ['s3:GetObject'], NotResource: ['arn:aws:s3:::b'] },
        { Effect: 'Allow', NotAction: ['iam:*'], Resource: ['*'] },
        allow(['*']),
      ]).map((d) => d.message),
      [
        'Allow with not_resources grants the actions on every resource not listed, including ones created later',
        'Allow with not_actions grants every action not listed, including ones AWS adds later',
        'statement allows every action ("*") on every resource ("*"): that is administrator access',
      ],
    );
  });
});

describe('escalation rule: iam:PassRole and its companions', function () {
  const passRole = allow(['iam:PassRole']);
  const passRoleMessages = (found: Diagnostic[]) => found.filter((d) => d.kind === 'pass-role').map((d) => d.message);

  it('without a companion in the policy, warns of compute created elsewhere', () => {
    const found = warningsOf([passRole]);
    assert.deepEqual(brief(found), ['pass-role warning aws-policies:aws-policies/p/custom_statements/0/actions key']);
    assert.deepEqual(passRoleMessages(found), [GENERIC]);
  });

  it('names each companion once, from any Allow statement, and no path that works alone', () => {
    const found = warningsOf([
      passRole,
      allow(['ec2:RunInstances', 'iam:PutUserPolicy'], ['arn:aws:ec2:*:*:instance/*']),
      allow(['ec2:RunInstances', 'lambda:CreateFunction']),
    ]);
    assert.deepEqual(passRoleMessages(found), [
      'iam:PassRole on every role, to any service: with ec2:RunInstances (launch an instance with a more privileged role and read its credentials); ' +
        'lambda:CreateFunction (create a function with a more privileged role and run it) in this policy, a principal can take on the permissions ' +
        'of any role. Limit the resources to the roles it must pass, or add a condition such as StringEquals: {iam:PassedToService: ec2.amazonaws.com}',
    ]);
  });

  const generic: [string, Partial<IamStatement>[]][] = [
    ['a companion only in a Deny', [passRole, { Effect: 'Deny', Action: ['ec2:RunInstances'], Resource: ['*'] }]],
    ['administrator access beside it', [passRole, allow(['*'])]],
  ];
  for (const [name, statements] of generic) {
    it(`${name}: the message names no companion`, () => assert.deepEqual(passRoleMessages(warningsOf(statements)), [GENERIC]));
  }

  const quiet: [string, Partial<IamStatement>[]][] = [
    ['PassRole on one role', [allow(['iam:PassRole'], ['arn:aws:iam::111111111111:role/app'])]],
    ['PassRole to one service', [allow(['iam:PassRole'], ['*'], { Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } })]],
    ['PassRole denied', [{ Effect: 'Deny', Action: ['iam:PassRole'], Resource: ['*'] }]],
    ['a harmless Allow', [allow(['s3:GetObject'])]],
  ];
  for (const [name, statements] of quiet) {
    it(`${name}: no pass-role warning`, () => assert.deepEqual(passRoleMessages(warningsOf(statements)), []));
  }
});
