// The bad-config corpus: every mistake is an error (exit 1) at the right file and line, naming the
// offending value, and nothing else is needed to find it. The line each case expects is marked in
// its YAML with `#<`. Then names that collide with JavaScript's object machinery, refused at their
// file and line instead of passing validation or crashing it, and policy names that differ only in
// letter case.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FileKind } from '../../../src/core/team-config';
import { runCli } from '../../harness/cli';
import { BASE, markedLine, NOW, writeTeam } from '../../harness/config-dir';

interface Case {
  name: string;
  kind: FileKind | 'grantflow';
  text: string;
  /** Where the error is, when it is reported in another file than the one changed. */
  at?: { kind: FileKind; line: number };
  /** The message must match this and contain `value`. */
  message: RegExp;
  value: string;
  /** grantflow.yaml for this case (to turn on strict_actions, say). */
  settings?: string;
  /** Other files of the config folder (path relative to it: text), such as another team's. */
  others?: Record<string, string>;
}

const STRICT = 'strict_actions: true\n';

const longActions = Array.from({ length: 90 }, () => `"s3:GetObject"`).join(', ');
const longResources = Array.from({ length: 90 }, (_, i) => `"arn:aws:s3:::a-rather-long-bucket-name-number-${i}/*"`).join(', ');
const bigStatement = (sid: string) =>
  `      - sid: ${sid}\n        effect: Allow\n        actions: ["s3:GetObject"]\n        resources: [${Array.from({ length: 20 }, (_, i) => `"arn:aws:s3:::bucket-${sid}-${i}/*"`).join(', ')}]\n`;

/** A break-glass file whose one rule is right; each case breaks one thing in it. */
const CAROL_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDyQnTZTrdhoAUjLYCyLjEIWieUMbfL/6xHnsPsElIsZ carol@laptop';
const DAVE_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICsMZo6J/EZ1VNzaFD6QbbvS4lLLpvpx1k0782qknABL dave@laptop';
const breakGlass = (rule: { environments?: string; maxDuration?: string; approvals?: string; keys?: [string, string]; extra?: string } = {}) =>
  `break-glass:\n  on-call:\n    description: On-call access\n    requesters: [bob@example.com]\n    environments:\n      - ${rule.environments ?? 'prod'}\n` +
  `    grants: [breakglass]\n    max_duration: ${rule.maxDuration ?? '4h'}\n` +
  `    approvers:\n      - user: carol@example.com\n        key: ${rule.keys?.[0] ?? CAROL_KEY}\n      - user: dave@example.com\n        key: ${rule.keys?.[1] ?? DAVE_KEY}\n` +
  (rule.approvals ? `    approvals: ${rule.approvals}\n` : '') +
  (rule.extra ?? '');

