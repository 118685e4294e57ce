// The worker's guardrails: what a team's config may not ask for, each refusal naming the guardrail,
// the setting and the fix; and the worker configuration file they are read from.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_GUARDRAILS, guardrailProblems, type Guardrails } from '../../src/core/guardrails';
import { loadWorkerConfig } from '../../src/config/worker-config';
import { ACCOUNTS, policy, READ_ONLY, team } from '../harness/team';
import type { Settings } from '../../src/core/team-config';

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

describe("guardrails: the worker's configuration file", function () {
  const write = (text: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'grantflow-worker-config-')), 'worker.yaml');
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads trusted submitters, the submission age and every guardrail', () => {
    const { config, diagnostics } = loadWorkerConfig(
      write(
        [
          'trusted_submitters:',
          '  - name: github-ci',
          '    public_key: ssh-ed25519 AAAA',
          'submission_max_age: 30m',
          'guardrails:',
          '  max_temporary_days: 3',
          '  require_mfa: [prod, "222222222222"]',
          `  permissions_boundary: {prod: "${BOUNDARY}"}`,
          '  temporary_managed_policies: copy',
          '  deployer_role: GrantflowDeployer',
          '  deployer_external_id: x-1',
          '  team_accounts:',
          '    payments: ["222222222222", "111111111111"]',
        ].join('\n'),
      ),
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      config.trustedSubmitters.map((s) => [s.name, s.publicKey, s.at.line]),
      [['github-ci', 'ssh-ed25519 AAAA', 3]],
    );
    assert.equal(config.submissionMaxAgeMs, 30 * 60_000);
    assert.deepEqual(config.guardrails, {
      maxTemporaryDays: 3,
      requireMfa: ['222222222222', 'prod'],
      permissionsBoundary: { byScope: { prod: BOUNDARY } },
      temporaryManagedPolicies: 'copy',
      deployerRole: 'GrantflowDeployer',
      deployerExternalId: 'x-1',
      teamAccounts: { payments: ['111111111111', '222222222222'] },
    });
  });

  const bad: [string, string, number, RegExp][] = [
    [
      'a boundary that is not a policy ARN',
      'guardrails:\n  permissions_boundary: arn:aws:iam::111111111111:role/x\n',
      2,
      /permissions_boundary: .*is not a managed policy ARN/,
    ],
    ['a submission age out of range', 'submission_max_age: 2s\n', 1, /submission_max_age must be a duration between 1m and 7d/],
    ['an account id that is not 12 digits', 'guardrails:\n  team_accounts:\n    payments: ["1234"]\n', 3, /exactly 12 digits/],
    ['a key it does not know (a typo must not drop a guardrail)', 'guardrails:\n  require_mfa_in: [prod]\n', 2, /require_mfa_in/],
    ['temporary_managed_policies other than copy (the only floor)', 'guardrails:\n  temporary_managed_policies: attach\n', 2, /copy/],
    ['two trusted submitters of one name', 'trusted_submitters:\n  - {name: ci, public_key: a}\n  - {name: ci, public_key: b}\n', 3, /listed twice/],
  ];
  for (const [what, text, line, message] of bad) {
    it(`refuses ${what}, at its line`, () => {
      const { diagnostics } = loadWorkerConfig(write(text));
      assert.ok(diagnostics.length > 0, 'a diagnostic');
      assert.equal(diagnostics[0]!.line, line);
      assert.match(diagnostics[0]!.message, message);
    });
  }

  it('names the file when it cannot be read', () => {
    const { diagnostics } = loadWorkerConfig('/nonexistent/worker.yaml');
    assert.match(diagnostics[0]!.message, /cannot read the worker configuration/);
    assert.equal(diagnostics[0]!.file, '/nonexistent/worker.yaml');
  });
});
