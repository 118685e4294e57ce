// Error or warning, rule by rule: each case writes one team, validates it with strict_actions off and
// on, and checks the severity of the diagnostics of the rule's kind (and that no other rule errs).
// Errors are what IAM or grantflow's limits would refuse; warnings are what IAM accepts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Severity } from '../../../../src/core/diagnostics';
import { validateTeam } from '../../../../src/validate';
import { BASE, NOW, writeTeam } from '../../../harness/config-dir';

type Expect = Severity | 'none';

interface RuleCase {
  kind: string;
  name: string;
  /** The reader policy's body (its keys under `reader:`, indented by four spaces). */
  reader?: string;
  /** Whole files, for rules outside policies. */
  overrides?: Parameters<typeof writeTeam>[0];
  /** Severity with strict_actions off, and on (when it differs). */
  expect: Expect;
  strict?: Expect;
  message?: RegExp;
  /** How many diagnostics of the kind, when it matters. */
  count?: number;
}

/** The reader policy with these custom statements (YAML flow maps). */
const statements = (...items: string[]) => `    custom_statements:\n${items.map((s) => `      - ${s}`).join('\n')}\n`;
const allow = (actions: string, resources = '"*"', extra = '') => `{ effect: Allow, actions: [${actions}], resources: [${resources}]${extra} }`;
const managed = (...arns: string[]) => `    managed_policies:\n${arns.map((a) => `      - "${a}"`).join('\n')}\n`;

function policiesFile(reader: string): string {
  return `aws-policies:\n  reader:\n    description: "Read only"\n${reader}  breakglass:\n    description: "Break glass"\n    managed_policies:\n      - "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"\n`;
}

