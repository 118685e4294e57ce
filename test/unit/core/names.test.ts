// Names, table-driven, and at their edges: IAM users from what the team wrote, IAM's name rules, the
// names grantflow gives its policies and expiring copies, read back only when the whole name is in
// grantflow's form, managed policy ARNs, and the principal forms operators type.
import assert from 'node:assert/strict';
import { type GrantKey, grantWorkflowId, parseGrantWorkflowId, reconcileWorkflowId } from '../../../src/core/ids';
import {
  attachmentTagKey,
  checkIamName,
  COPY_PREFIX,
  copyPolicyName,
  customPolicyArn,
  customPolicyName,
  IAM_NAME_CHARS,
  IAM_POLICY_NAME_MAX,
  iamUserName,
  inlinePolicyName,
  parseCopyPolicyName,
  parseCustomPolicyName,
  parseInlinePolicyName,
  parseManagedPolicyArn,
  parsePrincipal,
} from '../../../src/core/names';
import { shortCommit } from '../../../src/core/revision';
import { ACCOUNTS } from '../../harness/team';

describe('names', function () {
  const users: [string, string][] = [
    ['user@example.com', 'user'],
    ['first.last@corp.example.co.uk', 'first.last'],
    ['bare-name', 'bare-name'],
    ['weird@name@example.com', 'weird@name'],
    ['@leading', '@leading'],
  ];
  for (const [written, name] of users) it(`maps ${written} to IAM user ${name}`, () => assert.equal(iamUserName(written), name));

  const iamNames: [string, number, boolean, RegExp?][] = [
    ['alice', 64, true],
    ['a+b=c,d.e@f_g-h', 64, true],
    ['has space', 64, false, /contains " "/],
    ['slash/name', 64, false, /contains "\/"/],
    ['x'.repeat(64), 64, true],
    ['x'.repeat(65), 64, false, /65 characters; IAM allows at most 64/],
    ['', 64, false, /is empty/],
    ['ünïcode', 64, false, /contains "ü", "ï"/],
  ];
  for (const [name, max, ok, reason] of iamNames) {
    it(`${ok ? 'accepts' : 'refuses'} IAM name ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}…(${name.length})` : name)}`, () => {
      const result = checkIamName(name, max, 'name');
      assert.equal(result.ok, ok);
      if (!result.ok && reason) assert.match(result.reason, reason);
    });
  }

  it('names the customer-managed policy grantflow.T.P under /grantflow/T/', () => {
    assert.equal(customPolicyName('team', 'developers.read-only'), 'grantflow.team.developers.read-only');
    assert.equal(customPolicyArn('aws', '123456789012', 'team', 'p'), 'arn:aws:iam::123456789012:policy/grantflow/team/grantflow.team.p');
  });

  // Look-alike pairs: under the earlier `T-P` scheme the first two met in one name (a-b-c).
  const pairs: [string, string][] = [
    ['a', 'b-c'],
    ['a-b', 'c'],
    ['a', 'b.c'],
    ['a_b', 'c'],
    ['a-b', '.c'],
    ['grantflow', 'x'],
    ['A', 'p'],
  ];
  it('gives no two (team, policy) pairs the same name', () => {
    const names = pairs.map(([team, policy]) => customPolicyName(team, policy));
    assert.equal(new Set(names).size, names.length, names.join(', '));
    for (const [team, policy] of pairs) assert.deepEqual(parseCustomPolicyName(customPolicyName(team, policy)), { team, policy });
  });

  const inline: [string, string, string, string][] = [
    ['team', 'developers.read-only', '2025-11-30T23:59:59Z', 'grantflow.team.developers.read-only.20251130T235959Z'],
    ['a_b-c', 'p', '2026-01-02T03:04:05Z', 'grantflow.a_b-c.p.20260102T030405Z'],
  ];
  for (const [team, policy, expiry, name] of inline) {
    it(`round-trips inline policy name ${name}`, () => {
      assert.equal(inlinePolicyName(team, policy, expiry), name);
      assert.deepEqual(parseInlinePolicyName(name), { team, policy, expiresAt: expiry });
    });
  }
  for (const foreign of ['bobs-own', 'grantflow', 'grantflow.team', 'grantflow.team.p.notatime', 'GRANTFLOW.team.p.20251130T235959Z']) {
    it(`does not claim inline policy ${foreign}`, () => assert.equal(parseInlinePolicyName(foreign), undefined));
  }

  const arns: [string, boolean][] = [
    ['arn:aws:iam::aws:policy/ReadOnlyAccess', true],
    ['arn:aws:iam::aws:policy/job-function/ViewOnlyAccess', true],
    ['arn:aws-cn:iam::aws:policy/ReadOnlyAccess', true],
    ['arn:aws-us-gov:iam::123456789012:policy/path/to/Mine', true],
    ['arn:aws-iso-b:iam::aws:policy/X', true],
    ['arn:aws:iam::aws:ReadOnlyAccess', false],
    ['arn:aws:iam::12345:policy/Short', false],
    ['arn:aws:s3:::bucket', false],
    ['arn:aws-moon:iam::aws:policy/X', false],
    ['arn:aws:iam:us-east-1:123456789012:policy/x', false],
    ['arn:aws:iam:us-east-1:aws:policy/ReadOnlyAccess', false],
    ['ReadOnlyAccess', false],
  ];
  for (const [arn, ok] of arns) it(`${ok ? 'accepts' : 'refuses'} managed policy ARN ${arn}`, () => assert.equal(parseManagedPolicyArn(arn).ok, ok));

  const keys: GrantKey[] = [
    { team: 't', kind: 'permanent', account: '111111111111', principalType: 'user', principal: 'alice', policy: 'p.q' },
    { team: 't', kind: 'permanent', account: '111111111111', principalType: 'role', principal: 'alice', policy: 'p.q' },
    { team: 't', kind: 'temporary', account: '111111111111', principalType: 'user', principal: 'a@b', policy: 'p', expiresAt: '2026-01-01T00:00:00Z' },
  ];
  it('builds distinct grant ids for a user and a role of the same name, and parses them back', () => {
    const ids = keys.map(grantWorkflowId);
    assert.equal(new Set(ids).size, ids.length);
    ids.forEach((id, i) => assert.deepEqual(parseGrantWorkflowId(id), keys[i]));
    assert.equal(parseGrantWorkflowId(reconcileWorkflowId('t')), undefined);
  });
});

describe('what operators type and read', function () {
  const principals: [string, ReturnType<typeof parsePrincipal>][] = [
    ['role/github-actions-deployer', { type: 'role', name: 'github-actions-deployer' }],
    ['user/alice', { type: 'user', name: 'alice' }],
    ['user/alice@example.com', { type: 'user', name: 'alice' }],
    ['sso-user/alice@example.com', { type: 'sso-user', name: 'alice@example.com' }],
    ['sso-group/Platform Admins', { type: 'sso-group', name: 'Platform Admins' }],
    ['alice@example.com', { name: 'alice' }],
    ['Bob', { name: 'Bob' }],
  ];
  for (const [written, parsed] of principals) it(`reads --user ${written}`, () => assert.deepEqual(parsePrincipal(written), parsed));

  const commits: [string, string][] = [
    ['0123456789abcdef0123456789abcdef01234567', '0123456789ab'],
    ['0123456789abcdef0123456789abcdef01234567-dirty', '0123456789ab-dirty'],
    ['v1.2', 'v1.2'],
  ];
  for (const [commit, short] of commits) it(`shortens ${commit} to ${short}`, () => assert.equal(shortCommit(commit), short));
});

describe('principals as operators type them', function () {
  const cases: [string, { type?: 'user' | 'role'; name: string }][] = [
    ['  user/bob ', { type: 'user', name: 'bob' }],
    ['user/bob@corp.example', { type: 'user', name: 'bob' }],
    ['role/ci@corp', { type: 'role', name: 'ci@corp' }],
    ['  bob@corp.example ', { name: 'bob' }],
    ['xuser/bob', { name: 'xuser/bob' }],
    ['user/bob\nrole/x', { name: 'user/bob\nrole/x' }],
  ];
  for (const [written, want] of cases) it(JSON.stringify(written), () => assert.deepEqual(parsePrincipal(written), want));
});

describe('grantflow names read back only when the whole name is in its form', function () {
  it('customer-managed policies', () => {
    assert.deepEqual(parseCustomPolicyName('grantflow.payments.reader'), { team: 'payments', policy: 'reader' });
    assert.equal(parseCustomPolicyName('grantflow.my team.reader'), undefined);
    assert.equal(parseCustomPolicyName('grantflow.payments.reader\nx'), undefined);
  });

  it('inline policies', () => {
    assert.deepEqual(parseInlinePolicyName('grantflow.payments.reader.20260101T000000Z'), {
      team: 'payments',
      policy: 'reader',
      expiresAt: '2026-01-01T00:00:00Z',
    });
    assert.equal(parseInlinePolicyName('grantflow.my team.reader.20260101T000000Z'), undefined);
    assert.equal(parseInlinePolicyName('grantflow.payments.reader.20260101T000000Zjunk'), undefined);
  });

  it('expiring copies', () => {
    const name = copyPolicyName('t', 'id', 'arn:aws:iam::aws:policy/ReadOnlyAccess', 'a b', '2026-01-01T00:00:00Z');
    assert.equal(name, 'grantflow+copy.t.20260101T000000Z.1386dc73a21a619e.a_b.ReadOnlyAccess');
    assert.deepEqual(parseCopyPolicyName(name), { team: 't', expiresAt: '2026-01-01T00:00:00Z' });
    assert.deepEqual(parseCopyPolicyName('grantflow+copy.t.20260101T000000Z.1386dc73a21a619e'), { team: 't', expiresAt: '2026-01-01T00:00:00Z' });
    for (const other of [
      `x${name}`,
      'grantflow+copy.t.20260101T000000Z.1386dc73a21a619eXYZ',
      'grantflow+copy.t.20260101T000000Z.1386dc73a21a619',
      'grantflow+copy.my team.20260101T000000Z.1386dc73a21a619e',
    ])
      assert.equal(parseCopyPolicyName(other), undefined, other);
  });

  it('an ARN in an unknown partition names the known ones', () => {
    assert.deepEqual(parseManagedPolicyArn('arn:aws-xx:iam::aws:policy/X'), {
      ok: false,
      reason:
        '"arn:aws-xx:iam::aws:policy/X" names partition "aws-xx"; known partitions are aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc',
    });
  });

  it('an IAM ARN with a region says so, and how to write it', () => {
    assert.deepEqual(parseManagedPolicyArn('arn:aws:iam:us-east-1:123456789012:policy/x'), {
      ok: false,
      reason:
        '"arn:aws:iam:us-east-1:123456789012:policy/x" has region "us-east-1", but IAM ARNs have an empty region field (IAM is global); write arn:aws:iam::123456789012:policy/x',
    });
  });

  it('a managed policy ARN tells its path', () => {
    assert.deepEqual(parseManagedPolicyArn('arn:aws:iam::123456789012:policy/a/b/x'), {
      ok: true,
      partition: 'aws',
      owner: '123456789012',
      path: '/a/b/',
      name: 'x',
    });
    assert.deepEqual(parseManagedPolicyArn('arn:aws:iam::aws:policy/ReadOnlyAccess'), {
      ok: true,
      partition: 'aws',
      owner: 'aws',
      path: '/',
      name: 'ReadOnlyAccess',
    });
  });

  it('the attachment tag key', () => assert.equal(attachmentTagKey('abc123'), 'grantflow:attached:abc123'));
});

const EXPIRY = '2030-06-01T12:00:00Z';
const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

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
