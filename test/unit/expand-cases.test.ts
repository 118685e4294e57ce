// Expansion at its edges: which spelling of a principal IAM is called with, entries naming what does
// not exist, the moment a temporary entry counts as expired, MFA per account for the shared
// customer-managed policies, and the order everything comes out in.
import assert from 'node:assert/strict';
import { compare, expandTeam, principalSpellings } from '../../src/core/expand';
import { policy, READ_ONLY, team, VIEW_ONLY } from '../harness/team';

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
