// The pure parts of the security promise: a statement's own, stricter time limit is never widened by
// the grant's expiry, and names that collide with JavaScript's object machinery are refused at their
// file and line instead of passing validation or crashing it.
import assert from 'node:assert/strict';
import { withExpiry } from '../../src/core/documents';
import type { IamStatement } from '../../src/core/team-config';
import { runCli } from '../harness/cli';
import { BASE, NOW, writeTeam } from '../harness/config-dir';

const EXPIRY = '2026-06-03T23:59:59Z';
const statement = (condition?: IamStatement['Condition']): IamStatement => ({
  Effect: 'Allow',
  Action: ['s3:GetObject'],
  Resource: ['*'],
  ...(condition ? { Condition: condition } : {}),
});
const limitOf = (s: IamStatement) => s.Condition?.DateLessThan?.['aws:CurrentTime'];

describe('the expiry condition keeps any stricter limit the statement already has', () => {
  const cases: { name: string; own: unknown; want: unknown }[] = [
    { name: 'no limit of its own', own: undefined, want: EXPIRY },
    { name: 'an earlier ISO time', own: '2026-06-02T00:00:00Z', want: '2026-06-02T00:00:00Z' },
    { name: 'a later ISO time', own: '2027-01-01T00:00:00Z', want: EXPIRY },
    { name: 'an earlier time in a one-element list', own: ['2026-06-02T00:00:00Z'], want: '2026-06-02T00:00:00Z' },
    // IAM ORs the values of one key: [early, late] allows until `late`, so the stricter of that and the expiry wins.
    { name: 'a list whose latest value is earlier', own: ['2026-06-01T12:00:00Z', '2026-06-02T00:00:00Z'], want: '2026-06-02T00:00:00Z' },
    { name: 'a list whose latest value is later', own: ['2026-06-01T12:00:00Z', '2027-01-01T00:00:00Z'], want: EXPIRY },
    { name: 'an earlier epoch in seconds', own: 1780358400, want: '2026-06-02T00:00:00Z' },
    { name: 'an earlier epoch written as a string', own: '1780358400', want: '2026-06-02T00:00:00Z' },
    { name: 'a later epoch', own: 1893456000, want: EXPIRY },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const own = c.own === undefined ? undefined : { DateLessThan: { 'aws:CurrentTime': c.own as string } };
      const [result] = withExpiry([statement(own)], EXPIRY);
      assert.equal(limitOf(result!), c.want);
    });
  }
  it('keeps the other keys and operators of the statement', () => {
    const [result] = withExpiry([statement({ DateLessThan: { 'aws:EpochTime': '5' }, Bool: { 'aws:SecureTransport': 'true' } })], EXPIRY);
    assert.deepEqual(result!.Condition, { DateLessThan: { 'aws:EpochTime': '5', 'aws:CurrentTime': EXPIRY }, Bool: { 'aws:SecureTransport': 'true' } });
  });
});

describe('names that are JavaScript object properties are refused at file:line', () => {
  const cases: { name: string; kind: 'aws-accounts' | 'aws-policies' | 'permanent-access'; text: string; value: string }[] = [
    {
      name: 'environment "constructor"',
      kind: 'aws-accounts',
      text: 'aws-accounts:\n  nonprod: "111111111111"\n  prod: "222222222222"\n  constructor: "333333333333"\n',
      value: 'constructor',
    },
    {
      name: 'environment "__proto__"',
      kind: 'aws-accounts',
      text: 'aws-accounts:\n  nonprod: "111111111111"\n  prod: "222222222222"\n  __proto__: "333333333333"\n',
      value: '__proto__',
    },
    {
      name: 'policy "toString"',
      kind: 'aws-policies',
      text: BASE['aws-policies'] + '  toString:\n    description: "x"\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n',
      value: 'toString',
    },
    {
      name: 'a grant of an undefined policy named "constructor"',
      kind: 'permanent-access',
      text: 'permanent-access:\n  - description: x\n    users: [alice]\n    environments: [nonprod]\n    grants: [constructor]\n',
      value: 'constructor',
    },
    {
      name: 'an undefined environment named "hasOwnProperty"',
      kind: 'permanent-access',
      text: 'permanent-access:\n  - description: x\n    users: [alice]\n    environments: [hasOwnProperty]\n    grants: [reader]\n',
      value: 'hasOwnProperty',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const dir = writeTeam({ [c.kind]: c.text });
      const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
      assert.equal(result.code, 1, `exit 1 expected\n${result.stderr}`);
      const lines = result.stderr.split('\n').filter((l) => / error: /.test(l) && l.includes(c.value));
      assert.ok(lines.length > 0, `an error naming "${c.value}":\n${result.stderr}`);
      assert.match(lines[0]!, new RegExp(`${c.kind}/team\\.yaml:\\d+:\\d+: error: `));
    });
  }
});

describe('policy names that differ only in letter case', () => {
  it('are refused: IAM would make their customer-managed policies one', async () => {
    const dir = writeTeam({
      'aws-policies': `aws-policies:\n  db:\n    description: "a"\n    custom_statements:\n      - effect: Allow\n        actions: ["rds:DescribeDBInstances"]\n        resources: ["*"]\n  DB:\n    description: "b"\n    custom_statements:\n      - effect: Allow\n        actions: ["rds:DeleteDBInstance"]\n        resources: ["*"]\n  reader:\n    description: "r"\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n  breakglass:\n    description: "b"\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n`,
    });
    const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /aws-policies\/team\.yaml:8:3: error: policies "db" and "DB" differ only in letter case/);
  });
});
