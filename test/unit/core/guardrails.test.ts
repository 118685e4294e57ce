// The worker's guardrails: what a team's config may not ask for, each refusal naming the guardrail,
// the setting and the fix. The file they are read from: test/unit/config/worker-config.test.ts.
import assert from 'node:assert/strict';
import { DEFAULT_GUARDRAILS, guardrailProblems, type Guardrails } from '../../../src/core/guardrails';
import type { Settings } from '../../../src/core/team-config';
import { ACCOUNTS, policy, READ_ONLY, team } from '../../harness/team';

const BOUNDARY = 'arn:aws:iam::111111111111:policy/Boundary';
const OTHER_BOUNDARY = 'arn:aws:iam::111111111111:policy/Looser';

function config(settings: Partial<Settings> = {}, accounts: Record<string, string> = { ...ACCOUNTS }) {
  return team({ name: 'payments', policies: { reader: policy([READ_ONLY]) }, accounts, settings });
}

describe('guardrails: what a submission may not ask for', function () {
  const cases: { name: string; guardrails: Partial<Guardrails>; settings?: Partial<Settings>; accounts?: Record<string, string>; want: RegExp[] }[] = [
    { name: 'nothing, when the worker holds no guardrail but the ceiling', guardrails: {}, want: [] },
    {
      name: 'an environment the worker requires MFA in, left out of require_mfa (by environment name)',
      guardrails: { requireMfa: ['prod'] },
      settings: { requireMfa: ['nonprod'] },
      want: [/require_mfa: the worker requires MFA in environment prod \(account 222222222222\); add prod to require_mfa/],
    },
    {
      name: 'an account the worker requires MFA in, whatever the team calls its environment',
      guardrails: { requireMfa: [ACCOUNTS.prod] },
      accounts: { nonprod: ACCOUNTS.nonprod, production: ACCOUNTS.prod },
      want: [/MFA in environment production \(account 222222222222\)/],
    },
    {
      name: 'nothing, when require_mfa names every environment the worker requires',
      guardrails: { requireMfa: ['prod'] },
      settings: { requireMfa: ['prod'] },
      want: [],
    },
    {
      name: 'no permission boundary where the worker requires one',
      guardrails: { permissionsBoundary: { all: BOUNDARY } },
      want: [/permissions_boundary: the worker requires boundary .*Boundary in environment nonprod .*name none/, /in environment prod/],
    },
    {
      name: 'another boundary than the one the worker requires for an environment',
      guardrails: { permissionsBoundary: { byScope: { prod: BOUNDARY } } },
      settings: { permissionsBoundary: { all: OTHER_BOUNDARY } },
      want: [/requires boundary .*Boundary in environment prod .*name .*Looser; set permissions_boundary to .*Boundary/],
    },
    {
      name: 'managed policies attached as they are where the worker requires expiring copies',
      guardrails: { temporaryManagedPolicies: 'copy' },
      settings: { temporaryManagedPolicies: 'attach' },
      want: [/temporary_managed_policies: the worker requires copy .* say attach/],
    },
    { name: 'nothing, when the team leaves temporary_managed_policies at its default (copy)', guardrails: { temporaryManagedPolicies: 'copy' }, want: [] },
    {
      name: 'another deployer role than the one the worker acts through',
      guardrails: { deployerRole: 'GrantflowDeployer' },
      want: [/deployer_role: the worker acts through role GrantflowDeployer, but the team's settings name AWSSelfServeDeployer/],
    },
    {
      name: 'nothing, when the deployer role differs only in case (IAM role names ignore case)',
      guardrails: { deployerRole: 'awsselfservedeployer' },
      want: [],
    },
    {
      name: 'another external id than the worker uses, without printing either',
      guardrails: { deployerExternalId: 'worker-secret-id' },
      settings: { deployerExternalId: 'team-id' },
      want: [/deployer_external_id: the team's settings give another; set it/],
    },
    {
      name: 'an account the worker gives to another team',
      guardrails: { teamAccounts: { payments: [ACCOUNTS.nonprod], ledger: [ACCOUNTS.prod] } },
      want: [/aws-accounts: environment prod names account 222222222222, which the worker gives to team ledger; team payments may manage 111111111111/],
    },
    {
      name: 'any account at all, for a team the worker gives none',
      guardrails: { teamAccounts: { ledger: [ACCOUNTS.prod] } },
      want: [
        /environment nonprod names account 111111111111, which the worker gives to no team; team payments may manage no account/,
        /which the worker gives to team ledger/,
      ],
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      const problems = guardrailProblems(config(c.settings, c.accounts), { ...DEFAULT_GUARDRAILS, ...c.guardrails });
      assert.equal(problems.length, c.want.length, problems.map((p) => p.message).join('\n'));
      c.want.forEach((want, i) => assert.match(problems[i]!.message, want));
      const secret = c.guardrails.deployerExternalId;
      if (secret) assert.ok(!problems.some((p) => p.message.includes(secret)), 'the external id is not printed');
    });
  }

  describe('IAM Identity Center grants', function () {
    const sso = (accounts: Record<string, string> = { ...ACCOUNTS }) =>
      team({
        name: 'payments',
        policies: { reader: policy([READ_ONLY]) },
        accounts,
        permanent: [
          { users: ['alice'], environments: ['nonprod'], grants: ['reader'] },
          { ssoGroups: ['Payments Admins'], environments: ['prod'], grants: ['reader'] },
        ],
      });

    it('are refused by a worker whose configuration names no Identity Center instance, at the first entry that makes one', () => {
      const problems = guardrailProblems(sso(), DEFAULT_GUARDRAILS);
      assert.equal(problems.length, 1);
      assert.match(problems[0]!.message, /grants to IAM Identity Center users or groups, but the worker's configuration has no identity_center/);
      assert.deepEqual(problems[0]!.where, { file: 'permanent-access', key: '1', path: ['permanent-access', 1] });
    });

    it('are refused in the management account unless the worker allows it', () => {
      const guardrails = { ...DEFAULT_GUARDRAILS, identityCenter: { managementAccount: ACCOUNTS.prod, allowManagementAccount: false } };
      const problems = guardrailProblems(sso(), guardrails);
      assert.deepEqual(
        problems.map((p) => [p.guardrail, p.where]),
        [['identity_center.allow_management_account', { file: 'aws-accounts', key: 'prod' }]],
      );
      assert.match(
        problems[0]!.message,
        /environment prod is the organisation's management account 222222222222.*set identity_center.allow_management_account: true/,
      );
      assert.deepEqual(guardrailProblems(sso(), { ...guardrails, identityCenter: { ...guardrails.identityCenter, allowManagementAccount: true } }), []);
    });

    it('leave the management account alone when only IAM principals are granted there', () => {
      const guardrails = { ...DEFAULT_GUARDRAILS, identityCenter: { managementAccount: ACCOUNTS.nonprod, allowManagementAccount: false } };
      assert.deepEqual(guardrailProblems(sso(), guardrails), []);
    });
  });

  it('says where each problem is written: a setting of grantflow.yaml, or the environment in aws-accounts', () => {
    const problems = guardrailProblems(config({}), { ...DEFAULT_GUARDRAILS, requireMfa: ['prod'], teamAccounts: { payments: [ACCOUNTS.nonprod] } });
    assert.deepEqual(
      problems.map((p) => [p.guardrail, p.where]),
      [
        ['team_accounts', { file: 'aws-accounts', key: 'prod' }],
        ['require_mfa', { file: 'settings', key: 'require_mfa' }],
      ],
    );
  });
});
