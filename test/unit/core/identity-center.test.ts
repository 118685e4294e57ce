// IAM Identity Center in the pure core: the names of grantflow's permission sets (within 32
// characters, one per team and policy, read back only when name and description agree), session
// durations, each worker's share of the creations in flight, and how the YAML's Identity Center
// principals expand into grants.
import assert from 'node:assert/strict';
import { expandTeam } from '../../../src/core/expand';
import { assignmentKey, creationsInFlightShare, isoDuration, permissionSetOfKey, sessionDurationMs, ssoNameProblem } from '../../../src/core/identity-center';
import { grantWorkflowId, parseGrantWorkflowId } from '../../../src/core/ids';
import { checkPermissionSetName, PERMISSION_SET_NAME_MAX, permissionSetDescription, permissionSetName, permissionSetOwner } from '../../../src/core/names';
import { attachedArns, expiryParts, grantShape, revokeTarget } from '../../../src/core/grant-derived';
import { ACCOUNTS, policy, READ_ONLY, team } from '../../harness/team';

describe('Identity Center: permission set names', function () {
  const cases: [string, string, RegExp][] = [
    ['ops', 'reader', /^gf-ops\.reader-[0-9a-f]{12}$/],
    ['payments-platform-team', 'break-glass-admin', /^gf-payments-platfor-[0-9a-f]{12}$/],
    ['a', 'p.with.dots', /^gf-a\.p\.with\.dots-[0-9a-f]{12}$/],
    ['x'.repeat(64), 'y'.repeat(100), /^gf-x{16}-[0-9a-f]{12}$/],
  ];
  for (const [team, policyName, want] of cases) {
    it(`team ${team.length > 20 ? `${team.slice(0, 8)}…` : team}, policy ${policyName.length > 20 ? `${policyName.slice(0, 8)}…` : policyName}: ${want}`, () => {
      const name = permissionSetName(team, policyName);
      assert.match(name, want);
      assert.ok(name.length <= PERMISSION_SET_NAME_MAX, `${name} is ${name.length} characters`);
      assert.ok(checkPermissionSetName(name).ok);
    });
  }

  it('gives look-alike teams and policies different names (team a policy b-c, team a-b policy c)', () => {
    const pairs: [string, string][] = [
      ['a', 'b-c'],
      ['a-b', 'c'],
      ['a.b', 'c'],
      ['Ops', 'reader'],
      ['ops', 'reader'],
      ['payments-platform-team-1', 'admin'],
      ['payments-platform-team-2', 'admin'],
    ];
    const names = pairs.map(([t, p]) => permissionSetName(t, p));
    assert.equal(new Set(names).size, names.length, names.join(', '));
  });

  it('reads the owner back from name and description, and only when both agree', () => {
    const name = permissionSetName('ops', 'reader');
    const description = permissionSetDescription('ops', 'reader', 'Read only');
    assert.deepEqual(permissionSetOwner(name, description), { team: 'ops', policy: 'reader' });
    assert.equal(permissionSetOwner(name, permissionSetDescription('ops', 'writer', 'x')), undefined, 'the description names another policy');
    assert.equal(permissionSetOwner('gf-ops.reader-000000000000', description), undefined, 'a look-alike name');
    assert.equal(permissionSetOwner(name, 'Read only'), undefined, 'a description that says nothing of grantflow');
    assert.equal(permissionSetOwner(name, undefined), undefined);
  });

  it('keeps a description within what Identity Center accepts: its characters, 700 at most', () => {
    const description = permissionSetDescription('ops', 'reader', `émoji 🚀 ${'x'.repeat(800)}`);
    assert.ok(description.length <= 700);
    assert.match(description, /^grantflow team ops policy reader: émoji \?\? x+$/);
  });

  const existing: [string, boolean][] = [
    ['AdministratorAccess', true],
    ['a'.repeat(32), true],
    ['a'.repeat(33), false],
    ['has space', false],
    ['', false],
  ];
  for (const [name, ok] of existing)
    it(`an existing permission set named "${name.slice(0, 12)}" (${name.length}) is ${ok ? 'accepted' : 'refused'}`, () =>
      assert.equal(checkPermissionSetName(name).ok, ok));
});

