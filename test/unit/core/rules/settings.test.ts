// What grantflow.yaml asks of each team, on hand-built configs: every environment require_mfa names
// is defined by some team of the config folder, and no permission boundary is one of grantflow's own
// policies.
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../../src/core/diagnostics';
import type { FolderContext } from '../../../../src/core/rules/context';
import { settingsRules } from '../../../../src/core/rules/settings';
import { DEFAULT_SETTINGS, type Settings, type TeamConfig } from '../../../../src/core/team-config';
import { ruleContext } from '../../../harness/rule-context';

/** Team `ops`, which defines nonprod and prod. */
function diagnosticsOf(settings: Partial<Settings>, options: { folder?: Omit<FolderContext, 'kinds'> } = {}): Diagnostic[] {
  const config = {
    team: 'ops',
    accounts: { nonprod: '111111111111', prod: '222222222222' },
    policies: {},
    permanent: [],
    temporary: [],
    settings: { ...DEFAULT_SETTINGS, ...settings },
  } as TeamConfig;
  return settingsRules(ruleContext(config, options.folder ? { ...options.folder, kinds: ['aws-accounts'] } : undefined));
}

describe('settings rules: the environments of require_mfa', function () {
  const cases: {
    name: string;
    requireMfa: string[];
    folder?: Omit<FolderContext, 'kinds'>;
    /** Each error: the environment, and what the message offers instead. */
    errors: [string, string][];
  }[] = [
    { name: "this team's environments", requireMfa: ['nonprod', 'prod'], errors: [] },
    {
      name: 'a typo, the team checked without its folder',
      requireMfa: ['prod', 'prdo'],
      errors: [['prdo', 'did you mean "prod"?']],
    },
    {
      name: 'a typo no team of the folder defines',
      requireMfa: ['prdo'],
      folder: { teams: ['ops', 'web'], environments: ['nonprod', 'prod', 'staging'] },
      errors: [['prdo', 'did you mean "prod"?']],
    },
    {
      name: 'an environment only another team of the folder defines (fine: it asks nothing of this team)',
      requireMfa: ['prod', 'staging'],
      folder: { teams: ['ops', 'web'], environments: ['nonprod', 'prod', 'staging'] },
      errors: [],
    },
    {
      name: 'an environment nothing near, listing what the folder defines',
      requireMfa: ['audit'],
      folder: { teams: ['ops', 'web'], environments: ['nonprod', 'prod', 'staging'] },
      errors: [['audit', 'defined environments: "nonprod", "prod", "staging"']],
    },
    {
      name: 'a name that differs only in case (environment names are exact)',
      requireMfa: ['Prod'],
      folder: { teams: ['ops'], environments: ['nonprod', 'prod'] },
      errors: [['Prod', 'did you mean "prod"?']],
    },
    {
      name: "the folder's environments unknown (an aws-accounts file unreadable): only this team's count, nothing is reported",
      requireMfa: ['prdo'],
      folder: { teams: ['ops', 'web'] },
      errors: [],
    },
    { name: 'no require_mfa', requireMfa: [], errors: [] },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.errors.length ? 'an error' : 'nothing'}`, () => {
      const found = diagnosticsOf({ requireMfa: c.requireMfa }, c.folder ? { folder: c.folder } : {});
      assert.deepEqual(
        found.map((d) => [d.severity, d.kind, d.file, d.message]),
        c.errors.map(([environment, hint]) => [
          'error',
          'unknown-mfa-environment',
          `grantflow:require_mfa/${environment}`,
          `require_mfa names environment "${environment}", which no team of this config folder defines in its aws-accounts file (${hint}); ` +
            'as written it makes no grant require MFA. Fix the name, or remove it',
        ]),
      );
    });
  }
});

describe("settings rules: a permission boundary is none of grantflow's own policies", function () {
  const tail =
    'a team could widen its own boundary by editing its policy in aws-policies. Name a boundary policy grantflow does not write: outside /grantflow/, and not named grantflow.… or grantflow+copy.…';
  const underPath = "it is under grantflow's path /grantflow/";
  const prefix = (p: string) => `its name starts with grantflow's prefix ${p}`;
  const cases: [string, string, string | undefined][] = [
    ['a boundary of its own', 'arn:aws:iam::111111111111:policy/boundaries/developer', undefined],
    ['an AWS managed policy', 'arn:aws:iam::aws:policy/PowerUserAccess', undefined],
    ["a team's customer-managed policy", 'arn:aws:iam::111111111111:policy/grantflow/ops/grantflow.ops.reader', underPath],
    ['a policy of the earlier T-P scheme', 'arn:aws:iam::111111111111:policy/grantflow/ops-reader', underPath],
    ['any policy under /grantflow/', 'arn:aws:iam::111111111111:policy/grantflow/boundary', underPath],
    ['the path in other capitals', 'arn:aws:iam::111111111111:policy/GrantFlow/boundary', underPath],
    ["a policy named like a team's, outside the path", 'arn:aws:iam::111111111111:policy/grantflow.ops.reader', prefix('grantflow.')],
    ['the prefix in capitals', 'arn:aws:iam::111111111111:policy/GRANTFLOW.ops.reader', prefix('grantflow.')],
    ['an expiring copy', 'arn:aws:iam::111111111111:policy/grantflow+copy.ops.20260101T000000Z.1386dc73a21a619e.bob.X', prefix('grantflow+copy.')],
    ['a name that only begins with the word', 'arn:aws:iam::111111111111:policy/grantflow-boundary', undefined],
    ['a path that only begins with the word', 'arn:aws:iam::111111111111:policy/grantflowish/boundary', undefined],
  ];
  for (const [name, arn, reason] of cases) {
    it(`${name}: ${reason ? 'an error' : 'nothing'}, for every environment and by environment`, () => {
      const all = diagnosticsOf({ permissionsBoundary: { all: arn } });
      const byEnvironment = diagnosticsOf({ permissionsBoundary: { byEnvironment: { nonprod: 'arn:aws:iam::111111111111:policy/b', prod: arn } } });
      assert.deepEqual(
        all.map((d) => [d.kind, d.file, d.message]),
        reason
          ? [
              [
                'grantflow-policy-boundary',
                'grantflow:permissions_boundary',
                `permissions_boundary: ${arn} is one of grantflow's own policies (${reason}); ${tail}`,
              ],
            ]
          : [],
      );
      assert.deepEqual(
        byEnvironment.map((d) => [d.kind, d.file, d.message]),
        reason
          ? [
              [
                'grantflow-policy-boundary',
                'grantflow:permissions_boundary/prod',
                `permissions_boundary for prod: ${arn} is one of grantflow's own policies (${reason}); ${tail}`,
              ],
            ]
          : [],
      );
    });
  }
});
