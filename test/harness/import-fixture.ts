// An account as an organisation has it before grantflow, built in moto for the import tests: users
// with inline policies, AWS managed and customer-managed (with a path) attachments, group membership
// and tags; a role whose inline policy's Statement is an object; roles made by IAM Identity Center
// and by a service (service-linked), and the deployer role; another grantflow team's policy, mark and
// temporary inline policy. `identityPolicies` reads back every policy a principal holds (inline
// documents and attached managed documents), for the IAM evaluator.
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import type { Moto } from '../../src/local/moto';
import { markerKey } from '../../src/aws/ownership-marks';
import { READ_ONLY, VIEW_ONLY } from './team';

export const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
export const OTHER_TEAM = 'payments';

export const S3_LOGS = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ReadLogs', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::app-logs', 'arn:aws:s3:::app-logs/*'] },
    { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  ],
};
/** A role's inline policy as people write it: Statement an object, strings where IAM takes lists. */
export const DEPLOY = {
  Version: '2012-10-17',
  Statement: { Effect: 'Allow', Action: 'lambda:UpdateFunctionCode', Resource: 'arn:aws:lambda:us-east-1:*:function:app-*' },
};
export const NO_IAM = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['iam:CreateUser', 'iam:DeleteUser'], Resource: '*' }] };
const DEV_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: '*' }] };
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** The customer-managed policy (with a path) some users hold. */
export const devAccessArn = (account: string) => `arn:aws:iam::${account}:policy/teams/dev/DevAccess`;
/** Another grantflow team's policy, attached (and marked) to dave. */
export const otherTeamArn = (account: string) => `arn:aws:iam::${account}:policy/grantflow/${OTHER_TEAM}/grantflow.${OTHER_TEAM}.reader`;

/** The principals import takes, with what each holds. */
export const IMPORTED = ['user/alice', 'user/bob', 'user/carol', 'user/dave', 'role/ci-deployer'] as const;

export async function buildFixture(moto: Moto, account: string, options: { users?: boolean } = {}): Promise<void> {
  const iam = await moto.iamIn(account);
  try {
    await iam.send(new CreatePolicyCommand({ PolicyName: 'DevAccess', Path: '/teams/dev/', PolicyDocument: JSON.stringify(DEV_ACCESS) }));
    await iam.send(
      new CreatePolicyCommand({
        PolicyName: `grantflow.${OTHER_TEAM}.reader`,
        Path: `/grantflow/${OTHER_TEAM}/`,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' }] }),
        Tags: [
          { Key: 'managed-by', Value: 'grantflow' },
          { Key: 'grantflow:team', Value: OTHER_TEAM },
        ],
      }),
    );
    if (options.users !== false) {
      for (const name of ['alice', 'bob', 'carol', 'dave']) await iam.send(new CreateUserCommand({ UserName: name }));
    }
    await iam.send(
      new TagUserCommand({
        UserName: 'alice',
        Tags: [
          { Key: 'cost-center', Value: '42' },
          { Key: 'team', Value: 'dev' },
        ],
      }),
    );
    await iam.send(new CreateGroupCommand({ GroupName: 'developers' }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'developers', PolicyArn: VIEW_ONLY }));
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'developers', PolicyName: 'group-extra', PolicyDocument: JSON.stringify(NO_IAM) }));
    for (const user of ['alice', 'bob']) {
      await iam.send(new AddUserToGroupCommand({ GroupName: 'developers', UserName: user }));
      await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: READ_ONLY }));
      await iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: devAccessArn(account) }));
      await iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 's3-logs', PolicyDocument: JSON.stringify(S3_LOGS) }));
    }
    await iam.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: VIEW_ONLY }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'no-iam', PolicyDocument: JSON.stringify(NO_IAM) }));
    // dave: ReadOnlyAccess of his own, and what team payments granted him through grantflow.
    await iam.send(new AttachUserPolicyCommand({ UserName: 'dave', PolicyArn: READ_ONLY }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'dave', PolicyArn: otherTeamArn(account) }));
    await iam.send(new TagUserCommand({ UserName: 'dave', Tags: [{ Key: markerKey(otherTeamArn(account)), Value: otherTeamArn(account) }] }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'dave',
        PolicyName: `grantflow.${OTHER_TEAM}.reader.20991231T235959Z`,
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: '*' }] }),
      }),
    );

    await iam.send(new CreateRoleCommand({ RoleName: 'ci-deployer', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'ci-deployer', PolicyName: 'deploy', PolicyDocument: JSON.stringify(DEPLOY) }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        Path: '/aws-reserved/sso.amazonaws.com/',
        AssumeRolePolicyDocument: TRUST,
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef', PolicyArn: ADMIN }));
    await iam.send(
      new CreateRoleCommand({ RoleName: 'AWSServiceRoleForSupport', Path: '/aws-service-role/support.amazonaws.com/', AssumeRolePolicyDocument: TRUST }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'AWSServiceRoleForSupport', PolicyArn: READ_ONLY }));
    await iam.send(new CreateRoleCommand({ RoleName: 'AWSSelfServeDeployer', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'AWSSelfServeDeployer', PolicyArn: ADMIN }));
  } finally {
    iam.destroy();
  }
}

export interface IdentityPolicy {
  name: string;
  policy: unknown;
}

/** Every policy the principal holds now: its inline documents and the documents of its attached managed policies. */
export async function identityPolicies(moto: Moto, account: string, principal: string): Promise<IdentityPolicy[]> {
  const [type, name] = principal.split('/') as ['user' | 'role', string];
  const iam = await moto.iamIn(account);
  try {
    const out: IdentityPolicy[] = [];
    const inlineNames =
      type === 'user'
        ? ((await iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames ?? [])
        : ((await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? []);
    for (const policyName of inlineNames) {
      const document =
        type === 'user'
          ? (await iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }))).PolicyDocument!
          : (await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }))).PolicyDocument!;
      out.push({ name: `inline ${policyName}`, policy: JSON.parse(decodeURIComponent(document)) });
    }
    const attached =
      type === 'user'
        ? ((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies ?? [])
        : ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []);
    for (const { PolicyArn } of attached) {
      const found = await iam.send(new GetPolicyCommand({ PolicyArn: PolicyArn! }));
      const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: PolicyArn!, VersionId: found.Policy!.DefaultVersionId! }));
      out.push({ name: PolicyArn!, policy: JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!)) });
    }
    return out;
  } finally {
    iam.destroy();
  }
}