describe('Identity Center: settings and shares', function () {
  const durations: [string, number | undefined][] = [
    ['PT1H', 3_600_000],
    ['PT12H', 12 * 3_600_000],
    ['PT1H30M', 90 * 60_000],
    ['PT90M', 90 * 60_000],
    ['PT30M', undefined],
    ['PT13H', undefined],
    ['1h', undefined],
    ['PT', undefined],
  ];
  for (const [iso, ms] of durations) it(`session duration ${iso}: ${ms ?? 'refused'}`, () => assert.equal(sessionDurationMs(iso), ms));

  it('writes a duration back in ISO 8601', () => {
    assert.deepEqual([3_600_000, 90 * 60_000, 12 * 3_600_000, 30 * 60_000].map(isoDuration), ['PT1H', 'PT1H30M', 'PT12H', 'PT30M']);
  });

  const shares: [number, number, number][] = [
    [10, 1, 10],
    [10, 2, 5],
    [10, 3, 3],
    [10, 10, 1],
    [10, 25, 1],
    [1, 4, 1],
  ];
  for (const [limit, workers, each] of shares) {
    it(`${limit} creations in flight among ${workers} worker(s): ${each} each`, () => assert.equal(creationsInFlightShare(limit, workers), each));
  }

  it('records an assignment under a key that reads back to its permission set', () => {
    assert.equal(assignmentKey('gf-ops.reader-0123456789ab'), 'permission-set/gf-ops.reader-0123456789ab');
    assert.equal(permissionSetOfKey(assignmentKey('AdministratorAccess')), 'AdministratorAccess');
    assert.equal(permissionSetOfKey('arn:aws:iam::aws:policy/ReadOnlyAccess'), undefined);
  });

  const names: [Parameters<typeof ssoNameProblem>, RegExp | undefined][] = [
    [['sso-user', 'alice@example.com'], undefined],
    [['sso-group', 'Payments Admins (EU)'], undefined],
    [['sso-group', 'a/b'], /holds a \//],
    [['sso-user', 'tab\there'], /control character/],
    [['sso-user', 'u'.repeat(129)], /at most 128/],
    [['sso-group', 'g'.repeat(1024)], undefined],
  ];
  for (const [[type, written], want] of names) {
    it(`${type} "${written.slice(0, 24)}": ${want ?? 'accepted'}`, () => {
      const problem = ssoNameProblem(type, written);
      if (want) assert.match(problem ?? '', want);
      else assert.equal(problem, undefined);
    });
  }
});

describe('Identity Center: expansion', function () {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const config = team({
    name: 'ops',
    policies: {
      reader: policy([READ_ONLY], ['s3:ListBucket']),
      admins: { ...policy([]), permissionSet: 'AdministratorAccess' },
    },
    permanent: [
      { users: ['alice'], environments: ['nonprod'], grants: ['reader'] },
      { ssoUsers: ['Alice@Example.com'], ssoGroups: ['Platform Admins'], environments: ['nonprod', 'prod'], grants: ['reader', 'admins'] },
    ],
    temporary: [{ ssoUser: 'alice@example.com', environment: 'prod', grant: 'reader', expiresAt: '2026-06-02T00:00:00Z' }],
  });
  const expansion = expandTeam(config, now);
  const sso = expansion.grants.filter((g) => g.permissionSet);

  it('gives each Identity Center principal × environment × policy a grant of its own type, and the temporary entry one', () => {
    assert.deepEqual(
      sso.map((g) => g.id),
      [
        'grantflow/ops/111111111111/sso-group/platform admins/admins',
        'grantflow/ops/111111111111/sso-group/platform admins/reader',
        'grantflow/ops/111111111111/sso-user/alice@example.com/admins',
        'grantflow/ops/111111111111/sso-user/alice@example.com/reader',
        'grantflow/ops/222222222222/sso-group/platform admins/admins',
        'grantflow/ops/222222222222/sso-group/platform admins/reader',
        'grantflow/ops/222222222222/sso-user/alice@example.com/admins',
        'grantflow/ops/222222222222/sso-user/alice@example.com/reader',
        'grantflow/ops/222222222222/sso-user/alice@example.com/reader/until/2026-06-02T00:00:00Z',
      ],
    );
    const temporary = sso.find((g) => g.kind === 'temporary')!;
    assert.equal(temporary.principal, 'Alice@Example.com', 'the spelling written first');
    assert.equal(temporary.principalWritten, 'alice@example.com');
    assert.deepEqual(parseGrantWorkflowId(temporary.id), {
      team: 'ops',
      kind: 'temporary',
      account: ACCOUNTS.prod,
      principalType: 'sso-user',
      principal: 'alice@example.com',
      policy: 'reader',
      expiresAt: '2026-06-02T00:00:00Z',
    });
    assert.equal(grantWorkflowId(parseGrantWorkflowId(temporary.id)!), temporary.id);
  });

  it("assigns grantflow's own permission set for a policy of its own, and the existing one a policy names, as it is", () => {
    const byPolicy = (p: string) => sso.find((g) => g.policy === p && g.kind === 'permanent')!;
    assert.deepEqual(byPolicy('reader').permissionSet, { name: permissionSetName('ops', 'reader'), owned: true });
    assert.deepEqual(byPolicy('admins').permissionSet, { name: 'AdministratorAccess', owned: false });
    for (const grant of sso) {
      assert.deepEqual(grant.managedPolicyArns, []);
      assert.equal(grant.customPolicyArn, undefined);
      assert.equal(grant.inlinePolicy, undefined, 'nothing in IAM');
      assert.deepEqual(attachedArns(grant), [assignmentKey(grant.permissionSet!.name)]);
    }
  });

  it('grants the IAM user as before, and no IAM principal the permission set a policy names', () => {
    const iam = expansion.grants.filter((g) => !g.permissionSet);
    assert.deepEqual(
      iam.map((g) => g.id),
      ['grantflow/ops/111111111111/user/alice/reader'],
    );
  });

  it('makes one permission set per policy of its own: its managed policies, its statements as the inline policy, without conditions', () => {
    assert.deepEqual(expansion.permissionSets, [
      {
        team: 'ops',
        policy: 'reader',
        name: permissionSetName('ops', 'reader'),
        description: 'grantflow team ops policy reader: test policy',
        managedPolicyArns: [READ_ONLY],
        inlinePolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['*'] }] }),
      },
    ]);
  });

  it('says the workflow alone ends a temporary assignment, and the revoke names the permission set', () => {
    const temporary = sso.find((g) => g.kind === 'temporary')!;
    assert.deepEqual(expiryParts(temporary), { awsExpires: [], workflowExpires: [`assignment of permission set ${permissionSetName('ops', 'reader')}`] });
    assert.deepEqual(revokeTarget(temporary).permissionSet, temporary.permissionSet);
    assert.equal(revokeTarget(temporary).principalType, 'sso-user');
  });

  it('changes the shape of a grant when the permission set it assigns changes, not when the permission set is edited', () => {
    const edited = expandTeam({ ...config, policies: { ...config.policies, reader: policy([READ_ONLY], ['s3:GetObject']) } }, now).grants.find(
      (g) => g.id === 'grantflow/ops/111111111111/sso-user/alice@example.com/reader',
    )!;
    const before = sso.find((g) => g.id === edited.id)!;
    assert.equal(grantShape(edited), grantShape(before));
    const asIs = expandTeam({ ...config, policies: { ...config.policies, reader: { ...policy([]), permissionSet: 'ReadOnly' } } }, now).grants.find(
      (g) => g.id === edited.id,
    )!;
    assert.notEqual(grantShape(asIs), grantShape(before));
  });
});
