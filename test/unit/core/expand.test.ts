// Expansion, table-driven, plus a property test that it does not depend on the order of keys in the
// YAML; then its edges: which spelling of a principal IAM is called with, entries naming what does
// not exist, the moment a temporary entry counts as expired, MFA per account for the shared
// customer-managed policies, and the order everything comes out in.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { teamFromTexts } from '../../../src/config/load';
import { compare, expandTeam, principalSpellings } from '../../../src/core/expand';
import { DEFAULT_SETTINGS } from '../../../src/core/team-config';
import { inHours, policy, READ_ONLY, team, VIEW_ONLY } from '../../harness/team';

describe('expansion', function () {
  const config = team({
    policies: { reader: policy([READ_ONLY], ['s3:ListBucket']), viewer: policy([VIEW_ONLY]) },
    permanent: [
      { users: ['a@x.com', 'b@x.com'], roles: ['ci'], environments: ['nonprod', 'prod'], grants: ['reader', 'viewer'] },
      { users: ['a@x.com'], environments: ['nonprod'], grants: ['reader'] },
    ],
    temporary: [
      { user: 'c@x.com', environment: 'prod', grant: 'reader', expiresAt: '2026-06-03T23:59:59Z' },
      { user: 'c@x.com', environment: 'prod', grant: 'viewer', expiresAt: '2026-05-01T00:00:00Z' },
    ],
  });
  const now = Date.parse('2026-06-01T00:00:00Z');
  const expansion = expandTeam(config, now);

  it('expands principal × environment × policy for permanent entries and one grant per temporary entry', () => {
    assert.equal(expansion.grants.filter((g) => g.kind === 'permanent').length, 3 * 2 * 2);
    assert.equal(expansion.grants.filter((g) => g.kind === 'temporary').length, 1);
    assert.deepEqual(
      expansion.duplicates.map((d) => d.id),
      ['grantflow/test-team/111111111111/user/a/reader'],
    );
    assert.deepEqual(
      expansion.skipped.map((s) => s.expiresAt),
      ['2026-05-01T00:00:00Z'],
    );
  });

  it('gives permanent grants the customer-managed policy and temporary grants an expiring inline policy', () => {
    const permanent = expansion.grants.find((g) => g.id === 'grantflow/test-team/111111111111/user/a/reader')!;
    assert.equal(permanent.customPolicyArn, 'arn:aws:iam::111111111111:policy/grantflow/test-team/grantflow.test-team.reader');
    assert.equal(permanent.inlinePolicy, undefined);
    const temporary = expansion.grants.find((g) => g.kind === 'temporary')!;
    assert.equal(temporary.customPolicyArn, undefined);
    assert.equal(temporary.inlinePolicy!.name, 'grantflow.test-team.reader.20260603T235959Z');
    assert.match(temporary.inlinePolicy!.document, /"DateLessThan":\{"aws:CurrentTime":"2026-06-03T23:59:59Z"\}/);
    const viewer = expansion.grants.find((g) => g.policy === 'viewer')!;
    assert.equal(viewer.customPolicyArn, undefined, 'a policy without custom statements needs no customer-managed policy');
  });

  it('syncs one customer-managed policy per account where a permanent grant attaches it', () => {
    assert.deepEqual(
      expansion.policies.map((p) => p.arn),
      [
        'arn:aws:iam::111111111111:policy/grantflow/test-team/grantflow.test-team.reader',
        'arn:aws:iam::222222222222:policy/grantflow/test-team/grantflow.test-team.reader',
      ],
    );
  });

  it('gives the same ids, names and documents whatever the order of keys in the YAML (property)', () => {
    const shuffle = <T>(items: T[], order: number[]): T[] =>
      items
        .map((item, i) => [order[i % order.length]! + i / 1000, item] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, item]) => item);
    /** The same YAML with every mapping's keys in another order (lists keep theirs: their order is meaningful). */
    const reorder = (value: unknown, order: number[]): unknown => {
      if (Array.isArray(value)) return value.map((v) => reorder(v, order));
      if (value && typeof value === 'object')
        return Object.fromEntries(
          shuffle(
            Object.entries(value).map(([k, v]) => [k, reorder(v, order)] as const),
            order,
          ),
        );
      return value;
    };
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
    const arbitraryTeam = fc.record({
      envs: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }),
      policies: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }),
      users: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
      conditions: fc.boolean(),
      hoursAhead: fc.integer({ min: 1, max: 140 }),
    });
    fc.assert(
      fc.property(arbitraryTeam, fc.array(fc.nat(100), { minLength: 3, maxLength: 8 }), (t, order) => {
        const files = {
          'aws-accounts': { 'aws-accounts': Object.fromEntries(t.envs.map((e, i) => [e, String(111111111111 * (i + 1))])) },
          'aws-policies': {
            'aws-policies': Object.fromEntries(
              t.policies.map((p) => [
                p,
                {
                  description: `policy ${p}`,
                  managed_policies: [READ_ONLY],
                  custom_statements: [
                    {
                      effect: 'Allow',
                      actions: ['s3:GetObject'],
                      resources: ['*'],
                      ...(t.conditions ? { conditions: { StringEquals: { 'aws:PrincipalTag/team': p, 'aws:RequestedRegion': 'eu-west-1' } } } : {}),
                    },
                  ],
                },
              ]),
            ),
          },
          'permanent-access': {
            'permanent-access': [{ description: 'all', users: t.users.map((u) => `${u}@x.com`), environments: t.envs, grants: t.policies }],
          },
          'temporary-access': {
            'temporary-access': [
              { description: 'tmp', user: `${t.users[0]}@x.com`, environment: t.envs[0], grant: t.policies[0], expiration_date: inHours(t.hoursAhead, now) },
            ],
          },
        };
        const expand = (data: Record<string, unknown>) => {
          const texts = Object.fromEntries(Object.entries(data).map(([kind, value]) => [kind, { file: `${kind}.yaml`, text: stringify(value) }]));
          const result = teamFromTexts('prop', texts, { settings: DEFAULT_SETTINGS, diagnostics: [] }, '.');
          assert.ok(result.loaded, JSON.stringify(result.diagnostics));
          return expandTeam(result.loaded.config, now);
        };
        const a = expand(files);
        const b = expand(reorder(files, order) as Record<string, unknown>);
        assert.deepEqual(
          b.grants.map((g) => [g.id, g.customPolicyArn, g.inlinePolicy]),
          a.grants.map((g) => [g.id, g.customPolicyArn, g.inlinePolicy]),
        );
        assert.deepEqual(b.policies, a.policies);
        assert.equal(a.grants.length, t.users.length * t.envs.length * t.policies.length + 1);
      }),
      { numRuns: 100 },
    );
  });
});

