// Table-driven tests of the pure rules behind expiring copies of managed policies, MFA and
// permission boundaries: condition merging, the copy's document, its name, copy versus attach, and
// the settings that choose them.
import assert from 'node:assert/strict';
import { findAwsManagedPolicy } from '../../src/core/aws-managed-policies';
import { conditionAllows, LIMITS, mergeConditions, policySize, renderExpiringCopy } from '../../src/core/documents';
import { expandTeam } from '../../src/core/expand';
import { attachedArns, expiryParts, grantShape, notCopied, releasedBy, revokeTarget, unconditionedParts } from '../../src/core/grant-derived';
import { boundaryArns, boundaryFor, boundaryProblem, decideManagedParts } from '../../src/core/managed-copies';
import { planTeam } from '../../src/core/plan';
import { deployerPolicies } from '../../src/aws/deployer-policy';
import {
  COPY_PREFIX,
  copyPolicyName,
  IAM_POLICY_NAME_MAX,
  IAM_NAME_CHARS,
  parseCopyPolicyName,
  parseCustomPolicyName,
  parseInlinePolicyName,
} from '../../src/core/names';
import { resolveSettings } from '../../src/config/settings';
import { settingsFileSchema } from '../../src/config/schema';
import { ACCOUNTS, inHours, policy, READ_ONLY, team } from '../harness/team';
import { runCli } from '../harness/cli';
import { NOW, writeTeam } from '../harness/config-dir';

const EXPIRY = '2030-06-01T12:00:00Z';
const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

describe('expiring copies: conditions', function () {
  const cases: {
    name: string;
    own?: Record<string, Record<string, unknown>>;
    add: { expiresAt?: string; mfa?: boolean };
    want: Record<string, Record<string, unknown>>;
  }[] = [
    { name: 'adds the expiry to a statement without conditions', add: { expiresAt: EXPIRY }, want: { DateLessThan: { 'aws:CurrentTime': EXPIRY } } },
    {
      name: 'keeps a stricter own expiry',
      own: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
      add: { expiresAt: EXPIRY },
      want: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
    },
    {
      name: 'replaces a laxer own expiry',
      own: { DateLessThan: { 'aws:CurrentTime': '2031-01-01T00:00:00Z' } },
      add: { expiresAt: EXPIRY },
      want: { DateLessThan: { 'aws:CurrentTime': EXPIRY } },
    },
    {
      name: 'compares the latest of a list of own times (IAM ORs them)',
      own: { DateLessThan: { 'aws:CurrentTime': ['2029-01-01T00:00:00Z', '2031-01-01T00:00:00Z'] } },
      add: { expiresAt: EXPIRY },
      want: { DateLessThan: { 'aws:CurrentTime': EXPIRY } },
    },
    {
      name: 'keeps other keys of the same operator and other operators',
      own: { DateLessThan: { 'aws:EpochTime': 5 }, StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      add: { expiresAt: EXPIRY },
      want: { DateLessThan: { 'aws:EpochTime': 5, 'aws:CurrentTime': EXPIRY }, StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
    },
    { name: 'adds MFA', add: { mfa: true }, want: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
    {
      name: 'adds MFA beside an own Bool key',
      own: { Bool: { 'aws:SecureTransport': 'true' } },
      add: { expiresAt: EXPIRY, mfa: true },
      want: { Bool: { 'aws:SecureTransport': 'true', 'aws:MultiFactorAuthPresent': 'true' }, DateLessThan: { 'aws:CurrentTime': EXPIRY } },
    },
    {
      name: 'MFA wins over an own "false" (the stricter value)',
      own: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
      add: { mfa: true },
      want: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    },
    { name: 'adds nothing when nothing is asked', own: { StringLike: { 's3:prefix': 'a/*' } }, add: {}, want: { StringLike: { 's3:prefix': 'a/*' } } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(mergeConditions(c.own as never, c.add), c.want));
  }

  it('leaves statements untouched when there is nothing to add', () => {
    const statements = [{ Effect: 'Allow' as const, Action: ['s3:GetObject'], Resource: ['*'] }];
    assert.deepEqual(conditionAllows(statements, {}), statements);
  });
});

describe('expiring copies: the copy document', function () {
  const source = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      { Sid: 'Own', Effect: 'Allow', Action: 'iam:GetRole', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } },
      { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
    ],
  });
  it('conditions every Allow statement, leaves the Deny exactly as written, and keeps everything else as written', () => {
    const copy = JSON.parse(renderExpiringCopy(source, { expiresAt: EXPIRY, mfa: true })) as { Statement: Record<string, unknown>[] };
    const original = (JSON.parse(source) as { Statement: Record<string, unknown>[] }).Statement;
    assert.equal(copy.Statement.length, 3);
    copy.Statement.slice(0, 2).forEach((s, i) => {
      const { Condition, ...rest } = s;
      const { Condition: _own, ...originalRest } = original[i]!;
      assert.deepEqual(rest, originalRest);
      assert.equal((Condition as { Bool: Record<string, string> }).Bool['aws:MultiFactorAuthPresent'], 'true');
    });
    assert.deepEqual(
      copy.Statement.slice(0, 2).map((s) => (s.Condition as { DateLessThan: Record<string, string> }).DateLessThan['aws:CurrentTime']),
      [EXPIRY, '2030-01-01T00:00:00Z'],
    );
    assert.deepEqual(copy.Statement[2], original[2], 'the Deny takes no condition');
  });
  it('accepts a single statement written as an object', () => {
    const copy = JSON.parse(
      renderExpiringCopy(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }), { expiresAt: EXPIRY }),
    ) as { Statement: unknown[] };
    assert.equal(copy.Statement.length, 1);
  });
  for (const bad of ['{}', '{"Statement": []}', '{"Statement": [1]}', 'not json']) {
    it(`refuses ${bad}`, () => assert.throws(() => renderExpiringCopy(bad, { expiresAt: EXPIRY })));
  }
  it('grows by at most the overhead the decision assumes', () => {
    const known = findAwsManagedPolicy(POWER_USER)!;
    const [part] = decideManagedParts([POWER_USER], { mode: 'copy', conditions: { expiresAt: EXPIRY, mfa: true } });
    assert.equal(part!.mode, 'copy');
    const copy = renderExpiringCopy(source, { expiresAt: EXPIRY, mfa: true });
    const perStatement = (policySize(copy) - policySize(source)) / 3;
    const assumed = part!.mode === 'copy' ? (part!.estimatedSize - known.size) / known.statements : 0;
    assert.ok(perStatement <= assumed, `${perStatement} > ${assumed}`);
  });
});

