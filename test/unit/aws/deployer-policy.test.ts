// The deployer policy judged by an independent IAM policy evaluator: it allows every call grantflow
// sends on ordinary principals, only grantflow's own tags, granting calls only on bounded principals
// (when a boundary is required) and revoking calls always, and nothing on the deployer role itself.
import assert from 'node:assert/strict';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { deployerActions, deployerPolicies, identityCenterActions, identityCenterPolicies } from '../../../src/aws/deployer-policy';
import { markerKey } from '../../../src/aws/ownership-marks';
import { IAM_OPERATIONS, IDENTITY_STORE_OPERATIONS, SSO_ADMIN_OPERATIONS, type IamOperation } from '../../../src/aws/operations';

const ACCOUNT = '111111111111';
const ROLE = 'AWSSelfServeDeployer';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/boundaries/developer`;
const USER = `arn:aws:iam::${ACCOUNT}:user/bob`;
const OTHER_ROLE = `arn:aws:iam::${ACCOUNT}:role/deployer-ci`;
const OWN_ROLE = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;
const MARK = markerKey(READ_ONLY);

type Context = Record<string, string | string[]>;

const policiesWith = (boundaries?: string[]) =>
  deployerPolicies({ partition: 'aws', roleName: ROLE, trustedPrincipal: 'arn:aws:iam::999999999999:root', ...(boundaries ? { boundaries } : {}) })
    .permissions as { Statement: { Sid: string; Effect: string; Action: string[]; Condition?: unknown }[] };

/** The evaluator's answer for the deployer role sending `action` on `resource`. */
async function judge(permissions: object, action: string, resource: string, context: Context = {}): Promise<string> {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'deployer', policy: permissions }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:role/${ROLE}`,
        resource: { accountId: ACCOUNT, resource },
        contextVariables: context,
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`the evaluator refused ${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

/** A call grantflow sends, on an ordinary principal (or its own policies), with the context AWS gives it. */
function ordinaryCalls(op: IamOperation): { resource: string; context: Context }[] {
  switch (op) {
    case 'GetPolicy':
    case 'GetPolicyVersion':
      return [
        { resource: `arn:aws:iam::${ACCOUNT}:policy/grantflow/test-team/grantflow.test-team.reader`, context: {} },
        { resource: READ_ONLY, context: {} },
      ];
    case 'CreatePolicy':
    case 'ListPolicyVersions':
    case 'CreatePolicyVersion':
    case 'DeletePolicyVersion':
    case 'DeletePolicy':
    case 'ListEntitiesForPolicy':
      return [{ resource: `arn:aws:iam::${ACCOUNT}:policy/grantflow/test-team/grantflow.test-team.reader`, context: {} }];
    case 'AttachUserPolicy':
    case 'DetachUserPolicy':
      return [{ resource: USER, context: { 'iam:PolicyARN': READ_ONLY } }];
    case 'AttachRolePolicy':
    case 'DetachRolePolicy':
      return [{ resource: OTHER_ROLE, context: { 'iam:PolicyARN': READ_ONLY } }];
    case 'TagUser':
    case 'UntagUser':
      return [{ resource: USER, context: { 'aws:TagKeys': [MARK] } }];
    case 'TagRole':
    case 'UntagRole':
      return [{ resource: OTHER_ROLE, context: { 'aws:TagKeys': [MARK] } }];
    case 'GetUser':
    case 'ListUserTags':
    case 'ListUserPolicies':
    case 'GetUserPolicy':
    case 'PutUserPolicy':
    case 'DeleteUserPolicy':
    case 'ListAttachedUserPolicies':
      return [{ resource: USER, context: {} }];
    case 'GetRole':
    case 'ListRoleTags':
    case 'ListAttachedRolePolicies':
    case 'GetRolePolicy':
    case 'DeleteRolePolicy':
      return [{ resource: OTHER_ROLE, context: {} }];
    case 'GetAccountSummary':
    case 'ListPolicies':
    case 'GetAccountAuthorizationDetails':
      return [{ resource: '*', context: {} }];
  }
}

describe('deployer-policy, judged by an IAM policy evaluator', function () {
  it('allows every call grantflow sends on ordinary principals and its own policies, with and without a boundary', async () => {
    for (const [permissions, context] of [
      [policiesWith(), {}],
      [policiesWith([BOUNDARY]), { 'iam:PermissionsBoundary': BOUNDARY }],
    ] as const) {
      for (const op of IAM_OPERATIONS) {
        for (const call of ordinaryCalls(op)) {
          assert.equal(await judge(permissions, `iam:${op}`, call.resource, { ...context, ...call.context }), 'Allowed', `iam:${op} on ${call.resource}`);
        }
      }
      // CreatePolicy with tags: AWS checks TagPolicy on the new policy too.
      const policyArn = `arn:aws:iam::${ACCOUNT}:policy/grantflow/test-team/grantflow.test-team.reader`;
      assert.equal(await judge(permissions, 'iam:TagPolicy', policyArn, { 'aws:TagKeys': ['managed-by', 'grantflow:team'] }), 'Allowed');
    }
    assert.equal(new Set(deployerActions()).size, IAM_OPERATIONS.length + 1, 'every operation (and TagPolicy) was judged above');
  });

  it('denies the deployer role any change to itself: attaching AdministratorAccess, policies, tags, at any path', async () => {
    for (const permissions of [policiesWith(), policiesWith([BOUNDARY])]) {
      for (const own of [OWN_ROLE, `arn:aws:iam::${ACCOUNT}:role/ops/${ROLE}`, `arn:aws:iam::222222222222:role/a/b/${ROLE}`]) {
        const denied = async (action: string, context: Context) =>
          assert.equal(await judge(permissions, action, own, { 'iam:PermissionsBoundary': BOUNDARY, ...context }), 'ExplicitlyDenied', `${action} on ${own}`);
        await denied('iam:AttachRolePolicy', { 'iam:PolicyARN': ADMIN });
        await denied('iam:DetachRolePolicy', { 'iam:PolicyARN': READ_ONLY });
        await denied('iam:PutRolePolicy', {});
        await denied('iam:DeleteRolePolicy', {});
        await denied('iam:TagRole', { 'aws:TagKeys': [MARK] });
        await denied('iam:UntagRole', { 'aws:TagKeys': [MARK] });
      }
      // The same calls on another role of the account stay allowed; a role whose name merely contains the deployer's is another role.
      for (const other of [OTHER_ROLE, `arn:aws:iam::${ACCOUNT}:role/${ROLE}-ci`, `arn:aws:iam::${ACCOUNT}:role/x${ROLE}`]) {
        const context = { 'iam:PermissionsBoundary': BOUNDARY, 'iam:PolicyARN': ADMIN };
        assert.equal(await judge(permissions, 'iam:AttachRolePolicy', other, context), 'Allowed', `AttachRolePolicy on ${other}`);
        assert.equal(await judge(permissions, 'iam:TagRole', other, { 'aws:TagKeys': [MARK] }), 'Allowed', `TagRole on ${other}`);
      }
    }
  });

  it("sets and removes only grantflow's ownership marks on principals", async () => {
    const permissions = policiesWith();
    for (const [action, resource] of [
      ['iam:TagUser', USER],
      ['iam:UntagUser', USER],
      ['iam:TagRole', OTHER_ROLE],
      ['iam:UntagRole', OTHER_ROLE],
    ] as const) {
      assert.equal(await judge(permissions, action, resource, { 'aws:TagKeys': [MARK] }), 'Allowed', `${action} with grantflow's mark`);
      assert.equal(await judge(permissions, action, resource, { 'aws:TagKeys': [MARK, markerKey(ADMIN)] }), 'Allowed', `${action} with two marks`);
      for (const keys of [['owner'], [MARK, 'owner'], ['grantflow:team'], ['Grantflow:attached:x'], ['aws:x']]) {
        assert.equal(await judge(permissions, action, resource, { 'aws:TagKeys': keys }), 'ImplicitlyDenied', `${action} with ${keys.join(', ')}`);
      }
    }
  });

  it('with a boundary required, denies attach and put on a principal without it, and still allows detach and delete', async () => {
    const permissions = policiesWith([BOUNDARY]);
    for (const boundary of [undefined, `arn:aws:iam::${ACCOUNT}:policy/other`]) {
      const context: Context = boundary ? { 'iam:PermissionsBoundary': boundary } : {};
      for (const [action, resource] of [
        ['iam:AttachUserPolicy', USER],
        ['iam:AttachRolePolicy', OTHER_ROLE],
        ['iam:PutUserPolicy', USER],
      ] as const) {
        assert.equal(
          await judge(permissions, action, resource, { ...context, 'iam:PolicyARN': READ_ONLY }),
          'ImplicitlyDenied',
          `${action}, boundary ${boundary}`,
        );
      }
      for (const [action, resource] of [
        ['iam:DetachUserPolicy', USER],
        ['iam:DetachRolePolicy', OTHER_ROLE],
        ['iam:DeleteUserPolicy', USER],
        ['iam:DeleteRolePolicy', OTHER_ROLE],
      ] as const) {
        assert.equal(await judge(permissions, action, resource, { ...context, 'iam:PolicyARN': READ_ONLY }), 'Allowed', `${action}, boundary ${boundary}`);
      }
    }
    const conditioned = permissions.Statement.filter((s) => JSON.stringify(s.Condition ?? {}).includes('iam:PermissionsBoundary'));
    assert.deepEqual(
      conditioned.flatMap((s) => s.Action),
      ['iam:AttachRolePolicy', 'iam:AttachUserPolicy', 'iam:PutUserPolicy'],
      'only the granting calls carry the boundary condition',
    );
  });
});

