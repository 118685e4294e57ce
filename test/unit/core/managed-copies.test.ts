// Copy or attach: which managed policies a temporary grant gets as an expiring copy and which it
// attaches as they are; and permission boundaries: what a principal without the required one is
// told, that grants carry their environment's boundary, and how the deployer policy conditions on it.
import assert from 'node:assert/strict';
import { LIMITS } from '../../../src/core/documents';
import { expandTeam } from '../../../src/core/expand';
import { boundaryArns, boundaryProblem, decideManagedParts } from '../../../src/core/managed-copies';
import { planTeam } from '../../../src/core/plan';
import { deployerPolicies } from '../../../src/aws/deployer-policy';
import { ACCOUNTS, policy, READ_ONLY, team } from '../../harness/team';

const EXPIRY = '2030-06-01T12:00:00Z';
const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

describe('expiring copies: copy or attach', function () {
  const cases: { name: string; arn: string; mode: 'copy' | 'attach'; mfa?: boolean; want: 'copy' | 'attach'; reason?: RegExp }[] = [
    { name: 'a small AWS managed policy is copied', arn: POWER_USER, mode: 'copy', want: 'copy' },
    { name: 'with MFA too', arn: ADMIN, mode: 'copy', mfa: true, want: 'copy' },
    { name: 'the setting attach attaches', arn: POWER_USER, mode: 'attach', want: 'attach', reason: /temporary_managed_policies is attach/ },
    { name: 'an oversized one is attached', arn: READ_ONLY, mode: 'copy', want: 'attach', reason: /a copy would be up to \d+ characters, over IAM's 6144/ },
    {
      name: 'a customer-managed policy is attached',
      arn: `arn:aws:iam::${ACCOUNTS.prod}:policy/team/x`,
      mode: 'copy',
      want: 'attach',
      reason: /not an AWS managed policy/,
    },
    {
      name: 'an AWS policy the table lacks is attached',
      arn: 'arn:aws:iam::aws:policy/NoSuchPolicyAnywhere',
      mode: 'copy',
      want: 'attach',
      reason: /known size/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [part] = decideManagedParts([c.arn], { mode: c.mode, conditions: { expiresAt: EXPIRY, mfa: c.mfa ?? false } });
      assert.equal(part!.mode, c.want);
      if (part!.mode === 'attach') assert.match(part!.reason, c.reason!);
    });
  }
  it('stays within the limit right at the edge: the largest copy judged to fit is at most 6144', () => {
    // Every AWS managed policy judged copyable has an upper bound within IAM's limit.
    for (const arn of [POWER_USER, ADMIN]) {
      const [part] = decideManagedParts([arn], { mode: 'copy', conditions: { expiresAt: EXPIRY, mfa: true } });
      assert.ok(part!.mode === 'copy' && part!.estimatedSize <= LIMITS.managedPolicyChars);
    }
  });
});

