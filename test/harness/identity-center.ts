// IAM Identity Center on the test stack: moto's instance in the Identity Center account (a new one
// after every reset of moto, so read it again then), the worker's settings for it, users and groups
// made in its identity store, and what it holds: every account assignment, by names a test can read.
import { CreateGroupCommand, CreateUserCommand, IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountAssignmentsForPrincipalCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { IDENTITY_CENTER_DEFAULTS, type IdentityCenterSettings } from '../../src/core/identity-center';
import type { Moto } from '../../src/local/moto';

/** The account Identity Center is administered from on the test stack (moto keeps an instance per account). */
export const IC_ACCOUNT = '333333333333';
export const IC_REGION = 'us-east-1';

export interface Instance {
  instanceArn: string;
  identityStoreId: string;
  ownerAccount: string;
}

/** Clients acting in the Identity Center account, straight to moto (not through the proxy: what the test reads is the truth). */
export async function icClients(moto: Moto): Promise<{ sso: SSOAdminClient; ids: IdentitystoreClient; destroy(): void }> {
  const base = { region: IC_REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const sts = new STSClient(base);
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${IC_ACCOUNT}:role/test-admin`, RoleSessionName: 'test' }));
  sts.destroy();
  const c = assumed.Credentials!;
  const credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  const sso = new SSOAdminClient({ ...base, credentials });
  const ids = new IdentitystoreClient({ ...base, credentials });
  return { sso, ids, destroy: () => (sso.destroy(), ids.destroy()) };
}

export async function readInstance(moto: Moto): Promise<Instance> {
  const { sso, destroy } = await icClients(moto);
  try {
    const instance = (await sso.send(new ListInstancesCommand({}))).Instances![0]!;
    return { instanceArn: instance.InstanceArn!, identityStoreId: instance.IdentityStoreId!, ownerAccount: instance.OwnerAccountId! };
  } finally {
    destroy();
  }
}

/** The worker's settings for moto's instance; the management account is one no test grants in unless it says so. */
export function settingsFor(instance: Instance, overrides: Partial<IdentityCenterSettings> = {}): IdentityCenterSettings {
  return {
    instanceArn: instance.instanceArn,
    identityStoreId: instance.identityStoreId,
    region: IC_REGION,
    account: IC_ACCOUNT,
    roleName: 'AWSSelfServeDeployer',
    sessionDuration: IDENTITY_CENTER_DEFAULTS.sessionDuration,
    managementAccount: '999999999999',
    allowManagementAccount: false,
    callsPerSecond: 1000,
    maxCreationsInFlight: IDENTITY_CENTER_DEFAULTS.maxCreationsInFlight,
    ...overrides,
  };
}

/** Users (by user name, with their emails) and groups, made in the instance's identity store; answers their ids. */
export async function makeIdentities(
  moto: Moto,
  instance: Instance,
  people: { users?: { name: string; emails?: string[] }[]; groups?: string[] },
): Promise<Record<string, string>> {
  const { ids, destroy } = await icClients(moto);
  const made: Record<string, string> = {};
  try {
    for (const user of people.users ?? []) {
      const answer = await ids.send(
        new CreateUserCommand({
          IdentityStoreId: instance.identityStoreId,
          UserName: user.name,
          DisplayName: user.name,
          Name: { GivenName: user.name, FamilyName: 'Test' },
          Emails: (user.emails ?? []).map((Value, i) => ({ Value, Primary: i === 0 })),
        }),
      );
      made[user.name] = answer.UserId!;
    }
    for (const group of people.groups ?? []) {
      made[group] = (await ids.send(new CreateGroupCommand({ IdentityStoreId: instance.identityStoreId, DisplayName: group }))).GroupId!;
    }
    return made;
  } finally {
    destroy();
  }
}

export interface HeldAssignment {
  account: string;
  permissionSet: string;
  principalType: 'USER' | 'GROUP';
  principalId: string;
}

/** Every account assignment in `accounts`, each time it is held (moto keeps a duplicate create as a second one), sorted. */
export async function assignmentsIn(moto: Moto, instance: Instance, accounts: readonly string[]): Promise<HeldAssignment[]> {
  const { sso, destroy } = await icClients(moto);
  try {
    const held: HeldAssignment[] = [];
    const arns = (await sso.send(new ListPermissionSetsCommand({ InstanceArn: instance.instanceArn, MaxResults: 100 }))).PermissionSets ?? [];
    for (const arn of arns) {
      const name = (await sso.send(new DescribePermissionSetCommand({ InstanceArn: instance.instanceArn, PermissionSetArn: arn }))).PermissionSet!.Name!;
      for (const account of accounts) {
        const page = await sso.send(
          new ListAccountAssignmentsCommand({ InstanceArn: instance.instanceArn, AccountId: account, PermissionSetArn: arn, MaxResults: 100 }),
        );
        for (const a of page.AccountAssignments ?? []) {
          held.push({ account, permissionSet: name, principalType: a.PrincipalType as 'USER' | 'GROUP', principalId: a.PrincipalId! });
        }
      }
    }
    return held.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  } finally {
    destroy();
  }
}

/**
 * Every account assignment these principals hold, whatever the permission set (each time it is held),
 * sorted: what a test compares when other tests' permission sets share the instance.
 */
export async function assignmentsOf(
  moto: Moto,
  instance: Instance,
  principals: readonly { principalType: 'USER' | 'GROUP'; principalId: string }[],
): Promise<HeldAssignment[]> {
  const { sso, destroy } = await icClients(moto);
  const names = new Map<string, string>();
  const nameOf = async (arn: string) => {
    if (!names.has(arn)) {
      names.set(arn, (await sso.send(new DescribePermissionSetCommand({ InstanceArn: instance.instanceArn, PermissionSetArn: arn }))).PermissionSet!.Name!);
    }
    return names.get(arn)!;
  };
  try {
    const held: HeldAssignment[] = [];
    for (const { principalType, principalId } of principals) {
      let NextToken: string | undefined;
      do {
        const page = await sso.send(
          new ListAccountAssignmentsForPrincipalCommand({
            InstanceArn: instance.instanceArn,
            PrincipalType: principalType,
            PrincipalId: principalId,
            NextToken,
          }),
        );
        for (const a of page.AccountAssignments ?? []) {
          held.push({ account: a.AccountId!, permissionSet: await nameOf(a.PermissionSetArn!), principalType, principalId });
        }
        NextToken = page.NextToken ?? undefined;
      } while (NextToken);
    }
    return held.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  } finally {
    destroy();
  }
}

/** The names of the instance's permission sets, one per permission set (a name twice is two of them), sorted. */
export async function permissionSetNames(moto: Moto, instance: Instance): Promise<string[]> {
  const { sso, destroy } = await icClients(moto);
  try {
    const arns = (await sso.send(new ListPermissionSetsCommand({ InstanceArn: instance.instanceArn, MaxResults: 100 }))).PermissionSets ?? [];
    const names: string[] = [];
    for (const arn of arns) {
      names.push((await sso.send(new DescribePermissionSetCommand({ InstanceArn: instance.instanceArn, PermissionSetArn: arn }))).PermissionSet!.Name!);
    }
    return names.sort();
  } finally {
    destroy();
  }
}

/** What a permission set of the instance holds: its managed policies, its inline policy (parsed), its description and session. */
export async function permissionSetContent(
  moto: Moto,
  instance: Instance,
  name: string,
): Promise<{ arn: string; managed: string[]; inline: unknown; description?: string; sessionDuration?: string } | undefined> {
  const { sso, destroy } = await icClients(moto);
  try {
    const arns = (await sso.send(new ListPermissionSetsCommand({ InstanceArn: instance.instanceArn, MaxResults: 100 }))).PermissionSets ?? [];
    for (const arn of arns) {
      const set = (await sso.send(new DescribePermissionSetCommand({ InstanceArn: instance.instanceArn, PermissionSetArn: arn }))).PermissionSet!;
      if (set.Name !== name) continue;
      const managed =
        (await sso.send(new ListManagedPoliciesInPermissionSetCommand({ InstanceArn: instance.instanceArn, PermissionSetArn: arn }))).AttachedManagedPolicies ??
        [];
      const inline =
        (await sso.send(new GetInlinePolicyForPermissionSetCommand({ InstanceArn: instance.instanceArn, PermissionSetArn: arn }))).InlinePolicy ?? '';
      return {
        arn,
        managed: managed.map((m) => m.Arn!).sort(),
        inline: inline ? (JSON.parse(inline) as unknown) : undefined,
        ...(set.Description !== undefined ? { description: set.Description } : {}),
        ...(set.SessionDuration !== undefined ? { sessionDuration: set.SessionDuration } : {}),
      };
    }
    return undefined;
  } finally {
    destroy();
  }
}

/** A permission set made by hand (not grantflow's), and optionally assigned by hand: what was there before grantflow. */
export async function handMade(
  moto: Moto,
  instance: Instance,
  name: string,
  assign: { account: string; principalType: 'USER' | 'GROUP'; principalId: string }[] = [],
): Promise<string> {
  const { sso, destroy } = await icClients(moto);
  try {
    const arn = (await sso.send(new CreatePermissionSetCommand({ InstanceArn: instance.instanceArn, Name: name, Description: 'made by hand' }))).PermissionSet!
      .PermissionSetArn!;
    for (const a of assign) {
      await sso.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: instance.instanceArn,
          TargetId: a.account,
          TargetType: 'AWS_ACCOUNT',
          PermissionSetArn: arn,
          PrincipalType: a.principalType,
          PrincipalId: a.principalId,
        }),
      );
    }
    return arn;
  } finally {
    destroy();
  }
}