const CASES: Case[] = [
  {
    name: 'break-glass rule for an environment the team does not have',
    kind: 'break-glass',
    text: breakGlass({ environments: 'production #<' }),
    message: /unknown environment "production"/,
    value: 'production',
  },
  {
    name: 'break-glass rule longer than max_temporary_days',
    kind: 'break-glass',
    text: breakGlass({ maxDuration: '7d #<' }),
    message: /max_duration 7d is longer than temporary access may last \(max_temporary_days: 6\); use 6d or less/,
    value: '7d',
  },
  {
    name: 'break-glass max_duration that is no duration',
    kind: 'break-glass',
    text: breakGlass({ maxDuration: 'four hours #<' }),
    message: /max_duration: "four hours" is not a duration/,
    value: 'four hours',
  },
  {
    name: 'break-glass rule asking more approvals than it has approvers',
    kind: 'break-glass',
    text: breakGlass({ approvals: '3 #<' }),
    message: /approvals: 3 needs more approvers than the 2 listed/,
    value: '3',
  },
  {
    name: 'break-glass approver key that is no ed25519 key line',
    kind: 'break-glass',
    text: breakGlass({ keys: [CAROL_KEY, 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ dave #<'] }),
    message: /the key of dave@example\.com is not an OpenSSH ed25519 public key line/,
    value: 'dave@example.com',
  },
  {
    name: 'two break-glass approvers with one key',
    kind: 'break-glass',
    text: breakGlass({ keys: [CAROL_KEY, `${CAROL_KEY} #<`] }),
    message: /dave@example\.com has the same key as approver item 1/,
    value: 'dave@example.com',
  },
  {
    name: 'misspelt key in a break-glass rule',
    kind: 'break-glass',
    text: breakGlass({ extra: '    self_approve: true #<\n' }),
    message: /self_approve/,
    value: 'self_approve',
  },
  {
    name: 'YAML syntax error',
    kind: 'aws-accounts',
    text: 'aws-accounts:\n  nonprod: "111111111111"\n  prod: "222222222222": x #<\n',
    message: /YAML syntax error/,
    value: '',
  },
  {
    name: 'YAML aliases that expand too often (a "billion laughs" document), at the first alias',
    kind: 'aws-policies',
    text:
      'lol: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' +
      'lol2: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a] #<\n' +
      Array.from({ length: 7 }, (_, i) => `lol${i + 3}: &${'cdefghi'[i]} [${Array(9).fill(`*${'bcdefgh'[i]}`).join(', ')}]\n`).join(''),
    message: /YAML error: the aliases of this file, from \*a on, expand too often \(the limit is 1000 expansions; .*write the values out/,
    value: '*a',
  },
  {
    name: 'YAML alias to an anchor not defined before it',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - reader', '      - *readers #<'),
    message: /YAML error: alias \*readers names no anchor defined before it; define &readers earlier/,
    value: '*readers',
  },
  {
    name: 'duplicate key',
    kind: 'aws-accounts',
    text: 'aws-accounts:\n  nonprod: "111111111111"\n  prod: "222222222222"\n  prod: "333333333333" #<\n',
    message: /duplicate key/,
    value: 'prod',
  },
  {
    name: 'misspelt top-level key',
    kind: 'permanent-access',
    text: 'permanent_access: #<\n  - description: x\n',
    message: /unknown key "permanent_access".*did you mean "permanent-access"/,
    value: 'permanent_access',
  },
  {
    name: 'misspelt entry key',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('    environments:', '    enviroments: #<'),
    message: /unknown key "enviroments".*did you mean "environments"/,
    value: 'enviroments',
  },
  {
    name: 'unquoted account id with a leading zero',
    kind: 'aws-accounts',
    text: 'aws-accounts:\n  nonprod: 011111111111 #<\n  prod: "222222222222"\n',
    message: /must be a quoted string.*read as number 11111111111.*"011111111111"/,
    value: '011111111111',
  },
  {
    name: 'unquoted account id',
    kind: 'aws-accounts',
    text: 'aws-accounts:\n  nonprod: "111111111111"\n  prod: 222222222222 #<\n',
    message: /must be a quoted string/,
    value: '222222222222',
  },
  {
    name: 'account id with 11 digits',
    kind: 'aws-accounts',
    text: 'aws-accounts:\n  nonprod: "11111111111" #<\n  prod: "222222222222"\n',
    message: /exactly 12 digits/,
    value: '11111111111',
  },
  {
    name: 'unknown environment in permanent access',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - nonprod', '      - staging #<'),
    message: /unknown environment "staging".*nonprod/,
    value: 'staging',
  },
  {
    name: 'unknown environment in temporary access',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('environment: prod', 'environment: production #<'),
    message: /unknown environment "production".*did you mean "prod"/,
    value: 'production',
  },
  {
    name: 'unknown policy in permanent access',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - reader', '      - readers #<'),
    message: /unknown policy "readers".*did you mean "reader"/,
    value: 'readers',
  },
  {
    name: 'unknown policy in temporary access',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('grant: reader', 'grant: admin #<'),
    message: /unknown policy "admin"/,
    value: 'admin',
  },
  {
    name: 'user name IAM refuses after email conversion',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - alice@example.com', '      - alice smith@example.com #<'),
    message: /IAM user name "alice smith" contains " ".*from "alice smith@example.com"/,
    value: 'alice smith',
  },
  {
    name: 'user written as an email with nothing before the @',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - alice@example.com', '      - "@example.com" #<'),
    message: /user "@example.com" has no name before the @.*write the email as name@domain/,
    value: '@example.com',
  },
  {
    name: 'user written with two @',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('user: bob@example.com', 'user: bob@ops@example.com #<'),
    message: /user "bob@ops@example.com" has more than one @; write the email as name@domain/,
    value: 'bob@ops@example.com',
  },
  {
    name: 'user written as an email with nothing after the @',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('user: bob@example.com', 'user: bob@ #<'),
    message: /user "bob@" has no domain after the @/,
    value: 'bob@',
  },
  {
    name: 'user that is only whitespace',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - alice@example.com', '      - "   " #<'),
    message: /users\[0\]: user must not be empty \(got " {3}"\)/,
    value: 'users',
  },
  {
    name: 'role name too long',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - ci-role', `      - ${'r'.repeat(65)} #<`),
    message: /IAM role name ".*" is 65 characters; IAM allows at most 64/,
    value: 'r'.repeat(65),
  },
  {
    name: 'malformed managed policy ARN',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('"arn:aws:iam::aws:policy/ReadOnlyAccess"', '"arn:aws:iam::aws:ReadOnlyAccess" #<'),
    message: /is not a managed policy ARN/,
    value: 'arn:aws:iam::aws:ReadOnlyAccess',
  },
  {
    name: 'managed policy ARN in an unknown partition',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('"arn:aws:iam::aws:policy/ReadOnlyAccess"', '"arn:aws-moon:iam::aws:policy/ReadOnlyAccess" #<'),
    message: /partition "aws-moon"/,
    value: 'aws-moon',
  },
  {
    name: 'managed policy ARN in another partition than configured',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('"arn:aws:iam::aws:policy/ReadOnlyAccess"', '"arn:aws-cn:iam::aws:policy/ReadOnlyAccess" #<'),
    message: /is in partition aws-cn, but grantflow is set to partition aws/,
    value: 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess',
  },
  {
    name: 'managed policy ARN with a region (IAM ARNs have none)',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('"arn:aws:iam::aws:policy/ReadOnlyAccess"', '"arn:aws:iam:us-east-1:111111111111:policy/reader" #<'),
    message: /has region "us-east-1", but IAM ARNs have an empty region field \(IAM is global\); write arn:aws:iam::111111111111:policy\/reader/,
    value: 'arn:aws:iam:us-east-1:111111111111:policy/reader',
  },
  {
    name: 'IAM resource ARN with a region, which matches nothing',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('        resources: ["*"]', '        resources: ["arn:aws:iam:eu-west-1:111111111111:role/ci-*"] #<'),
    message: /has region "eu-west-1", so it matches nothing: IAM ARNs have an empty region field.*write arn:aws:iam::111111111111:role\/ci-\*/,
    value: 'arn:aws:iam:eu-west-1:111111111111:role/ci-*',
  },
  {
    name: 'permissions_boundary ARN with a region, at its environment',
    kind: 'grantflow',
    text: 'permissions_boundary:\n  nonprod: "arn:aws:iam::111111111111:policy/boundary"\n  prod: "arn:aws:iam:us-east-1:222222222222:policy/boundary" #<\n',
    message:
      /permissions_boundary for prod: .* has region "us-east-1", but IAM ARNs have an empty region field.*write arn:aws:iam::222222222222:policy\/boundary/,
    value: 'arn:aws:iam:us-east-1:222222222222:policy/boundary',
  },
  {
    name: 'action that does not exist, with strict_actions',
    settings: STRICT,
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["s3:ListBuckets", "ec2:DescribeInstances"] #<'),
    message: /action "s3:ListBuckets" does not exist in service "s3"/,
    value: 's3:ListBuckets',
  },
  {
    name: 'action with a typo gets a suggestion, with strict_actions',
    settings: STRICT,
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["s3:ListBucket", "ec2:DescribeInstance"] #<'),
    message: /"ec2:DescribeInstance" does not exist.*did you mean "ec2:DescribeInstances"\?.*an error because strict_actions is true/,
    value: 'ec2:DescribeInstance',
  },
  {
    name: 'wildcard that matches no action, with strict_actions',
    settings: STRICT,
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["s3:Frobnicate*"] #<'),
    message: /"s3:Frobnicate\*" matches no action/,
    value: 's3:Frobnicate*',
  },
  {
    name: 'unknown service prefix, with strict_actions',
    settings: STRICT,
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["s4:GetObject"] #<'),
    message: /no AWS service has the prefix "s4"; did you mean "s3:GetObject"/,
    value: 's4:GetObject',
  },
  {
    name: 'AWS managed policy that does not exist, with strict_actions',
    kind: 'aws-policies',
    settings: STRICT,
    text: BASE['aws-policies'].replace('"arn:aws:iam::aws:policy/ReadOnlyAccess"', '"arn:aws:iam::aws:policy/ReadOnlyAcess" #<'),
    message: /is not an AWS managed policy that grantflow knows .*did you mean arn:aws:iam::aws:policy\/ReadOnlyAccess\?/,
    value: 'arn:aws:iam::aws:policy/ReadOnlyAcess',
  },
  {
    name: 'action without a service prefix',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["ListBucket"] #<'),
    message: /action "ListBucket" is not of the form service:Action/,
    value: 'ListBucket',
  },
  {
    name: 'action with a wildcard in its service prefix',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["s*:ListBucket"] #<'),
    message: /the service prefix "s\*" may contain only letters, digits/,
    value: 's*:ListBucket',
  },
  {
    name: 'action with two colons',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('actions: ["s3:ListBucket", "ec2:DescribeInstances"]', 'actions: ["s3:List:Bucket"] #<'),
    message: /has more than one ":"/,
    value: 's3:List:Bucket',
  },
  {
    name: 'ARN with too few fields',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('        resources: ["*"]', '        resources: ["arn:aws:s3::my-bucket"] #<'),
    message: /resource "arn:aws:s3::my-bucket" has 5 of an ARN's 6 fields/,
    value: 'arn:aws:s3::my-bucket',
  },
  {
    name: 'date condition IAM cannot read',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace(
      '        resources: ["*"]',
      '        resources: ["*"]\n        conditions:\n          DateLessThan:\n            aws:CurrentTime: next friday #<',
    ),
    message: /DateLessThan aws:CurrentTime: "next friday" is not a date IAM can read/,
    value: 'next friday',
  },
  {
    name: 'two statements with the same sid',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace(
      '      - effect: "Allow"\n        actions: ["s3:ListBucket", "ec2:DescribeInstances"]\n        resources: ["*"]\n',
      '      - sid: Read\n        effect: "Allow"\n        actions: ["s3:ListBucket"]\n        resources: ["*"]\n      - sid: Read #<\n        effect: "Allow"\n        actions: ["ec2:DescribeInstances"]\n        resources: ["*"]\n',
    ),
    message: /sid "Read" is also the sid of statement 1; IAM requires each sid in a policy to be unique/,
    value: 'Read',
  },
  {
    name: 'strict_actions that is not a boolean',
    kind: 'grantflow',
    text: 'strict_actions: yes please #<\n',
    message: /strict_actions/,
    value: 'strict_actions',
  },
  {
    name: 'statement without actions',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace(
      '      - effect: "Allow"\n        actions: ["s3:ListBucket", "ec2:DescribeInstances"]\n',
      '      - effect: "Allow" #<\n',
    ),
    message: /a statement needs actions: add actions/,
    value: 'actions',
  },
  {
    name: 'statement without resources',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('        resources: ["*"]\n', '').replace('      - effect: "Allow"', '      - effect: "Allow" #<'),
    message: /a statement needs resources/,
    value: 'resources',
  },
  {
    name: 'effect other than Allow or Deny',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('      - effect: "Allow"', '      - effect: "allow" #<'),
    message: /effect must be "Allow" or "Deny" \(case-sensitive\), got "allow"/,
    value: 'allow',
  },
  {
    name: 'both actions and not_actions',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('        resources: ["*"]', '        not_actions: ["iam:*"] #<\n        resources: ["*"]'),
    message: /takes actions or not_actions, not both/,
    value: 'not_actions',
  },
  {
    name: 'resource that is not an ARN',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('        resources: ["*"]', '        resources: ["my-bucket"] #<'),
    message: /resource "my-bucket" is not an ARN/,
    value: 'my-bucket',
  },
  {
    name: 'unknown condition operator',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace(
      '        resources: ["*"]',
      '        resources: ["*"]\n        conditions:\n          StringEqual: #<\n            aws:RequestedRegion: eu-west-1',
    ),
    message: /unknown condition operator "StringEqual"; did you mean "StringEquals"/,
    value: 'StringEqual',
  },
  {
    name: 'sid with characters IAM refuses',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('      - effect: "Allow"', '      - sid: read-buckets #<\n        effect: "Allow"'),
    message: /sid may contain only letters and digits/,
    value: 'read-buckets',
  },
  {
    name: 'policy that grants nothing',
    kind: 'aws-policies',
    text: BASE['aws-policies'] + '  empty: #<\n    description: "nothing here"\n',
    message: /policy "empty" grants nothing/,
    value: 'empty',
  },
  {
    name: 'policy name IAM refuses',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace('  breakglass:', '  "break glass": #<'),
    message: /policy name "break glass" contains " "/,
    value: 'break glass',
  },
  {
    name: 'customer-managed policy document over 6,144 characters',
    kind: 'aws-policies',
    text: `aws-policies:\n  reader:\n    description: "huge"\n    custom_statements: #<\n      - effect: Allow\n        actions: [${longActions}]\n        resources: [${longResources}]\n`,
    message: /render to [\d,]+ characters in customer-managed policy grantflow.team.reader; IAM allows 6,144/,
    value: 'grantflow.team.reader',
  },
  {
    name: 'unparsable expiration date',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('expiration_date: 2026-06-03', 'expiration_date: 2026-13-03 #<'),
    message: /expiration_date: 2026-13-03 is not a calendar date/,
    value: '2026-13-03',
  },
  {
    name: 'timestamp without a time zone',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('expiration_date: 2026-06-03', 'expiration_date: "2026-06-03T10:00:00" #<'),
    message: /has no time zone; add Z/,
    value: '2026-06-03T10:00:00',
  },
  {
    name: 'expiration date as a number',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('expiration_date: 2026-06-03', 'expiration_date: 20260603 #<'),
    message: /must be a quoted string.*20260603/,
    value: '20260603',
  },
  {
    name: 'expiry beyond max_temporary_days',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('expiration_date: 2026-06-03', 'expiration_date: 2026-06-30 #<'),
    message: /expiration_date 2026-06-30T23:59:59Z is 30 days away; .* at most 6 days .*latest allowed now is 2026-06-07T00:00:00Z/,
    value: '2026-06-30',
  },
  {
    name: 'start date not before expiry',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('expiration_date: 2026-06-03', 'expiration_date: 2026-06-03\n    start_date: 2026-06-04 #<'),
    message: /start_date 2026-06-04T00:00:00Z is not before expiration_date 2026-06-03T23:59:59Z/,
    value: '2026-06-04',
  },
  {
    name: "one user's concurrent inline policies over 2,048 characters",
    kind: 'aws-policies',
    text: `aws-policies:\n  reader:\n    description: "big one"\n    custom_statements:\n${bigStatement('A')}${bigStatement('B')}${bigStatement('C')}  breakglass:\n    description: "other"\n    managed_policies: ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]\n`,
    at: { kind: 'temporary-access', line: 2 },
    message: /user bob in prod \(222222222222\) would hold [\d,]+ characters of inline policy at once .*IAM allows 2,048/,
    value: 'grantflow.team.reader.20260603T235959Z',
  },
  {
    name: 'more managed policies on one principal than the quota',
    kind: 'aws-policies',
    text: `aws-policies:\n  reader:\n    description: "many"\n    managed_policies:\n${Array.from({ length: 11 }, (_, i) => `      - "arn:aws:iam::111111111111:policy/p${i}"`).join('\n')}\n  breakglass:\n    description: x\n    managed_policies: ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]\n`,
    at: { kind: 'permanent-access', line: 2 },
    message: /would have 1\d managed policies attached at once; the quota is 10/,
    value: 'arn:aws:iam::111111111111:policy/p10',
  },
  {
    name: 'permanent entry naming no principal',
    kind: 'permanent-access',
    text: 'permanent-access:\n  - description: Nobody #<\n    environments: [nonprod]\n    grants: [reader]\n',
    message: /entry "Nobody" names no principal: add users, roles, sso_users or sso_groups/,
    value: 'Nobody',
  },
  {
    name: 'missing description',
    kind: 'temporary-access',
    text: 'temporary-access:\n  - user: bob@example.com #<\n    environment: prod\n    grant: reader\n    expiration_date: 2026-06-03\n',
    message: /temporary-access\[0\]\.description is required/,
    value: 'description',
  },
  {
    name: 'empty environments list',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('    environments:\n      - nonprod', '    environments: [] #<'),
    message: /environments must list at least one environment/,
    value: 'environments',
  },
  {
    name: 'grants given as a string, not a list',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('    grants:\n      - reader', '    grants: reader #<'),
    message: /permanent-access\[0\]\.grants must be a list, got the string "reader"/,
    value: 'reader',
  },
  {
    name: 'invalid setting in grantflow.yaml',
    kind: 'grantflow',
    text: 'deployer_role: AWSSelfServeDeployer\nmax_temporary_days: 0 #<\n',
    message: /max_temporary_days/,
    value: '0',
  },
  {
    name: 'require_mfa naming an environment no team of the folder defines',
    kind: 'grantflow',
    text: 'require_mfa:\n  - prod\n  - prdo #<\n',
    message: /require_mfa names environment "prdo", which no team of this config folder defines .*did you mean "prod"\?.*makes no grant require MFA/,
    value: 'prdo',
  },
  {
    name: 'require_mfa naming an environment no team of the folder defines, with another team in the folder',
    kind: 'grantflow',
    text: 'require_mfa: [prod, staging, qa] #<\n',
    others: { 'aws-accounts/web.yaml': 'aws-accounts:\n  staging: "333333333333"\n' },
    message: /require_mfa names environment "qa", which no team of this config folder defines.*"nonprod", "prod", "staging"/,
    value: 'qa',
  },
  {
    name: "permissions_boundary naming a team's customer-managed policy (under /grantflow/)",
    kind: 'grantflow',
    text: 'permissions_boundary:\n  prod: "arn:aws:iam::222222222222:policy/grantflow/team/grantflow.team.reader" #<\n',
    message:
      /permissions_boundary for prod: .* is one of grantflow's own policies \(it is under grantflow's path \/grantflow\/\); a team could widen its own boundary/,
    value: 'arn:aws:iam::222222222222:policy/grantflow/team/grantflow.team.reader',
  },
  {
    name: "permissions_boundary for every environment named with grantflow's prefix",
    kind: 'grantflow',
    text: 'max_temporary_days: 6\npermissions_boundary: "arn:aws:iam::222222222222:policy/boundaries/grantflow.team.reader" #<\n',
    message:
      /permissions_boundary: .* is one of grantflow's own policies \(its name starts with grantflow's prefix grantflow\.\).*Name a boundary policy grantflow does not write/,
    value: 'arn:aws:iam::222222222222:policy/boundaries/grantflow.team.reader',
  },
  {
    name: 'permanent grant to the deployer role',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - ci-role', '      - awsselfservedeployer #<'),
    message: /role "awsselfservedeployer" is grantflow's deployer role \(deployer_role AWSSelfServeDeployer\).*Remove it from roles/,
    value: 'awsselfservedeployer',
  },
  {
    name: 'permanent grant to the deployer role set in grantflow.yaml',
    settings: 'deployer_role: GrantflowDeployer\n',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - ci-role', '      - GrantflowDeployer #<'),
    message: /role "GrantflowDeployer" is grantflow's deployer role \(deployer_role GrantflowDeployer\)/,
    value: 'GrantflowDeployer',
  },
  {
    name: 'team name that differs only in case from another team of the folder',
    kind: 'aws-accounts',
    text: 'aws-accounts: #<\n  nonprod: "111111111111"\n  prod: "222222222222"\n',
    others: { 'permanent-access/Team.yaml': BASE['permanent-access'] },
    message: /team "team" and team "Team" of this config folder differ only in letter case; IAM names ignore case.*Rename one of the teams/,
    value: 'Team',
  },
  {
    name: 'unknown setting in grantflow.yaml',
    kind: 'grantflow',
    text: 'deployer_rol: X #<\n',
    message: /unknown key "deployer_rol".*did you mean "deployer_role"/,
    value: 'deployer_rol',
  },
  {
    name: 'notification sink lead time that is no duration',
    kind: 'grantflow',
    text: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_SEC\n    format: json\n    expiring_before: soon #<\n',
    message: /expiring_before of sink "sec" must be a duration/,
    value: 'soon',
  },
  {
    name: 'two notification sinks of one name',
    kind: 'grantflow',
    text: 'notifications:\n  - name: sec\n    url_env: GRANTFLOW_WEBHOOK_A\n    format: json\n  - name: sec #<\n    url_env: GRANTFLOW_WEBHOOK_B\n    format: slack\n',
    message: /notification sink "sec" is defined twice/,
    value: 'sec',
  },
  {
    name: 'notification sink url_env outside GRANTFLOW_WEBHOOK_',
    kind: 'grantflow',
    text: 'notifications:\n  - name: sec\n    url_env: AWS_SECRET_ACCESS_KEY #<\n    format: json\n',
    message: /url_env AWS_SECRET_ACCESS_KEY is refused: .*starts with GRANTFLOW_WEBHOOK_.*name the variable GRANTFLOW_WEBHOOK_SEC/,
    value: 'AWS_SECRET_ACCESS_KEY',
  },
  {
    name: 'replaces_inline on a policy without custom statements',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace(
      '      - "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"\n',
      '      - "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"\n    replaces_inline: glass #<\n',
    ),
    message: /replaces_inline names the inline policy that holds the custom_statements of "breakglass", which has none/,
    value: 'breakglass',
  },
  {
    name: "replaces_inline naming one of grantflow's own inline policies",
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace(
      '  reader:\n    description: "Read only"\n',
      '  reader:\n    description: "Read only"\n    replaces_inline: grantflow.team.reader.20260101T000000Z #<\n',
    ),
    message: /replaces_inline "grantflow.team.reader.20260101T000000Z" names one of grantflow's own inline policies/,
    value: 'grantflow.team.reader.20260101T000000Z',
  },
  {
    name: 'replaces_inline naming what IAM refuses as a name',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace(
      '  reader:\n    description: "Read only"\n',
      '  reader:\n    description: "Read only"\n    replaces_inline: "read only" #<\n',
    ),
    message: /replaces_inline "read only" contains " "/,
    value: 'read only',
  },
  {
    name: 'adopt that is not true or false',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('    grants:\n      - reader\n', '    grants:\n      - reader\n    adopt: yes please #<\n'),
    message: /permanent-access\[0\].adopt must be a boolean, got the string "yes please"/,
    value: 'yes please',
  },
  {
    name: 'Identity Center group whose display name holds a /',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('    roles:\n      - ci-role\n', '    sso_groups:\n      - platform/admins #<\n'),
    message: /sso_group "platform\/admins" holds a \/, which grantflow's workflow ids use as a separator/,
    value: 'platform/admins',
  },
  {
    name: 'temporary entry naming both an IAM user and an Identity Center user',
    kind: 'temporary-access',
    text: BASE['temporary-access'].replace('    user: bob@example.com\n', '    user: bob@example.com\n    sso_user: bob@example.com #<\n'),
    message: /a temporary entry names one principal: user and sso_user are both given; keep one/,
    value: 'sso_user',
  },
  {
    name: 'temporary entry naming no principal',
    kind: 'temporary-access',
    text: BASE['temporary-access']
      .replace('  - description: Debug prod #<\n', '')
      .replace('  - description: Debug prod\n    user: bob@example.com\n', '  - description: Debug prod #<\n'),
    message: /a temporary entry needs its principal: add user \(an IAM user\), sso_user or sso_group/,
    value: 'sso_user',
  },
  {
    name: 'policy naming an existing permission set and holding managed policies too',
    kind: 'aws-policies',
    text:
      BASE['aws-policies'] +
      '  admins:\n    description: "Admins, in Identity Center"\n    permission_set: AdministratorAccess #<\n    managed_policies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]\n',
    message: /policy "admins" names permission set AdministratorAccess, which is assigned as it is; it cannot also take managed_policies or custom_statements/,
    value: 'AdministratorAccess',
  },
  {
    name: 'policy naming a permission set as grantflow names its own',
    kind: 'aws-policies',
    text: BASE['aws-policies'] + '  admins:\n    description: "Admins"\n    permission_set: gf-other.admins-0123456789ab #<\n',
    message: /permission set "gf-other.admins-0123456789ab" is named as grantflow names its own/,
    value: 'gf-other.admins-0123456789ab',
  },
  {
    name: 'permission set granted to an IAM user',
    kind: 'permanent-access',
    text: BASE['permanent-access'].replace('      - reader\n', '      - admins #<\n'),
    others: { 'aws-policies/team.yaml': BASE['aws-policies'] + '  admins:\n    description: "Admins"\n    permission_set: AdministratorAccess\n' },
    message:
      /policy "admins" is the IAM Identity Center permission set AdministratorAccess, which only Identity Center users and groups can be assigned, not IAM user alice@example.com/,
    value: 'sso_users',
  },
  {
    name: 'customer-managed policy in a policy granted to Identity Center users',
    kind: 'aws-policies',
    text: BASE['aws-policies'].replace(
      '      - "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"',
      '      - "arn:aws:iam::111111111111:policy/team-tools" #<',
    ),
    others: {
      'temporary-access/team.yaml': BASE['temporary-access']
        .replace('    user: bob@example.com\n', '    sso_user: bob@example.com\n')
        .replace('grant: reader', 'grant: breakglass'),
    },
    message:
      /policy "breakglass" is granted to IAM Identity Center principals, so it becomes permission set gf-team.breakglass-[0-9a-f]{12}, which takes AWS managed policies only/,
    value: 'arn:aws:iam::111111111111:policy/team-tools',
  },
];

describe('validate: the bad-config corpus', function () {
  it(`has at least 30 distinct cases (${CASES.length})`, () => {
    assert.ok(CASES.length >= 30);
    assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
  });

  it('passes the base team the cases start from', async () => {
    const dir = writeTeam();
    const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
    assert.equal(result.code, 0, result.stderr);
    fs.rmSync(dir, { recursive: true });
  });

  for (const c of CASES) {
    it(`rejects: ${c.name}`, async () => {
      const dir = writeTeam({ ...(c.settings ? { grantflow: c.settings } : {}), [c.kind]: c.text });
      for (const [relative, text] of Object.entries(c.others ?? {})) {
        fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
        fs.writeFileSync(path.join(dir, relative), text);
      }
      try {
        const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
        assert.equal(result.code, 1, `exit code; stderr:\n${result.stderr}`);
        const file = c.at
          ? path.join(dir, c.at.kind, 'team.yaml')
          : c.kind === 'grantflow'
            ? path.join(dir, 'grantflow.yaml')
            : path.join(dir, c.kind, 'team.yaml');
        const line = c.at?.line ?? markedLine(c.text);
        const errors = result.stderr.split('\n').filter((l) => l.includes(': error: '));
        const match = errors.find((l) => l.startsWith(`${file}:${line}:`) && c.message.test(l));
        assert.ok(match, `expected an error at ${file}:${line} matching ${c.message}; got:\n${result.stderr}`);
        assert.ok(match.includes(c.value), `the message should name "${c.value}": ${match}`);
        assert.match(match, /^.+:\d+:\d+: error: .+/, 'diagnostic format <file>:<line>:<col>: error: <message>');
        assert.equal(result.stdout, '', 'no grant table when the config is invalid');
      } finally {
        fs.rmSync(dir, { recursive: true });
      }
    });
  }

  it('reports a team with no files at all', async () => {
    const dir = writeTeam({ 'aws-accounts': null, 'aws-policies': null, 'permanent-access': null, 'temporary-access': null });
    const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /team "team" has no config files; expected at least one of/);
  });

  it('reports every error of a file at once, not just the first', async () => {
    const text = BASE['permanent-access'].replace('      - nonprod', '      - staging').replace('      - reader', '      - readers');
    const dir = writeTeam({ 'permanent-access': text });
    const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /unknown environment "staging"/);
    assert.match(result.stderr, /unknown policy "readers"/);
  });

  it('reports, with one file out of shape, every mistake in the other files in the same run', async () => {
    const dir = writeTeam({
      'temporary-access':
        'temporary-access:\n  - description: Oncall\n    user: bob@example.com\n    environment: prod\n    grant: breakglass\n    expiration_date: 12\n',
      'permanent-access': BASE['permanent-access'].replace('      - nonprod', '      - staging').replace('      - reader', '      - readers'),
      'aws-policies': BASE['aws-policies'].replace('resources: ["*"]', 'resources: ["my-bucket"]'),
    });
    try {
      const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
      assert.equal(result.code, 1);
      const errors = result.stderr.split('\n').filter((l) => l.includes(': error: '));
      const from = (kind: string) => errors.filter((l) => l.startsWith(path.join(dir, kind, 'team.yaml')));
      assert.equal(from('temporary-access').length, 1, result.stderr);
      assert.match(from('temporary-access')[0]!, /expiration_date must be a quoted string/);
      assert.equal(from('permanent-access').length, 2, result.stderr);
      assert.equal(from('aws-policies').length, 1, result.stderr);
      assert.match(from('aws-policies')[0]!, /resource "my-bucket" is not an ARN/);
      assert.match(result.stderr, /team: 4 errors; nothing was sent/);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('does not report what only follows from a file out of shape (no unknown environment when the accounts file failed)', async () => {
    const dir = writeTeam({
      'aws-accounts': 'aws-accounts:\n  nonprod: 111111111111\n  prod: "222222222222"\n',
      'permanent-access': BASE['permanent-access'].replace('      - reader', '      - readers'),
    });
    try {
      const result = await runCli(['validate', 'team', '--config', dir, '--now', NOW]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /aws-accounts\.nonprod must be a quoted string/);
      assert.match(result.stderr, /unknown policy "readers"/, 'the policies file parsed, so its references are checked');
      assert.doesNotMatch(result.stderr, /unknown environment/);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
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