const NOW = Date.parse('2026-06-01T12:00:00Z');
const at = (hours: number) => new Date(NOW + hours * 3600_000).toISOString().replace('.000Z', 'Z');
const reader = policy([READ_ONLY]);
const writer = policy([], ['s3:PutObject'], 'writes');
const auditor = policy([], ['cloudtrail:LookupEvents'], 'audits');

describe('expansion: the spelling IAM is called with', function () {
  const config = team({
    policies: { reader },
    permanent: [
      { users: ['Bob'], roles: ['Deployer'], environments: ['nonprod'], grants: ['reader'] },
      { users: ['BOB'], roles: ['deployer'], environments: ['prod'], grants: ['reader'] },
    ],
    temporary: [{ user: 'bob', environment: 'nonprod', grant: 'reader', expiresAt: at(5) }],
  });
  it('every grant of one user uses the spelling written first, temporary ones included', () => {
    const { grants } = expandTeam(config, NOW);
    assert.deepEqual(
      grants.filter((g) => g.principalType === 'user').map((g) => [g.kind, g.principal, g.principalWritten]),
      [
        ['permanent', 'Bob', 'Bob'],
        ['temporary', 'Bob', 'bob'],
        ['permanent', 'Bob', 'BOB'],
      ],
    );
  });

  it('roles too', () => {
    const { grants } = expandTeam(config, NOW);
    assert.deepEqual(
      grants.filter((g) => g.principalType === 'role').map((g) => g.principal),
      ['Deployer', 'Deployer'],
    );
  });

  it('the first spellings, by type and lower-case name', () => {
    assert.deepEqual(
      [...principalSpellings(config)],
      [
        ['user/bob', 'Bob'],
        ['role/deployer', 'Deployer'],
      ],
    );
  });

  it('a user and a role of the same name keep their own spellings', () => {
    const both = team({ policies: { reader }, permanent: [{ users: ['Ci'], roles: ['CI'], environments: ['nonprod'], grants: ['reader'] }] });
    assert.deepEqual(
      expandTeam(both, NOW).grants.map((g) => [g.principalType, g.principal]),
      [
        ['role', 'CI'],
        ['user', 'Ci'],
      ],
    );
  });

  it('a temporary-only user is written as the team wrote it', () => {
    const only = team({ policies: { reader }, temporary: [{ user: 'Dana', environment: 'nonprod', grant: 'reader', expiresAt: at(5) }] });
    assert.deepEqual(
      expandTeam(only, NOW).grants.map((g) => g.principal),
      ['Dana'],
    );
  });
});

