// The policy rules on hand-built policies: messages for unknown and administrator managed policies,
// where duplicates point, and the exact size limit of the rendered custom statements.
import assert from 'node:assert/strict';
import { AWS_MANAGED_POLICIES_SOURCE } from '../../../../src/core/aws-managed-policies';
import type { Diagnostic } from '../../../../src/core/diagnostics';
import { policySize, renderDocument } from '../../../../src/core/documents';
import { policyRules, unknownAwsManagedPolicyMessage } from '../../../../src/core/rules/policies';
import type { IamStatement, TeamConfig } from '../../../../src/core/team-config';
import { ruleContext } from '../../../harness/rule-context';

function diagnosticsOf(policy: { managedPolicyArns?: string[]; statements?: Partial<IamStatement>[] }, strict = false): Diagnostic[] {
  const config = {
    team: 't',
    settings: { partition: 'aws', strictActions: strict },
    policies: { p: { managedPolicyArns: policy.managedPolicyArns ?? [], statements: policy.statements ?? [] } },
  } as unknown as TeamConfig;
  const context = ruleContext(config);
  return policyRules(context);
}

const brief = (found: Diagnostic[]) => found.map((d) => `${d.severity} ${d.kind} ${d.file}${d.col === 1 ? ' key' : ''}`);
const TABLE = `(table from ${AWS_MANAGED_POLICIES_SOURCE.source}, policies as of ${AWS_MANAGED_POLICIES_SOURCE.dataAsOf})`;

describe('policy rules: managed policies', function () {
  it('words an unknown AWS managed policy with or without a suggestion, and under strict_actions', () => {
    assert.equal(
      unknownAwsManagedPolicyMessage('arn:aws:iam::aws:policy/ReadOnlyAcces', false),
      `arn:aws:iam::aws:policy/ReadOnlyAcces is not an AWS managed policy that grantflow knows ${TABLE}; did you mean arn:aws:iam::aws:policy/ReadOnlyAccess?. ` +
        'Attaching a policy that does not exist fails the grant, unless AWS published it after that date',
    );
    assert.equal(
      unknownAwsManagedPolicyMessage('arn:aws:iam::aws:policy/Qx7Zq9Wv3Kp2', true),
      `arn:aws:iam::aws:policy/Qx7Zq9Wv3Kp2 is not an AWS managed policy that grantflow knows ${TABLE}. ` +
        'Attaching a policy that does not exist fails the grant, unless AWS published it after that date; this is an error because strict_actions is true',
    );
  });

  it('points duplicates, unknown and administrator policies at their entries', () => {
    const arns = [
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'arn:aws:iam::aws:policy/Qx7Zq9Wv3Kp2',
      'arn:aws:iam::aws:policy/IAMFullAccess',
    ];
    const found = diagnosticsOf({ managedPolicyArns: arns });
    assert.deepEqual(brief(found), [
      'warning duplicate-managed-policy aws-policies:aws-policies/p/managed_policies/1',
      'warning unknown-managed-policy aws-policies:aws-policies/p/managed_policies/2',
      'warning admin-managed-policy aws-policies:aws-policies/p/managed_policies/3',
    ]);
    assert.equal(found[0]!.message, 'managed policy arn:aws:iam::aws:policy/ReadOnlyAccess is listed twice in "p"');
    assert.equal(found[2]!.message, 'IAMFullAccess gives near-administrator access; prefer a narrower policy, or grant it only temporarily');
    assert.deepEqual(brief(diagnosticsOf({ managedPolicyArns: [arns[2]!] }, true)), [
      'error unknown-managed-policy aws-policies:aws-policies/p/managed_policies/0',
    ]);
  });
});

describe('policy rules: statements', function () {
  it('points a repeated sid at the later statement, naming the first', () => {
    const found = diagnosticsOf({
      statements: [
        { Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] },
        { Sid: 'Other', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] },
        { Sid: 'Read', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['*'] },
      ],
    });
    assert.deepEqual(brief(found), ['error duplicate-sid aws-policies:aws-policies/p/custom_statements/2/sid']);
    assert.equal(found[0]!.message, 'sid "Read" is also the sid of statement 1; IAM requires each sid in a policy to be unique');
  });

  // One statement whose rendered size is `target` characters, by the length of its resource.
  function statementsOfSize(target: number): Partial<IamStatement>[] {
    const make = (n: number): Partial<IamStatement>[] => [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${'b'.repeat(n)}`] }];
    const base = policySize(renderDocument(make(0) as IamStatement[]));
    return make(target - base);
  }

  it('allows exactly 6,144 rendered characters, and refuses one more', () => {
    assert.deepEqual(diagnosticsOf({ statements: statementsOfSize(6144) }), []);
    const found = diagnosticsOf({ statements: statementsOfSize(6145) });
    assert.deepEqual(brief(found), ['error policy-size aws-policies:aws-policies/p/custom_statements key']);
    assert.equal(
      found[0]!.message,
      'the custom statements of "p" render to 6,145 characters in customer-managed policy grantflow.t.p; IAM allows 6,144. Split them into two policies or use wildcards',
    );
  });
});