describe('permission boundaries', function () {
  const boundary = `arn:aws:iam::${ACCOUNTS.prod}:policy/boundaries/developer`;
  const grant = { principalType: 'user' as const, principal: 'bob', environment: 'prod', account: ACCOUNTS.prod, permissionsBoundary: boundary };
  const cases: { name: string; actual: string | undefined; required?: string; want?: RegExp }[] = [
    { name: 'a principal with the boundary is fine', actual: boundary },
    { name: 'no boundary required: fine', actual: undefined, required: '' },
    {
      name: 'no boundary: refused, naming the principal and the fix',
      actual: undefined,
      want: /^user bob in prod \(222222222222\) has no permission boundary, but permissions_boundary requires .*put-user-permissions-boundary --user-name bob --permissions-boundary arn:aws:iam::222222222222:policy\/boundaries\/developer/,
    },
    {
      name: 'another boundary: refused, naming both',
      actual: 'arn:aws:iam::222222222222:policy/other',
      want: /has permission boundary arn:aws:iam::222222222222:policy\/other, but permissions_boundary requires/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problem = boundaryProblem({ ...grant, ...(c.required !== undefined ? { permissionsBoundary: c.required } : {}) }, c.actual);
      if (c.want) assert.match(problem ?? '', c.want);
      else assert.equal(problem, undefined);
    });
  }
  it('a role is told the role command', () => {
    assert.match(boundaryProblem({ ...grant, principalType: 'role', principal: 'ci' }, undefined)!, /put-role-permissions-boundary --role-name ci/);
  });
  it('grants carry the boundary of their environment, and plan refuses a principal without it', () => {
    const config = team({
      policies: { reader: policy([POWER_USER]) },
      permanent: [{ users: ['alice'], environments: ['prod', 'nonprod'], grants: ['reader'] }],
      settings: { permissionsBoundary: { byEnvironment: { prod: boundary } } },
    });
    const expansion = expandTeam(config, Date.now());
    const prod = expansion.grants.find((g) => g.environment === 'prod')!;
    const nonprod = expansion.grants.find((g) => g.environment === 'nonprod')!;
    assert.equal(prod.permissionsBoundary, boundary);
    assert.equal(nonprod.permissionsBoundary, undefined);
    const live = (state: { boundary?: string | null }) => ({
      ledger: new Map(),
      iam: {
        [`${ACCOUNTS.prod}/user/alice`]: { exists: true, attached: [], inline: [], ...state },
        [`${ACCOUNTS.nonprod}/user/alice`]: { exists: true, attached: [], inline: [] },
      },
    });
    const refused = planTeam(expansion, live({ boundary: null }), { nowMs: Date.now(), maxTemporaryDays: 6 });
    assert.match(refused.find((e) => e.id === prod.id)!.problem ?? '', /user alice in prod \(222222222222\) has no permission boundary/);
    assert.equal(refused.find((e) => e.id === nonprod.id)!.problem, undefined);
    const fine = planTeam(expansion, live({ boundary }), { nowMs: Date.now(), maxTemporaryDays: 6 });
    assert.equal(fine.find((e) => e.id === prod.id)!.problem, undefined);
  });
  it('deployer-policy conditions the calls that grant on the boundaries, and only those (revoking calls never)', () => {
    type Statement = { Sid: string; Effect: string; Action: string[]; Condition?: Record<string, unknown> };
    const plain = deployerPolicies({ partition: 'aws', roleName: 'r', trustedPrincipal: 'arn:aws:iam::999999999999:root' }).permissions as {
      Statement: Statement[];
    };
    const bounded = deployerPolicies({
      partition: 'aws',
      roleName: 'r',
      trustedPrincipal: 'arn:aws:iam::999999999999:root',
      boundaries: boundaryArns({ permissionsBoundary: { byEnvironment: { prod: boundary, audit: boundary, nonprod: 'arn:aws:iam::111111111111:policy/b' } } }),
    }).permissions as typeof plain;
    const onBoundary = (s: Statement) => s.Condition !== undefined && 'StringEquals' in s.Condition;
    assert.deepEqual(plain.Statement.filter(onBoundary), []);
    const conditioned = bounded.Statement.filter(onBoundary);
    assert.deepEqual(
      conditioned.map((s) => s.Sid),
      ['GrantOnPrincipals'],
    );
    assert.deepEqual(conditioned[0]!.Action, ['iam:AttachRolePolicy', 'iam:AttachUserPolicy', 'iam:PutUserPolicy']);
    assert.deepEqual(conditioned[0]!.Condition, { StringEquals: { 'iam:PermissionsBoundary': ['arn:aws:iam::111111111111:policy/b', boundary] } });
    const revoking = bounded.Statement.find((s) => s.Sid === 'RevokeOnPrincipals')!;
    assert.deepEqual(revoking.Action, ['iam:DeleteRolePolicy', 'iam:DeleteUserPolicy', 'iam:DetachRolePolicy', 'iam:DetachUserPolicy']);
    assert.equal(revoking.Condition, undefined, 'revoking is never conditioned on the boundary');
    // Apart from the boundary condition, the two policies are the same.
    const withoutBoundary = (s: Statement) => (onBoundary(s) ? { ...s, Condition: undefined } : s);
    assert.deepEqual(JSON.parse(JSON.stringify(bounded.Statement.map(withoutBoundary))), JSON.parse(JSON.stringify(plain.Statement)));
  });
});