const CASES: RuleCase[] = [
  // What IAM refuses: errors whatever strict_actions says.
  { kind: 'malformed-action', name: 'an action without a service prefix', reader: statements(allow('"GetObject"')), expect: 'error' },
  { kind: 'malformed-action', name: 'two colons in an action', reader: statements(allow('"s3:Get:Object"')), expect: 'error' },
  { kind: 'malformed-action', name: 'a wildcard in the service prefix', reader: statements(allow('"s3*:GetObject"')), expect: 'error' },
  { kind: 'malformed-action', name: 'a well-formed action', reader: statements(allow('"s3:GetObject"')), expect: 'none' },
  { kind: 'malformed-action', name: '"*" as the service prefix', reader: statements(allow('"*:GetObject"')), expect: 'none' },
  { kind: 'malformed-resource', name: 'a resource that is no ARN', reader: statements(allow('"s3:GetObject"', '"my-bucket"')), expect: 'error' },
  { kind: 'malformed-resource', name: 'an ARN missing a field', reader: statements(allow('"s3:GetObject"', '"arn:aws:s3::my-bucket/*"')), expect: 'error' },
  {
    kind: 'malformed-resource',
    name: 'an ARN in an unknown partition',
    reader: statements(allow('"s3:GetObject"', '"arn:aws-moon:s3:::b/*"')),
    expect: 'error',
  },
  { kind: 'malformed-resource', name: 'an ARN with no service', reader: statements(allow('"s3:GetObject"', '"arn:aws"')), expect: 'error' },
  { kind: 'malformed-resource', name: 'a well-formed ARN with wildcards', reader: statements(allow('"s3:GetObject"', '"arn:*:s3:::b-*/*"')), expect: 'none' },
  {
    kind: 'unknown-operator',
    name: 'a misspelt condition operator',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { StringEqual: { "aws:RequestedRegion": eu-west-1 } }')),
    expect: 'error',
    message: /did you mean "StringEquals"/,
  },
  {
    kind: 'unknown-operator',
    name: 'IfExists on Null',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { NullIfExists: { "aws:TagKeys": "true" } }')),
    expect: 'error',
  },
  {
    kind: 'unknown-operator',
    name: 'ForAnyValue:StringLikeIfExists',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { "ForAnyValue:StringLikeIfExists": { "aws:TagKeys": "a*" } }')),
    expect: 'none',
  },
  {
    kind: 'malformed-condition',
    name: 'a date IAM cannot read',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { DateLessThan: { "aws:CurrentTime": "soon" } }')),
    expect: 'error',
  },
  {
    kind: 'malformed-condition',
    name: 'an ISO 8601 date',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { DateLessThan: { "aws:CurrentTime": "2026-06-30T12:00:00Z" } }')),
    expect: 'none',
  },
  {
    kind: 'malformed-condition',
    name: 'epoch seconds',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { DateGreaterThan: { "aws:EpochTime": "1767225600" } }')),
    expect: 'none',
  },
  {
    kind: 'duplicate-sid',
    name: 'two statements with one sid',
    reader: statements(
      `{ sid: A, effect: Allow, actions: ["s3:GetObject"], resources: ["*"] }`,
      `{ sid: A, effect: Allow, actions: ["s3:PutObject"], resources: ["*"] }`,
    ),
    expect: 'error',
  },
  {
    kind: 'duplicate-sid',
    name: 'two statements with empty sids (IAM accepts them)',
    reader: statements(
      `{ sid: "", effect: Allow, actions: ["s3:GetObject"], resources: ["*"] }`,
      `{ sid: "", effect: Allow, actions: ["s3:PutObject"], resources: ["*"] }`,
    ),
    expect: 'none',
  },
  {
    kind: 'policy-size',
    name: 'custom statements over 6,144 characters',
    reader: statements(allow(Array.from({ length: 420 }, () => '"s3:GetObject"').join(', '))),
    overrides: { 'temporary-access': null },
    expect: 'error',
    message: /render to 6,[\d]{3} characters .* IAM allows 6,144/,
  },
  {
    kind: 'inline-size',
    name: "one user's inline policies over 2,048 characters",
    reader: statements(allow(Array.from({ length: 140 }, () => '"s3:GetObject"').join(', '))),
    expect: 'error',
    message: /would hold 2,[\d]{3} characters of inline policy at once .* IAM allows 2,048 per user/,
  },
  {
    kind: 'managed-policy-quota',
    name: 'more managed policies on one principal than the quota',
    reader: managed(...Array.from({ length: 11 }, (_, i) => `arn:aws:iam::111111111111:policy/p${i}`)),
    expect: 'error',
    message: /would have 11 managed policies attached at once; the quota is 10/,
  },
  { kind: 'empty-policy', name: 'a policy that grants nothing', reader: '', expect: 'error' },
  { kind: 'malformed-arn', name: 'a managed policy ARN IAM would refuse', reader: managed('arn:aws:iam::aws:ReadOnlyAccess'), expect: 'error' },
  { kind: 'wrong-partition', name: 'a managed policy of another partition', reader: managed('arn:aws-cn:iam::aws:policy/ReadOnlyAccess'), expect: 'error' },

  // Unknown to the offline catalogues: warnings, errors with strict_actions.
  {
    kind: 'unknown-action',
    name: 'an action the service does not have',
    reader: statements(allow('"s3:ListBuckets"')),
    expect: 'warning',
    strict: 'error',
    message: /did you mean "s3:ListBucket"\?/,
  },
  { kind: 'unknown-action', name: 'a wildcard that matches nothing', reader: statements(allow('"s3:Frobnicate*"')), expect: 'warning', strict: 'error' },
  {
    kind: 'unknown-action',
    name: 'an action in NotAction',
    reader: statements('{ effect: Deny, not_actions: ["s3:GetObjekt"], resources: ["*"] }'),
    expect: 'warning',
    strict: 'error',
  },
  { kind: 'unknown-action', name: 'an action in another letter case', reader: statements(allow('"S3:getobject"')), expect: 'none' },
  {
    kind: 'unknown-service',
    name: 'an unknown service prefix',
    reader: statements(allow('"s4:GetObject"')),
    expect: 'warning',
    strict: 'error',
    message: /did you mean "s3:GetObject"\?/,
  },
  {
    kind: 'unknown-service',
    name: 'several actions of one unknown prefix in a statement (one warning)',
    reader: statements(allow('"deepracer:ListModels", "deepracer:GetModel", "s3:GetObject"')),
    expect: 'warning',
    strict: 'error',
    count: 1,
    message: /^2 actions \("deepracer:ListModels", "deepracer:GetModel"\): no AWS service has the prefix "deepracer"/,
  },
  { kind: 'unknown-service', name: 'a retired service (deeplens)', reader: statements(allow('"deeplens:*"')), expect: 'warning', strict: 'error' },
  {
    kind: 'unknown-managed-policy',
    name: 'a misspelt AWS managed policy',
    reader: managed('arn:aws:iam::aws:policy/ReadOnlyAcess'),
    expect: 'warning',
    strict: 'error',
    message: /did you mean arn:aws:iam::aws:policy\/ReadOnlyAccess\?/,
  },
  {
    kind: 'unknown-managed-policy',
    name: 'an AWS managed policy at the wrong path',
    reader: managed('arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole'),
    expect: 'warning',
    strict: 'error',
    message: /did you mean arn:aws:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole\?/,
  },
  {
    kind: 'unknown-managed-policy',
    name: 'a known AWS managed policy',
    reader: managed('arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'),
    expect: 'none',
  },
  {
    kind: 'unknown-managed-policy',
    name: 'a customer-managed policy (not looked up)',
    reader: managed('arn:aws:iam::111111111111:policy/anything'),
    expect: 'none',
  },

  // IAM accepts these, and strict_actions does not change them: warnings.
  {
    kind: 'unknown-condition-key',
    name: 'an aws: key AWS does not have',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { StringEquals: { "aws:RequestedRegon": eu-west-1 } }')),
    expect: 'warning',
    message: /did you mean "aws:RequestedRegion"\?/,
  },
  {
    kind: 'unknown-condition-key',
    name: 'a tag key',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { StringEquals: { "aws:PrincipalTag/team": a } }')),
    expect: 'none',
  },
  {
    kind: 'unknown-condition-key',
    name: 'a global key in another letter case',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { StringEquals: { "aws:principalorgid": o-1 } }')),
    expect: 'none',
  },
  {
    kind: 'unknown-condition-key',
    name: 'a service key (not checked)',
    reader: statements(allow('"s3:GetObject"', '"*"', ', conditions: { StringEquals: { "s3:prefixx": a } }')),
    expect: 'none',
  },
  { kind: 'admin-access', name: 'every action on every resource', reader: statements(allow('"*"')), expect: 'warning' },
  {
    kind: 'allow-not-action',
    name: 'Allow with not_actions',
    reader: statements('{ effect: Allow, not_actions: ["iam:*"], resources: ["*"] }'),
    expect: 'warning',
  },
  {
    kind: 'allow-not-resource',
    name: 'Allow with not_resources',
    reader: statements('{ effect: Allow, actions: ["s3:GetObject"], not_resources: ["arn:aws:s3:::secret/*"] }'),
    expect: 'warning',
  },
  {
    kind: 'allow-not-resource',
    name: 'Deny with not_resources',
    reader: statements('{ effect: Deny, actions: ["s3:*"], not_resources: ["arn:aws:s3:::mine/*"] }'),
    expect: 'none',
  },
  { kind: 'admin-managed-policy', name: 'AdministratorAccess', reader: managed('arn:aws:iam::aws:policy/AdministratorAccess'), expect: 'warning' },
  {
    kind: 'duplicate-managed-policy',
    name: 'one managed policy listed twice',
    reader: managed('arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/ReadOnlyAccess'),
    expect: 'warning',
  },
  {
    kind: 'privilege-escalation',
    name: 'iam:CreatePolicyVersion',
    reader: statements(allow('"iam:CreatePolicyVersion"')),
    expect: 'warning',
    message: /iam:CreatePolicyVersion \(write a new default version, allowing everything, of a managed policy it holds\)/,
  },
  {
    kind: 'privilege-escalation',
    name: 'glue:UpdateDevEndpoint',
    reader: statements(allow('"glue:UpdateDevEndpoint"')),
    expect: 'warning',
    message: /glue:UpdateDevEndpoint \(put its SSH key/,
  },
  {
    kind: 'privilege-escalation',
    name: 'lambda:UpdateFunctionCode',
    reader: statements(allow('"lambda:UpdateFunctionCode"')),
    expect: 'warning',
    message: /replace the code of a function/,
  },
  {
    kind: 'privilege-escalation',
    name: 'iam:* (many paths, the rest by name)',
    reader: statements(allow('"iam:*"', '"arn:aws:iam::*:user/x"')),
    expect: 'warning',
    message: /; and \d+ more: iam:/,
  },
  {
    kind: 'privilege-escalation',
    name: 'attaching only a named policy (iam:PolicyARN)',
    reader: statements(
      allow('"iam:AttachRolePolicy"', '"*"', ', conditions: { ArnEquals: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" } }'),
    ),
    expect: 'none',
  },
  {
    kind: 'privilege-escalation',
    name: 'attaching any AWS policy (iam:PolicyARN with a wildcard)',
    reader: statements(allow('"iam:AttachRolePolicy"', '"*"', ', conditions: { ArnLike: { "iam:PolicyARN": "arn:aws:iam::aws:policy/*" } }')),
    expect: 'warning',
  },
  {
    kind: 'privilege-escalation',
    name: 'access keys for oneself only',
    reader: statements(allow('"iam:CreateAccessKey"', '"arn:aws:iam::*:user/${aws:username}"')),
    expect: 'none',
  },
  {
    kind: 'privilege-escalation',
    name: 'access keys for other users',
    reader: statements(allow('"iam:CreateAccessKey"', '"arn:aws:iam::*:user/*"')),
    expect: 'warning',
  },
  {
    kind: 'privilege-escalation',
    name: 'sts:AssumeRole on every role',
    reader: statements(allow('"sts:AssumeRole"', '"arn:aws:iam::*:role/*"')),
    expect: 'warning',
  },
  {
    kind: 'privilege-escalation',
    name: 'sts:AssumeRole on one role',
    reader: statements(allow('"sts:AssumeRole"', '"arn:aws:iam::111111111111:role/deployer"')),
    expect: 'none',
  },
  {
    kind: 'privilege-escalation',
    name: 'a Deny of escalation actions',
    reader: statements('{ effect: Deny, actions: ["iam:*"], resources: ["*"] }'),
    expect: 'none',
  },
  { kind: 'privilege-escalation', name: 'read-only actions', reader: statements(allow('"iam:Get*", "iam:List*"')), expect: 'none' },
  { kind: 'pass-role', name: 'iam:PassRole on every role', reader: statements(allow('"iam:PassRole"')), expect: 'warning', message: /create compute/ },
  {
    kind: 'pass-role',
    name: 'iam:PassRole in every account, on every role',
    reader: statements(allow('"iam:PassRole"', '"arn:aws:iam::*:role/*"')),
    expect: 'warning',
  },
  { kind: 'pass-role', name: 'iam:PassRole limited to some roles', reader: statements(allow('"iam:PassRole"', '"arn:aws:iam::*:role/app-*"')), expect: 'none' },
  {
    kind: 'pass-role',
    name: 'iam:PassRole limited by iam:PassedToService',
    reader: statements(allow('"iam:PassRole"', '"*"', ', conditions: { StringEquals: { "iam:PassedToService": ec2.amazonaws.com } }')),
    expect: 'none',
  },
  {
    kind: 'pass-role',
    name: 'iam:PassRole with a negated iam:PassedToService',
    reader: statements(allow('"iam:PassRole"', '"*"', ', conditions: { StringNotEquals: { "iam:PassedToService": ec2.amazonaws.com } }')),
    expect: 'warning',
  },
  {
    kind: 'pass-role',
    name: 'iam:PassRole with ec2:RunInstances in another statement',
    reader: statements(allow('"iam:PassRole"'), allow('"ec2:RunInstances"')),
    expect: 'warning',
    message: /with ec2:RunInstances \(launch an instance with a more privileged role/,
  },
  { kind: 'pass-role', name: 'iam:* on every resource', reader: statements(allow('"iam:*"')), expect: 'warning' },
  { kind: 'privilege-escalation', name: 'ec2:RunInstances alone (no PassRole)', reader: statements(allow('"ec2:RunInstances"')), expect: 'none' },

  // Rules about entries and files.
  {
    kind: 'expired-entry',
    name: 'an expired temporary entry',
    overrides: { 'temporary-access': BASE['temporary-access'].replace('2026-06-03', '2026-05-20') },
    expect: 'warning',
  },
  {
    kind: 'duplicate-grant',
    name: 'the same grant twice',
    overrides: {
      'permanent-access': `${BASE['permanent-access']}  - description: Again\n    users: [alice@example.com]\n    environments: [nonprod]\n    grants: [reader]\n`,
    },
    expect: 'warning',
  },
  {
    kind: 'same-iam-user',
    name: 'two emails, one IAM user',
    overrides: { 'permanent-access': BASE['permanent-access'].replace('      - alice@example.com', '      - alice@example.com\n      - alice@example.org') },
    expect: 'warning',
  },
  {
    kind: 'same-account',
    name: 'two environments, one account',
    overrides: { 'aws-accounts': 'aws-accounts:\n  nonprod: "111111111111"\n  prod: "222222222222"\n  staging: "111111111111"\n' },
    expect: 'warning',
  },
  { kind: 'empty-file', name: 'an empty file', overrides: { 'temporary-access': '' }, expect: 'warning' },
];

async function diagnosticsOf(c: RuleCase, strict: boolean) {
  const overrides = {
    ...(c.reader !== undefined ? { 'aws-policies': policiesFile(c.reader) } : {}),
    ...c.overrides,
    ...(strict ? { grantflow: 'strict_actions: true\n' } : {}),
  };
  const dir = writeTeam(overrides);
  try {
    const validation = await validateTeam({ dir, team: 'team', env: {}, nowMs: Date.parse(NOW) });
    return validation.diagnostics;
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

describe('lint: error or warning, rule by rule', function () {
  it('covers every rule with at least one case that fires and, for policies, one that does not', () => {
    const fires = new Set(CASES.filter((c) => c.expect !== 'none').map((c) => c.kind));
    assert.ok(fires.size >= 25, `${fires.size} kinds`);
    for (const kind of [
      'malformed-action',
      'malformed-resource',
      'unknown-action',
      'unknown-managed-policy',
      'unknown-condition-key',
      'privilege-escalation',
      'pass-role',
    ]) {
      assert.ok(
        CASES.some((c) => c.kind === kind && c.expect === 'none'),
        `${kind} has no case where it stays silent`,
      );
    }
  });

  for (const c of CASES) {
    for (const strict of [false, true]) {
      const expected = strict ? (c.strict ?? c.expect) : c.expect;
      it(`${c.kind}: ${c.name}${strict ? ', strict_actions' : ''}: ${expected}`, async () => {
        const diagnostics = await diagnosticsOf(c, strict);
        const found = diagnostics.filter((d) => d.kind === c.kind);
        if (expected === 'none') assert.deepEqual(found, [], `expected no ${c.kind}`);
        else {
          assert.ok(found.length > 0, `expected a ${c.kind} ${expected}; got:\n${diagnostics.map((d) => `${d.severity} ${d.kind}: ${d.message}`).join('\n')}`);
          for (const d of found) assert.equal(d.severity, expected, d.message);
          if (c.message) assert.match(found[0]!.message, c.message);
          if (c.count !== undefined) assert.equal(found.length, c.count);
          assert.ok(
            found.every((d) => d.line > 1 || c.kind === 'empty-file'),
            'points at the offending line',
          );
        }
        const otherErrors = diagnostics.filter((d) => d.severity === 'error' && d.kind !== c.kind);
        assert.deepEqual(
          otherErrors.map((d) => d.message),
          [],
          'no other rule reports an error',
        );
      });
    }
  }
});
