// The worker configuration file: trusted submitters, the submission age and every guardrail, each
// mistake at its line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadWorkerConfig } from '../../../src/config/worker-config';

const BOUNDARY = 'arn:aws:iam::111111111111:policy/Boundary';

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
    [
      'an Identity Center instance ARN that is none',
      'identity_center:\n  instance_arn: ssoins-1\n  identity_store_id: d-1234567890\n  region: us-east-1\n  account: "333333333333"\n',
      2,
      /an instance ARN/,
    ],
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

  it('reads the IAM Identity Center instance, with its defaults: the deployer role, an hour of session, 20 calls a second, 10 creations in flight', () => {
    const { config, diagnostics } = loadWorkerConfig(
      write(
        [
          'guardrails:',
          '  deployer_role: GrantflowDeployer',
          'identity_center:',
          '  instance_arn: arn:aws:sso:::instance/ssoins-1234567890abcdef',
          '  identity_store_id: d-1234567890',
          '  region: eu-west-1',
          '  account: "333333333333"',
          '  management_account: "444444444444"',
        ].join('\n'),
      ),
    );
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(config.identityCenter, {
      instanceArn: 'arn:aws:sso:::instance/ssoins-1234567890abcdef',
      identityStoreId: 'd-1234567890',
      region: 'eu-west-1',
      account: '333333333333',
      roleName: 'GrantflowDeployer',
      sessionDuration: 'PT1H',
      managementAccount: '444444444444',
      allowManagementAccount: false,
      callsPerSecond: 20,
      maxCreationsInFlight: 10,
    });
    assert.deepEqual(config.guardrails.identityCenter, { managementAccount: '444444444444', allowManagementAccount: false });
  });

  it('takes the session duration as grantflow writes durations or as Identity Center does', () => {
    const base =
      'identity_center:\n  instance_arn: arn:aws:sso:::instance/ssoins-1234567890abcdef\n  identity_store_id: d-1234567890\n  region: us-east-1\n  account: "333333333333"\n';
    for (const [written, iso] of [
      ['90m', 'PT1H30M'],
      ['PT12H', 'PT12H'],
      ['2h', 'PT2H'],
    ] as const) {
      assert.equal(loadWorkerConfig(write(`${base}  session_duration: ${written}\n`)).config.identityCenter?.sessionDuration, iso, written);
    }
    const { diagnostics } = loadWorkerConfig(write(`${base}  session_duration: 13h\n`));
    assert.equal(diagnostics[0]!.line, 6);
    assert.match(diagnostics[0]!.message, /session_duration must be from 1h to 12h .* it is how long a session lasts after a revoke/);
  });

  it('names the file when it cannot be read', () => {
    const { diagnostics } = loadWorkerConfig('/nonexistent/worker.yaml');
    assert.match(diagnostics[0]!.message, /cannot read the worker configuration/);
    assert.equal(diagnostics[0]!.file, '/nonexistent/worker.yaml');
  });
});
