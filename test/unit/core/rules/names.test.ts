// Names IAM would refuse, on hand-built configs: environment names, policy names that differ only in
// case, names grown too long by the team prefix, and users written two ways.
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../../../src/core/diagnostics';
import { iamUserName } from '../../../../src/core/names';
import { nameRules } from '../../../../src/core/rules/names';
import type { FolderContext } from '../../../../src/core/rules/context';
import { DEFAULT_SETTINGS, type Settings, type TeamConfig } from '../../../../src/core/team-config';
import { ruleContext } from '../../../harness/rule-context';

interface Parts {
  accounts?: Record<string, string>;
  /** Policy name → how many custom statements it has. */
  policies?: [string, number][];
  permanent?: { index?: number; users?: [string, string][] }[];
  temporary?: { index?: number; user: [string, string] }[];
}

function diagnosticsOf(parts: Parts): Diagnostic[] {
  const config = {
    team: 't',
    accounts: parts.accounts ?? {},
    policies: Object.fromEntries((parts.policies ?? []).map(([name, n]) => [name, { statements: Array.from({ length: n }, () => ({ Effect: 'Allow' })) }])),
    permanent: (parts.permanent ?? []).map((e) => ({
      source: { index: e.index },
      users: (e.users ?? []).map(([written, name]) => ({ written, name })),
      roles: [],
    })),
    temporary: (parts.temporary ?? []).map((e) => ({ source: { index: e.index }, user: { written: e.user[0], name: e.user[1] } })),
  } as unknown as TeamConfig;
  const context = ruleContext(config);
  return nameRules(context);
}

const brief = (found: Diagnostic[]) => found.map((d) => `${d.severity} ${d.file}${d.col === 1 ? ' key' : ''}`);

describe('name rules: environments and policies', function () {
  it('refuses an environment name IAM tags and ids cannot carry, at its key', () => {
    const found = diagnosticsOf({ accounts: { prod: '1', 'pr od': '2' } });
    assert.deepEqual(brief(found), ['error aws-accounts:aws-accounts/pr od key']);
    assert.equal(found[0]!.message, 'environment name "pr od" may contain only letters, digits, _ . - (at most 64 characters)');
  });

  const caseClash =
    'policies "db" and "DB" differ only in letter case; IAM policy names ignore case, so their customer-managed policies would be one. Rename one of them';
  const cases: [string, [string, number][], string[]][] = [
    [
      'two policies with statements, one name but for case',
      [
        ['db', 1],
        ['DB', 2],
      ],
      [caseClash],
    ],
    [
      'the first without statements',
      [
        ['db', 0],
        ['DB', 1],
      ],
      [],
    ],
    [
      'the second without statements',
      [
        ['db', 1],
        ['DB', 0],
      ],
      [],
    ],
  ];
  for (const [name, policies, expected] of cases) {
    it(`${name}: ${expected.length ? 'an error' : 'nothing'}`, () => {
      const found = diagnosticsOf({ policies });
      assert.deepEqual(
        found.map((d) => d.message),
        expected,
      );
      if (expected.length) assert.deepEqual(brief(found), ['error aws-policies:aws-policies/DB key']);
    });
  }

  // The customer-managed policy is `grantflow.t.<name>` (12 + n characters); the inline policy of a temporary
  // grant adds `.<YYYYMMDDTHHMMSSZ>` (29 + n). IAM allows 128.
  const long = (n: number) => 'p'.repeat(n);
  const lengths: [string, [string, number][], string[]][] = [
    ['a 99-character policy: the inline name is exactly 128', [[long(99), 1]], []],
    [
      'a 100-character policy: the inline name is 129',
      [[long(100), 1]],
      [`a temporary grant of "${long(100)}" needs the inline policy name 129 characters long; IAM allows 128; shorten the policy name`],
    ],
    [
      'a 117-character policy: the customer-managed name is 129 too',
      [[long(117), 1]],
      [
        `customer-managed policy name "grantflow.t.${long(117)}" is 129 characters; IAM allows at most 128; shorten the policy name "${long(117)}"`,
        `a temporary grant of "${long(117)}" needs the inline policy name 146 characters long; IAM allows 128; shorten the policy name`,
      ],
    ],
    ['a 117-character policy with only managed policies', [[long(117), 0]], []],
    ['a 129-character policy: only its own name is reported', [[long(129), 1]], [`policy name "${long(129)}" is 129 characters; IAM allows at most 128`]],
  ];
  for (const [name, policies, expected] of lengths) {
    it(`${name}: ${expected.length} error(s)`, () =>
      assert.deepEqual(
        diagnosticsOf({ policies }).map((d) => d.message),
        expected,
      ));
  }
});