describe('expansion: entries naming what does not exist give no grant (the reference rules report them)', function () {
  const cases = [
    { name: 'permanent, unknown environment', permanent: [{ users: ['a'], environments: ['staging'], grants: ['reader'] }] },
    { name: 'permanent, unknown policy', permanent: [{ users: ['a'], environments: ['nonprod'], grants: ['nope'] }] },
    { name: 'temporary, unknown environment', temporary: [{ user: 'a', environment: 'staging', grant: 'reader', expiresAt: at(5) }] },
    { name: 'temporary, unknown policy', temporary: [{ user: 'a', environment: 'nonprod', grant: 'nope', expiresAt: at(5) }] },
    { name: 'an environment named like an object property', permanent: [{ users: ['a'], environments: ['toString'], grants: ['reader'] }] },
  ];
  for (const c of cases)
    it(c.name, () => {
      const result = expandTeam(team({ policies: { reader }, ...c }), NOW);
      assert.deepEqual([result.grants, result.skipped, result.policies], [[], [], []]);
    });
});

describe('expansion: temporary entries and their expiry', function () {
  const temp = (expiresAt: string, extra: Record<string, string> = {}, user = 'bob') => ({
    user,
    environment: 'nonprod',
    grant: 'reader',
    expiresAt,
    ...extra,
  });

  it('expiring this very moment: skipped, saying which entry', () => {
    const result = expandTeam(team({ policies: { reader }, temporary: [temp(new Date(NOW).toISOString())] }), NOW);
    assert.deepEqual(result.grants, []);
    assert.deepEqual(
      result.skipped.map((s) => [s.reason, s.expiresAt, s.source.file, s.source.line, s.id.endsWith(`/until/${new Date(NOW).toISOString()}`)]),
      [['expired', new Date(NOW).toISOString(), 'temporary-access/test.yaml', 2, true]],
    );
  });

  it('expiring a second from now: granted', () => {
    const result = expandTeam(team({ policies: { reader }, temporary: [temp(new Date(NOW + 1000).toISOString())] }), NOW);
    assert.deepEqual([result.grants.length, result.skipped], [1, []]);
  });

  it('skipped entries come in id order', () => {
    const result = expandTeam(team({ policies: { reader }, temporary: [temp(at(-1), {}, 'zed'), temp(at(-2), {}, 'amy')] }), NOW);
    assert.deepEqual(
      result.skipped.map((s) => s.source.line),
      [3, 2],
    );
  });

  it('carries the start date, reason and ticket; none of them when not written', () => {
    const [withAll] = expandTeam(
      team({ policies: { reader }, temporary: [temp(at(5), { startsAt: at(1), reason: 'incident', ticket: 'OPS-1' })] }),
      NOW,
    ).grants;
    assert.deepEqual([withAll!.startsAt, withAll!.reason, withAll!.ticket], [at(1), 'incident', 'OPS-1']);
    const powerUser = policy(['arn:aws:iam::aws:policy/PowerUserAccess']);
    const [bare] = expandTeam(team({ policies: { reader: powerUser }, temporary: [temp(at(5))] }), NOW).grants;
    assert.deepEqual(
      ['startsAt', 'reason', 'ticket', 'attachedAsIs'].filter((k) => k in bare!),
      [],
    );
    assert.equal(bare!.expiringCopies?.length, 1, 'an AWS managed policy is copied with the expiry by default');
  });
});