describe('the IAM Identity Center role policy, derived from the calls grantflow sends there', function () {
  const settings = {
    instanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
    identityStoreId: 'd-1234567890',
    region: 'us-east-1',
    account: '333333333333',
    roleName: 'GrantflowIdentityCenter',
    sessionDuration: 'PT1H',
    managementAccount: '444444444444',
    allowManagementAccount: false,
    callsPerSecond: 20,
    maxCreationsInFlight: 10,
  };
  const statements = (allow = false) =>
    (
      identityCenterPolicies({ settings: { ...settings, allowManagementAccount: allow }, trustedPrincipal: 'arn:aws:iam::999999999999:root' }).permissions as {
        Statement: { Sid: string; Action: string[]; Resource: string | string[] }[];
      }
    ).Statement;

  it('allows exactly the sso and identitystore operations of the list (and the tagging a create with tags needs), nothing else', () => {
    const allowed = statements()
      .flatMap((s) => s.Action)
      .sort();
    assert.deepEqual(allowed, identityCenterActions().sort());
    assert.deepEqual(
      [...SSO_ADMIN_OPERATIONS.map((op) => `sso:${op}`), 'sso:TagResource', ...IDENTITY_STORE_OPERATIONS.map((op) => `identitystore:${op}`)].sort(),
      allowed,
    );
  });

  it('acts on the worker instance, its permission sets and its identity store only', () => {
    const resources = statements().flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    assert.deepEqual(resources, [
      '*',
      settings.instanceArn,
      'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/*',
      'arn:aws:sso:::account/*',
      'arn:aws:identitystore::333333333333:identitystore/d-1234567890',
      'arn:aws:identitystore:::user/*',
      'arn:aws:identitystore:::group/*',
    ]);
    assert.deepEqual(
      statements()
        .filter((s) => s.Resource === '*')
        .flatMap((s) => s.Action),
      ['sso:ListInstances'],
      'only the listing of instances is account-wide',
    );
  });

  it('adds what provisioning in the management account needs only where the worker may assign there', () => {
    assert.ok(!statements(false).some((s) => s.Sid.includes('ManagementAccount')));
    const management = statements(true).filter((s) => s.Sid.includes('ManagementAccount'));
    assert.deepEqual(
      management.map((s) => s.Resource),
      ['arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*', 'arn:aws:iam::444444444444:saml-provider/AWSSSO_*'],
    );
  });
});