describe('name rules: users', function () {
  it('points at the user of each entry, by its source index when it has one', () => {
    const found = diagnosticsOf({
      permanent: [
        {
          index: 5,
          users: [
            ['ok@example.com', 'ok'],
            ['a b@example.com', 'a b'],
          ],
        },
        { users: [['c d', 'c d']] },
      ],
      temporary: [{ user: ['e f', 'e f'] }, { index: 7, user: ['g h@example.com', 'g h'] }],
    });
    assert.deepEqual(brief(found), [
      'error permanent-access:permanent-access/5/users/1',
      'error permanent-access:permanent-access/1/users/0',
      'error temporary-access:temporary-access/0/user',
      'error temporary-access:temporary-access/7/user',
    ]);
    assert.deepEqual(
      found.map((d) => d.message),
      [
        'IAM user name "a b" contains " "; IAM allows only letters, digits and + = , . @ _ - (from "a b@example.com", domain dropped); fix the name in YAML or create the user under a valid name',
        'IAM user name "c d" contains " "; IAM allows only letters, digits and + = , . @ _ -; fix the name in YAML or create the user under a valid name',
        'IAM user name "e f" contains " "; IAM allows only letters, digits and + = , . @ _ -; fix the name in YAML or create the user under a valid name',
        'IAM user name "g h" contains " "; IAM allows only letters, digits and + = , . @ _ - (from "g h@example.com", domain dropped); fix the name in YAML or create the user under a valid name',
      ],
    );
  });

  it('warns of one IAM user written two ways, and not of one written the same way twice', () => {
    const found = diagnosticsOf({
      permanent: [{ users: [['alice@example.com', 'alice']] }, { users: [['alice@example.com', 'alice']] }],
      temporary: [{ index: 2, user: ['Alice@example.org', 'Alice'] }],
    });
    assert.deepEqual(
      found.map((d) => [d.severity, d.kind, d.file, d.message]),
      [
        [
          'warning',
          'same-iam-user',
          'temporary-access:temporary-access/2/user',
          '"Alice@example.org" and "alice@example.com" both become IAM user "Alice" (IAM names ignore case); they are the same person in IAM',
        ],
      ],
    );
  });
});

describe('name rules: how a user is spelt', function () {
  const fix = 'write the email as name@domain, or the IAM user name alone';
  const cases: [string, string, string | undefined][] = [
    ['an email', 'alice@example.com', undefined],
    ['an IAM user name', 'alice', undefined],
    ['nothing before the @', '@example.com', `user "@example.com" has no name before the @ (the IAM user is the part before it); ${fix}`],
    ['the @ alone', '@', `user "@" has no name before the @ (the IAM user is the part before it); ${fix}`],
    ['nothing after the @', 'bob@', `user "bob@" has no domain after the @; ${fix}`],
    ['two @', 'a@b@example.com', `user "a@b@example.com" has more than one @; ${fix}`],
    ['two @ side by side', 'bob@@example.com', `user "bob@@example.com" has more than one @; ${fix}`],
    ['only whitespace', '   ', `user "   " is blank; ${fix}`],
  ];
  for (const [name, written, expected] of cases) {
    it(`${name} (${JSON.stringify(written)}): ${expected ? 'an error' : 'nothing'}, in permanent and temporary access alike`, () => {
      const found = diagnosticsOf({
        permanent: [{ users: [[written, iamUserName(written)]] }],
        temporary: [{ index: 3, user: [written, iamUserName(written)] }],
      });
      assert.deepEqual(
        found.map((d) => [d.severity, d.kind, d.file, d.message]),
        expected
          ? [
              ['error', 'malformed-user', 'permanent-access:permanent-access/0/users/0', expected],
              ['error', 'malformed-user', 'temporary-access:temporary-access/3/user', expected],
            ]
          : [],
      );
    });
  }
});