describe('expansion: MFA', function () {
  it('a permanent grant in an environment requiring MFA says so; one elsewhere does not', () => {
    const config = team({
      policies: { reader },
      permanent: [{ users: ['a'], environments: ['nonprod', 'prod'], grants: ['reader'] }],
      settings: { requireMfa: ['prod'] },
    });
    assert.deepEqual(
      expandTeam(config, NOW).grants.map((g) => [g.environment, g.mfa]),
      [
        ['nonprod', undefined],
        ['prod', true],
      ],
    );
  });

  it('the customer-managed policy of an account requires MFA when any environment of that account does, and only then', () => {
    const config = team({
      accounts: { dev: '111111111111', nonprod: '111111111111', prod: '222222222222' },
      policies: { writer },
      permanent: [{ users: ['a'], environments: ['nonprod', 'prod'], grants: ['writer'] }],
      settings: { requireMfa: ['dev'] },
    });
    assert.deepEqual(
      expandTeam(config, NOW).policies.map((p) => [p.account, p.document.includes('aws:MultiFactorAuthPresent')]),
      [
        ['111111111111', true],
        ['222222222222', false],
      ],
    );
  });
});

describe('expansion: the customer-managed policies', function () {
  it('one per account and policy, named after the first grant that needs it, none for managed-only policies', () => {
    const config = team({
      accounts: { dev: '111111111111', nonprod: '111111111111', prod: '222222222222' },
      policies: { writer, auditor, reader },
      permanent: [
        { users: ['bob'], environments: ['nonprod'], grants: ['writer'] },
        { users: ['amy'], environments: ['dev'], grants: ['writer'] },
        { users: ['amy'], environments: ['prod', 'dev'], grants: ['writer', 'auditor', 'reader'] },
      ],
    });
    const { policies } = expandTeam(config, NOW);
    assert.deepEqual(
      policies.map((p) => [p.account, p.policy, p.environment]),
      [
        ['111111111111', 'auditor', 'dev'],
        ['111111111111', 'writer', 'dev'],
        ['222222222222', 'auditor', 'prod'],
        ['222222222222', 'writer', 'prod'],
      ],
    );
  });

  it('sorted by account, then name, whichever principal needs them first', () => {
    const config = team({
      accounts: { nonprod: '111111111111', prod: '222222222222' },
      policies: { writer, auditor },
      permanent: [
        { users: ['amy'], environments: ['prod', 'nonprod'], grants: ['writer'] },
        { users: ['bob'], environments: ['prod', 'nonprod'], grants: ['auditor'] },
      ],
    });
    assert.deepEqual(
      expandTeam(config, NOW).policies.map((p) => [p.account, p.policy]),
      [
        ['111111111111', 'auditor'],
        ['111111111111', 'writer'],
        ['222222222222', 'auditor'],
        ['222222222222', 'writer'],
      ],
    );
  });

  it('a team of managed policies only needs none', () => {
    assert.deepEqual(
      expandTeam(
        team({ policies: { reader: policy([READ_ONLY, VIEW_ONLY]) }, permanent: [{ users: ['a'], environments: ['nonprod'], grants: ['reader'] }] }),
        NOW,
      ).policies,
      [],
    );
  });
});

describe('code-unit order', function () {
  const cases: [string, string, number][] = [
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['a', 'a', 0],
    ['B', 'a', -1],
  ];
  for (const [a, b, want] of cases) it(`${a} against ${b}`, () => assert.equal(compare(a, b), want));
});
