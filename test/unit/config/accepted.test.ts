// What validate accepts: the example team, the example from the README of the Python tool grantflow replaces (but for its one slip), warnings
// that do not fail, and the guarantee that validating never touches the network.
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { runBin, runCli } from '../../harness/cli';
import { BASE, NOW, writeTeam } from '../../harness/config-dir';

const REPO = path.resolve(__dirname, '../../../..');

describe('validate: accepted configs and warnings', function () {
  it('passes the example team in config/', async () => {
    const result = await runCli(['validate', 'example-team', '--config', path.join(REPO, 'config'), '--now', NOW]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /example-team: valid; 5 grants \(5 permanent, 0 temporary\) from 4 files/);
    assert.match(result.stdout, /user\/user1\s+nonprod \(123456789012\)\s+developers\.read-only\s+permanent/);
    assert.doesNotMatch(result.stderr, /: error: /);
    // Checked today, not only at a fixed moment: the shipped example has no date that goes stale.
    const today = await runCli(['validate', 'example-team', '--config', path.join(REPO, 'config')]);
    assert.equal(today.code, 0, today.stderr);
    assert.doesNotMatch(today.stderr, /expired|skipped|days away/);
  });

  it("rejects the Python tool README's example, copied verbatim, for dev.read-only at its line in permanent-access", async () => {
    const dir = path.join(REPO, 'test', 'fixtures', 'python-readme-example');
    const result = await runCli(['validate', 'example-team', '--config', dir, '--now', NOW]);
    assert.equal(result.code, 1);
    const errors = result.stderr.split('\n').filter((l) => l.includes(': error: '));
    assert.deepEqual(errors.length, 1, result.stderr);
    assert.match(
      errors[0]!,
      new RegExp(`^${path.join(dir, 'permanent-access', 'example-team.yaml').replace(/[.]/g, '\\.')}:10:9: error: unknown policy "dev\\.read-only"`),
    );
    assert.match(errors[0]!, /"developers\.read-only"/, 'it lists the policies that do exist');
  });

  const WARNINGS: { name: string; overrides: Parameters<typeof writeTeam>[0]; message: RegExp }[] = [
    {
      name: 'an expired temporary entry (skipped)',
      overrides: { 'temporary-access': BASE['temporary-access'].replace('2026-06-03', '2026-05-20') },
      message: /warning: expired at 2026-05-20T23:59:59Z; this entry is skipped/,
    },
    {
      name: 'Allow * on *',
      overrides: { 'aws-policies': BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["*"]') },
      message: /warning: statement allows every action \("\*"\) on every resource \("\*"\)/,
    },
    {
      name: 'privilege escalation (iam:PassRole)',
      overrides: {
        'aws-policies': BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["iam:PassRole", "s3:ListBucket"]'),
      },
      message: /warning: iam:PassRole on every role, to any service: .*Limit the resources to the roles it must pass/,
    },
    {
      name: 'escalation through a wildcard (iam:Put*Policy)',
      overrides: { 'aws-policies': BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["iam:Put*Policy"]') },
      message:
        /warning: statement allows privilege escalation: iam:PutUserPolicy \(write an inline policy allowing anything into a user such as itself\); iam:PutGroupPolicy .*; iam:PutRolePolicy/,
    },
    {
      name: 'sts:AssumeRole on *',
      overrides: { 'aws-policies': BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["sts:AssumeRole"]') },
      message: /warning: statement allows privilege escalation: sts:AssumeRole \(assume any role whose trust policy admits this account\)/,
    },
    {
      name: 'an action the catalogue does not know (strict_actions is off)',
      overrides: { 'aws-policies': BASE['aws-policies'].replace('"ec2:DescribeInstances"', '"ec2:DescribeInstance"') },
      message:
        /warning: action "ec2:DescribeInstance" does not exist in service "ec2"; did you mean "ec2:DescribeInstances"\? \(action catalogue @cloud-copilot\/iam-data [\d.]+, data of \d{4}-\d{2}-\d{2}\)\. IAM accepts an unknown action/,
    },
    {
      name: 'an AWS managed policy at the wrong path',
      overrides: { 'aws-policies': BASE['aws-policies'].replace('policy/job-function/ViewOnlyAccess', 'policy/ViewOnlyAccess') },
      message:
        /warning: arn:aws:iam::aws:policy\/ViewOnlyAccess is not an AWS managed policy that grantflow knows .*did you mean arn:aws:iam::aws:policy\/job-function\/ViewOnlyAccess\?/,
    },
    {
      name: 'an aws: condition key AWS does not have',
      overrides: {
        'aws-policies': BASE['aws-policies'].replace(
          '        resources: ["*"]',
          '        resources: ["*"]\n        conditions:\n          IpAddress:\n            aws:SouceIp: 10.0.0.0/8',
        ),
      },
      message: /warning: condition key "aws:SouceIp" is not one of AWS.s global condition keys; did you mean "aws:SourceIp"\?/,
    },
    {
      name: 'updating a Glue development endpoint (an escalation path)',
      overrides: { 'aws-policies': BASE['aws-policies'].replace('"ec2:DescribeInstances"', '"glue:UpdateDevEndpoint"') },
      message:
        /warning: statement allows privilege escalation: glue:UpdateDevEndpoint \(put its SSH key on an existing Glue development endpoint and use the endpoint's role\)/,
    },
    {
      name: 'two emails that map to the same IAM user',
      overrides: { 'permanent-access': BASE['permanent-access'].replace('      - alice@example.com', '      - alice@example.com\n      - alice@example.org') },
      message: /warning: "alice@example.org" and "alice@example.com" both become IAM user "alice"/,
    },
    {
      name: 'the same grant listed twice',
      overrides: {
        'permanent-access': `${BASE['permanent-access']}  - description: Again\n    users: [alice@example.com]\n    environments: [nonprod]\n    grants: [reader]\n`,
      },
      message: /warning: the same grant is listed twice \(grantflow\/team\/111111111111\/user\/alice\/reader\)/,
    },
  ];

  for (const w of WARNINGS) {
    it(`warns, and still passes, on ${w.name}`, async () => {
      const dir = writeTeam(w.overrides);
      const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, w.message);
      assert.doesNotMatch(result.stderr, /: error: /);
    });
  }

  it('prints the expanded grants as JSON with --json', async () => {
    const dir = writeTeam();
    const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW, '--json']);
    assert.equal(result.code, 0);
    const parsed = JSON.parse(result.stdout) as { valid: boolean; grants: { id: string; kind: string; awsExpires: string[]; workflowExpires: string[] }[] };
    assert.equal(parsed.valid, true);
    assert.deepEqual(
      parsed.grants.map((g) => g.id),
      [
        'grantflow/team/111111111111/role/ci-role/reader',
        'grantflow/team/111111111111/user/alice/reader',
        'grantflow/team/222222222222/user/bob/reader/until/2026-06-03T23:59:59Z',
      ],
    );
    const temporary = parsed.grants[2]!;
    assert.deepEqual(temporary.awsExpires, ['inline grantflow.team.reader.20260603T235959Z']);
    assert.deepEqual(temporary.workflowExpires, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    // A permanent grant does not expire: neither AWS nor the workflow removes anything on a date.
    assert.deepEqual([parsed.grants[1]!.awsExpires, parsed.grants[1]!.workflowExpires], [[], []]);
  });

  it('makes no network connection at all (in process, with every connect refused)', async () => {
    const attempts: unknown[] = [];
    const original = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      attempts.push(args[0]);
      throw new Error('network access during validate');
    } as typeof original;
    try {
      const dir = writeTeam();
      const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
      assert.equal(result.code, 0, result.stderr);
    } finally {
      net.Socket.prototype.connect = original;
    }
    assert.deepEqual(attempts, []);
  });

  it('passes as a child process with every endpoint pointing at a closed port', async () => {
    const dir = writeTeam();
    const closed = 'http://127.0.0.1:9';
    const result = await runBin(['validate', 'team', '--config', dir, '--now', NOW], {
      AWS_ENDPOINT_URL: closed,
      AWS_ENDPOINT_URL_IAM: closed,
      AWS_ENDPOINT_URL_STS: closed,
      TEMPORAL_ADDRESS: '127.0.0.1:9',
      HTTP_PROXY: closed,
      HTTPS_PROXY: closed,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /team: valid; 3 grants/);
  });
});