describe("name rules: grants to grantflow's deployer role", function () {
  const rolesOf = (roles: string[], settings: Partial<Settings> = {}): Diagnostic[] =>
    nameRules(
      ruleContext({
        team: 't',
        accounts: {},
        policies: {},
        permanent: [{ source: { index: 2 }, users: [], roles }],
        temporary: [],
        settings: { ...DEFAULT_SETTINGS, ...settings },
      } as unknown as TeamConfig),
    );
  const refused = (role: string, setting: string) =>
    `role "${role}" is grantflow's deployer role (deployer_role ${setting}), the role it acts through in every account; ` +
    "a grant to it would let a team widen grantflow's own powers. Remove it from roles";
  const cases: [string, string[], Partial<Settings>, [number, string][]][] = [
    ['the default deployer role', ['ci-role', 'AWSSelfServeDeployer'], {}, [[1, refused('AWSSelfServeDeployer', 'AWSSelfServeDeployer')]]],
    [
      'the default deployer role in other capitals (IAM role names ignore case)',
      ['awsselfservedeployer'],
      {},
      [[0, refused('awsselfservedeployer', 'AWSSelfServeDeployer')]],
    ],
    [
      'the deployer role set in grantflow.yaml',
      ['GrantflowDeployer'],
      { deployerRole: 'GrantflowDeployer' },
      [[0, refused('GrantflowDeployer', 'GrantflowDeployer')]],
    ],
    ['the default name once deployer_role names another role', ['AWSSelfServeDeployer'], { deployerRole: 'GrantflowDeployer' }, []],
    ['a role whose name only contains the deployer role', ['AWSSelfServeDeployer-readers'], {}, []],
  ];
  for (const [name, roles, settings, expected] of cases) {
    it(`${name}: ${expected.length ? 'an error' : 'nothing'}`, () => {
      assert.deepEqual(
        rolesOf(roles, settings).map((d) => [d.severity, d.kind, d.file, d.message]),
        expected.map(([i, message]) => ['error', 'deployer-role-grant', `permanent-access:permanent-access/2/roles/${i}`, message]),
      );
    });
  }
});

describe('name rules: team names that differ only in case from another team of the folder', function () {
  const teamOf = (team: string, folder?: FolderContext): Diagnostic[] =>
    nameRules(ruleContext({ team, accounts: {}, policies: {}, permanent: [], temporary: [], settings: DEFAULT_SETTINGS } as unknown as TeamConfig, folder));
  const clash = (team: string, others: string, files: string) =>
    `team "${team}" and ${others} of this config folder differ only in letter case; IAM names ignore case, so their policies ` +
    `(grantflow.${team}.<policy> and grantflow.${/team "([^"]+)"/.exec(others)![1]}.<policy>) would be the same IAM objects, ` +
    `each team's submission overwriting the other's. Rename one of the teams (this one's files: ${files})`;
  const cases: [string, string, FolderContext | undefined, [string, string] | undefined][] = [
    ['no other team', 'ops', { teams: ['ops'], kinds: ['aws-accounts'] }, undefined],
    ['teams with other names', 'ops', { teams: ['ops', 'ops-2', 'web'], kinds: ['aws-accounts'] }, undefined],
    ['a team in capitals alone (capitals are allowed)', 'Payments', { teams: ['Payments', 'web'], kinds: ['aws-accounts'] }, undefined],
    [
      '"Ops" beside "ops": at its first file',
      'Ops',
      { teams: ['Ops', 'ops'], kinds: ['aws-policies', 'permanent-access'] },
      ['aws-policies:', clash('Ops', 'team "ops"', 'aws-policies/Ops.yaml, permanent-access/Ops.yaml')],
    ],
    [
      '"ops" beside "Ops" and "OPS": both named',
      'ops',
      { teams: ['OPS', 'Ops', 'ops'], kinds: ['aws-accounts'] },
      ['aws-accounts:', clash('ops', 'team "OPS" and team "Ops"', 'aws-accounts/ops.yaml')],
    ],
    ['checked without its folder', 'ops', undefined, undefined],
  ];
  for (const [name, team, folder, expected] of cases) {
    it(`${name}: ${expected ? 'an error' : 'nothing'}`, () => {
      assert.deepEqual(
        teamOf(team, folder).map((d) => [d.severity, d.kind, d.file, d.message]),
        expected ? [['error', 'team-name-case', ...expected]] : [],
      );
    });
  }
});