describe('expiring copies: names', function () {
  const grantId = `grantflow/t/${ACCOUNTS.prod}/user/bob/dev.break-glass/until/${EXPIRY}`;
  const cases: [string, string, string, string][] = [
    ['t', grantId, POWER_USER, 'bob'],
    ['a'.repeat(64), grantId, 'arn:aws:iam::aws:policy/service-role/' + 'X'.repeat(128), 'b'.repeat(64)],
    ['team_1', grantId, 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess', 'first.last'],
  ];
  for (const [teamName, id, arn, principal] of cases) {
    it(`names the copy of ${arn.slice(-30)} for team ${teamName.slice(0, 10)} validly and reads it back`, () => {
      const name = copyPolicyName(teamName, id, arn, principal, EXPIRY);
      assert.ok(name.length <= IAM_POLICY_NAME_MAX, `${name.length}`);
      assert.match(name, IAM_NAME_CHARS);
      assert.ok(name.startsWith(COPY_PREFIX));
      assert.deepEqual(parseCopyPolicyName(name), { team: teamName, expiresAt: EXPIRY });
      assert.equal(parseCustomPolicyName(name), undefined, 'never taken for a team policy');
      assert.equal(parseInlinePolicyName(name), undefined);
    });
  }
  it('gives different names to different grants, sources and expiries, even when the readable part is cut', () => {
    const long = 'arn:aws:iam::aws:policy/' + 'X'.repeat(120);
    const names = new Set([
      copyPolicyName('t', grantId, POWER_USER, 'bob', EXPIRY),
      copyPolicyName('t', grantId.replace('bob', 'alice'), POWER_USER, 'alice', EXPIRY),
      copyPolicyName('t', grantId, ADMIN, 'bob', EXPIRY),
      copyPolicyName('t', grantId.replace(EXPIRY, '2030-06-02T12:00:00Z'), POWER_USER, 'bob', '2030-06-02T12:00:00Z'),
      copyPolicyName('t', grantId, long, 'bob', EXPIRY),
      copyPolicyName('t', grantId, `${long}Y`, 'bob', EXPIRY),
    ]);
    assert.equal(names.size, 6);
  });
  it('is not taken for a copy when it is a team policy or a legacy name', () => {
    for (const name of ['grantflow.t.p', 't-p', 'grantflow.copy.20300601T120000Z.0123456789abcdef']) assert.equal(parseCopyPolicyName(name), undefined, name);
  });
});

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

describe('expiring copies: grants', function () {
  const expiresAt = inHours(24);
  const config = (settings = {}) =>
    team({
      policies: { 'break-glass': policy([POWER_USER, READ_ONLY], ['s3:ListBucket']) },
      permanent: [{ users: ['alice@example.com'], environments: ['prod'], grants: ['break-glass'] }],
      temporary: [{ user: 'bob@example.com', environment: 'prod', grant: 'break-glass', expiresAt }],
      settings,
    });
  const temporary = (settings = {}) => expandTeam(config(settings), Date.now()).grants.find((g) => g.kind === 'temporary')!;

  it('a temporary grant copies what fits and attaches the rest, saying which parts AWS expires', () => {
    const grant = temporary();
    assert.deepEqual(
      grant.expiringCopies?.map((c) => c.sourceArn),
      [POWER_USER],
    );
    assert.deepEqual(grant.managedPolicyArns, [READ_ONLY]);
    const copy = grant.expiringCopies![0]!;
    assert.equal(copy.arn, `arn:aws:iam::${ACCOUNTS.prod}:policy/grantflow/test-team/${copy.name}`);
    const parts = expiryParts(grant);
    assert.deepEqual(parts.awsExpires, [`inline ${grant.inlinePolicy!.name}`, `${POWER_USER} as expiring copy ${copy.name}`]);
    assert.deepEqual(parts.workflowExpires, [READ_ONLY]);
    assert.equal(notCopied(grant).length, 1);
    assert.match(notCopied(grant)[0]!.reason, /a copy would be up to \d+ characters, over IAM's 6144/);
    assert.deepEqual(attachedArns(grant), [copy.arn, READ_ONLY]);
    assert.deepEqual(revokeTarget(grant).copyArns, [copy.arn]);
    assert.ok(revokeTarget(grant).arns.includes(POWER_USER), 'the source is released too, if it had to be attached instead');
  });
  it("attachedArns (the grant's memo: what other grants' revokes and the sweep count as held) includes each policy the spec says is attached as is", () => {
    const grant = temporary();
    assert.deepEqual(
      notCopied(grant).map((p) => p.arn),
      [READ_ONLY],
    );
    assert.ok(attachedArns(grant).includes(READ_ONLY), 'the original attached instead of a copy is held');
    assert.equal(attachedArns(grant).filter((arn) => arn === READ_ONLY).length, 1, 'once');
    // Whatever built the spec: one that lists the original only under attachedAsIs holds it too.
    const onlyAsIs = { ...grant, managedPolicyArns: [] };
    assert.deepEqual(attachedArns(onlyAsIs), [grant.expiringCopies![0]!.arn, READ_ONLY]);
    assert.ok(revokeTarget(onlyAsIs).arns.includes(READ_ONLY));
  });
  it("the grant's own revoke carries its record of what it attached, empty until its applies add to it", () => {
    const grant = temporary();
    assert.deepEqual(revokeTarget(grant).ownedArns, []);
    const released = releasedBy(temporary({ temporaryManagedPolicies: 'attach' }), grant);
    assert.equal(released?.ownedArns, undefined, 'a release of a previous spec has no record: the marks decide');
  });
  it('temporary_managed_policies: attach attaches everything as before', () => {
    const grant = temporary({ temporaryManagedPolicies: 'attach' });
    assert.equal(grant.expiringCopies, undefined);
    assert.deepEqual(grant.managedPolicyArns, [POWER_USER, READ_ONLY]);
  });
  it('require_mfa conditions the inline policy and the team policy of that environment, and names what it cannot condition', () => {
    const expansion = expandTeam(config({ requireMfa: ['prod'] }), Date.now());
    const grant = expansion.grants.find((g) => g.kind === 'temporary')!;
    assert.equal(grant.mfa, true);
    assert.match(grant.inlinePolicy!.document, /"Bool":\{"aws:MultiFactorAuthPresent":"true"\}/);
    assert.deepEqual(unconditionedParts(grant), [READ_ONLY]);
    const prodPolicy = expansion.policies.find((p) => p.account === ACCOUNTS.prod)!;
    assert.match(prodPolicy.document, /aws:MultiFactorAuthPresent/);
    assert.notEqual(grantShape(grant), grantShape(temporary()), 'a running grant takes the MFA condition');
  });
  it('another environment is not affected by require_mfa', () => {
    const grant = temporary({ requireMfa: ['nonprod'] });
    assert.equal(grant.mfa, undefined);
    assert.doesNotMatch(grant.inlinePolicy!.document, /MultiFactorAuthPresent/);
  });
  it('moving from attach to copy releases the original and nothing of the copy', () => {
    const released = releasedBy(temporary({ temporaryManagedPolicies: 'attach' }), temporary());
    assert.deepEqual(released?.arns, [POWER_USER]);
    assert.equal(released?.copyArns, undefined);
    assert.equal(releasedBy(temporary(), { ...temporary(), revokeMaxBackoffMs: 1 }), undefined, 'a source both copy stays');
    const back = releasedBy(temporary(), temporary({ temporaryManagedPolicies: 'attach' }));
    assert.deepEqual(back?.copyArns, [temporary().expiringCopies![0]!.arn]);
  });
});

describe('expiring copies: settings', function () {
  const at = () => ({ file: 'grantflow.yaml', line: 1, col: 1 });
  const resolve = (yaml: Record<string, unknown>, env: Record<string, string> = {}) => resolveSettings(settingsFileSchema.parse(yaml), env, at);
  it('defaults to copies, no MFA and no boundary', () => {
    const { settings, diagnostics } = resolve({});
    assert.deepEqual(diagnostics, []);
    assert.equal(settings.temporaryManagedPolicies, undefined);
    assert.equal(settings.requireMfa, undefined);
    assert.equal(boundaryFor(settings, 'prod'), undefined);
  });
  const boundary = 'arn:aws:iam::123456789012:policy/boundaries/developer';
  const cases: { name: string; yaml: Record<string, unknown>; env?: Record<string, string>; check: (s: ReturnType<typeof resolve>) => void }[] = [
    {
      name: 'temporary_managed_policies: attach',
      yaml: { temporary_managed_policies: 'attach' },
      check: (r) => assert.equal(r.settings.temporaryManagedPolicies, 'attach'),
    },
    {
      name: 'GRANTFLOW_TEMPORARY_MANAGED_POLICIES overrides the file',
      yaml: { temporary_managed_policies: 'attach' },
      env: { GRANTFLOW_TEMPORARY_MANAGED_POLICIES: 'copy' },
      check: (r) => assert.equal(r.settings.temporaryManagedPolicies, 'copy'),
    },
    {
      name: 'a bad GRANTFLOW_TEMPORARY_MANAGED_POLICIES is an error naming the variable',
      yaml: {},
      env: { GRANTFLOW_TEMPORARY_MANAGED_POLICIES: 'both' },
      check: (r) => {
        assert.equal(r.diagnostics.length, 1);
        assert.equal(r.diagnostics[0]!.file, 'env:GRANTFLOW_TEMPORARY_MANAGED_POLICIES');
        assert.match(r.diagnostics[0]!.message, /copy or attach/);
      },
    },
    {
      name: 'require_mfa lists environments',
      yaml: { require_mfa: ['prod', 'prod', 'audit'] },
      check: (r) => assert.deepEqual(r.settings.requireMfa, ['audit', 'prod']),
    },
    {
      name: 'permissions_boundary for every environment',
      yaml: { permissions_boundary: boundary },
      check: (r) => {
        assert.equal(boundaryFor(r.settings, 'prod'), boundary);
        assert.equal(boundaryFor(r.settings, 'anything'), boundary);
      },
    },
    {
      name: 'permissions_boundary by environment',
      yaml: { permissions_boundary: { prod: boundary } },
      check: (r) => {
        assert.equal(boundaryFor(r.settings, 'prod'), boundary);
        assert.equal(boundaryFor(r.settings, 'nonprod'), undefined);
        assert.equal(boundaryFor(r.settings, 'constructor'), undefined);
      },
    },
    {
      name: 'a permissions_boundary that is no policy ARN is an error',
      yaml: { permissions_boundary: { prod: 'developer-boundary' } },
      check: (r) => {
        assert.equal(r.settings.permissionsBoundary, undefined);
        assert.match(r.diagnostics[0]!.message, /permissions_boundary for prod: "developer-boundary" is not a managed policy ARN/);
      },
    },
  ];
  for (const c of cases) it(c.name, () => c.check(resolve(c.yaml, c.env)));
  it('refuses an unknown value of temporary_managed_policies in the file', () => {
    assert.equal(settingsFileSchema.safeParse({ temporary_managed_policies: 'sometimes' }).success, false);
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
    assert.deepEqual(revoking.Action, ['iam:DeleteUserPolicy', 'iam:DetachRolePolicy', 'iam:DetachUserPolicy']);
    assert.equal(revoking.Condition, undefined, 'revoking is never conditioned on the boundary');
    // Apart from the boundary condition, the two policies are the same.
    const withoutBoundary = (s: Statement) => (onBoundary(s) ? { ...s, Condition: undefined } : s);
    assert.deepEqual(JSON.parse(JSON.stringify(bounded.Statement.map(withoutBoundary))), JSON.parse(JSON.stringify(plain.Statement)));
  });
});

describe('validate says offline which managed policies AWS expires', function () {
  const policies = `aws-policies:
  breakglass:
    description: "Break glass"
    managed_policies:
      - "arn:aws:iam::aws:policy/PowerUserAccess"
      - "arn:aws:iam::aws:policy/ReadOnlyAccess"
`;
  const temporary = `temporary-access:
  - description: Incident
    user: bob@example.com
    environment: prod
    grant: breakglass
    expiration_date: 2026-06-03
`;
  it('lists the expiring copy under awsExpires and the oversized policy under workflowExpires, with the reason, and warns where MFA cannot apply', async () => {
    const dir = writeTeam({
      'aws-policies': policies,
      'temporary-access': temporary,
      'permanent-access': 'permanent-access: []\n',
      grantflow: 'require_mfa: [prod]\n',
    });
    const json = await runCli(['validate', 'team', '--config', dir, '--now', NOW, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const grant = (
      JSON.parse(json.stdout) as {
        grants: { awsExpires: string[]; workflowExpires: string[]; notCopied?: { arn: string; reason: string }[]; withoutMfa?: string[] }[];
      }
    ).grants[0]!;
    assert.equal(grant.awsExpires.length, 1);
    assert.match(
      grant.awsExpires[0]!,
      /^arn:aws:iam::aws:policy\/PowerUserAccess as expiring copy grantflow\+copy\.team\.20260603T235959Z\.[0-9a-f]{16}\.bob\.PowerUserAccess$/,
    );
    assert.deepEqual(grant.workflowExpires, [READ_ONLY]);
    assert.match(grant.notCopied![0]!.reason, /over IAM's 6144/);
    assert.deepEqual(grant.withoutMfa, [READ_ONLY]);
    const text = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /note: user\/bob breakglass in prod: arn:aws:iam::aws:policy\/ReadOnlyAccess is attached as is, so only the workflow expires it \(a copy would be up to \d+ characters/,
    );
    assert.match(text.stdout, /warning: user\/bob breakglass in prod requires MFA, but arn:aws:iam::aws:policy\/ReadOnlyAccess is attached as is/);
  });
});
