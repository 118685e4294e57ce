// Table-driven tests of the pure naming and time rules.
import assert from 'node:assert/strict';
import { grantWorkflowId, parseGrantWorkflowId, reconcileWorkflowId, type GrantKey } from '../../src/core/ids';
import {
  checkIamName,
  customPolicyArn,
  customPolicyName,
  iamUserName,
  inlinePolicyName,
  parsePrincipal,
  parseCustomPolicyName,
  parseInlinePolicyName,
  parseManagedPolicyArn,
} from '../../src/core/names';
import { isOlderRevision, shortCommit } from '../../src/core/revision';
import { closest } from '../../src/core/suggest';
import { formatDuration, parseDuration, parseInstant, toCompactTime } from '../../src/core/time';
import { expiry } from '../../src/cli/table';

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

describe('time', function () {
  const instants: [string, boolean, string?][] = [
    ['2025-11-30', true, '2025-11-30T23:59:59Z'],
    ['2024-02-29', true, '2024-02-29T23:59:59Z'],
    ['2025-02-29', false],
    ['2025-13-01', false],
    ['2025-11-30T10:00:00Z', true, '2025-11-30T10:00:00Z'],
    ['2025-11-30T10:00Z', true, '2025-11-30T10:00:00Z'],
    ['2025-11-30T12:00:00+02:00', true, '2025-11-30T10:00:00Z'],
    ['2025-11-30T01:30:00-0130', true, '2025-11-30T03:00:00Z'],
    ['2025-11-30T10:00:00.999Z', true, '2025-11-30T10:00:00Z'],
    ['2025-11-30T10:00:00', false],
    ['2025-11-30T25:00:00Z', false],
    ['next friday', false],
    ['20251130', false],
  ];
  for (const [text, ok, iso] of instants) {
    it(`${ok ? 'reads' : 'refuses'} ${text}${iso ? ` as ${iso}` : ''}`, () => {
      const parsed = parseInstant(text, { endOfDay: true });
      assert.equal(parsed.ok, ok, JSON.stringify(parsed));
      if (parsed.ok) assert.equal(parsed.iso, iso);
    });
  }
  it('reads a start date as the start of the day', () => {
    const parsed = parseInstant('2025-11-30', { endOfDay: false });
    assert.ok(parsed.ok && parsed.iso === '2025-11-30T00:00:00Z');
  });
  it('writes compact times for names', () => assert.equal(toCompactTime('2025-11-30T23:59:59Z'), '20251130T235959Z'));

  const durations: [string, number | undefined][] = [
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['500ms', 500],
    ['1 h', 3_600_000],
    ['h', undefined],
    ['10', undefined],
    ['-1h', undefined],
  ];
  for (const [text, ms] of durations) it(`parses duration ${JSON.stringify(text)} as ${ms}`, () => assert.equal(parseDuration(text), ms));
  it('formats durations back', () => assert.deepEqual([86_400_000, 7_200_000, 60_000, 1000, 1].map(formatDuration), ['1d', '2h', '1m', '1s', '1ms']));
});

describe('revisions and suggestions', function () {
  const at = (iso: string, commit?: string) => ({ ...(commit ? { commit } : {}), committedAt: iso, submittedAt: '2030-01-01T00:00:00Z', submittedBy: 'x' });
  const cases: [ReturnType<typeof at>, ReturnType<typeof at>, boolean][] = [
    [at('2026-01-01T00:00:00Z', 'a'), at('2026-01-02T00:00:00Z', 'b'), true],
    [at('2026-01-02T00:00:00Z', 'b'), at('2026-01-01T00:00:00Z', 'a'), false],
    [at('2026-01-01T00:00:00Z', 'a'), at('2026-01-01T00:00:00Z', 'b'), false],
    [at('2025-01-01T00:00:00Z', 'same'), at('2026-01-01T00:00:00Z', 'same'), false],
  ];
  cases.forEach(([candidate, applied, older], i) =>
    it(`orders revisions (case ${i + 1}: older=${older})`, () => assert.equal(isOlderRevision(candidate, applied), older)),
  );

  const suggestions: [string, string[], string | undefined][] = [
    ['enviroments', ['environments', 'grants'], 'environments'],
    ['production', ['nonprod', 'prod'], 'prod'],
    ['dev', ['development', 'prod'], 'development'],
    ['zzz', ['environments', 'grants'], undefined],
  ];
  for (const [word, candidates, expected] of suggestions) it(`suggests ${expected} for ${word}`, () => assert.equal(closest(word, candidates), expected));
});

describe('expiry column of the status table', function () {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const cases: [string | undefined, string][] = [
    [undefined, 'never (permanent)'],
    ['2026-06-03T03:00:00Z', '2026-06-03T03:00:00Z (in 2d 3h)'],
    ['2026-06-01T01:30:00Z', '2026-06-01T01:30:00Z (in 1h 30m)'],
    ['2026-06-01T00:05:10Z', '2026-06-01T00:05:10Z (in 5m)'],
    ['2026-06-01T00:00:20Z', '2026-06-01T00:00:20Z (in 20s)'],
    ['2026-05-31T21:00:00Z', '2026-05-31T21:00:00Z (3h 0m ago)'],
  ];
  for (const [iso, shown] of cases) {
    it(`shows ${iso ?? 'no expiry'} as "${shown}"`, () => assert.equal(expiry(iso, now), shown));
  }
});

describe('what operators type and read', function () {
  const principals: [string, ReturnType<typeof parsePrincipal>][] = [
    ['role/github-actions-deployer', { type: 'role', name: 'github-actions-deployer' }],
    ['user/alice', { type: 'user', name: 'alice' }],
    ['user/alice@example.com', { type: 'user', name: 'alice' }],
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
