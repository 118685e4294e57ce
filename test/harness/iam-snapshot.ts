// Everything IAM holds in an account (users and roles with their attachments, inline documents and
// tags; customer-managed policies), read directly (not through grantflow's clients), so a test
// can compare the state after one run with the state after two. Lists are read to their last page:
// a leak past the first hundred users must not hide.
import {
  GetPolicyVersionCommand,
  type IAMClient,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  paginateListPolicies,
  paginateListRoles,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import type { Moto } from '../../src/local/moto';

export interface PrincipalSnapshot {
  attached: string[];
  inline: Record<string, string>;
  tags: Record<string, string>;
}

export interface AccountSnapshot {
  users: Record<string, PrincipalSnapshot>;
  roles: Record<string, PrincipalSnapshot>;
  policies: Record<string, { path: string; versions: string[]; defaultVersion: string; document: unknown }>;
}

/** IAM may change between a list and a read (a grant is being revoked): what vanished is skipped. */
async function unlessGone<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (/NoSuchEntity/.test((error as Error).name)) return undefined;
    throw error;
  }
}

/** One user's attachments, inline documents and tags. */
async function readUser(iam: IAMClient, name: string): Promise<PrincipalSnapshot> {
  const attached = ((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort();
  const inline: Record<string, string> = {};
  for (const policy of (await iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames ?? []) {
    const doc = await unlessGone(() => iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policy })));
    if (doc) inline[policy] = JSON.stringify(JSON.parse(decodeURIComponent(doc.PolicyDocument!)));
  }
  const tags = Object.fromEntries(((await iam.send(new ListUserTagsCommand({ UserName: name }))).Tags ?? []).map((t) => [t.Key!, t.Value!]));
  return { attached, inline, tags };
}

/** Only the named users: a test sharing the account with many others reads in time independent of them. */
export async function snapshotUsers(moto: Moto, account: string, names: string[]): Promise<Record<string, PrincipalSnapshot>> {
  const iam = await moto.iamIn(account);
  try {
    const users: Record<string, PrincipalSnapshot> = {};
    for (const name of names) users[name] = await readUser(iam, name);
    return users;
  } finally {
    iam.destroy();
  }
}

export async function snapshotAccount(moto: Moto, account: string): Promise<AccountSnapshot> {
  const iam = await moto.iamIn(account);
  try {
    const snapshot: AccountSnapshot = { users: {}, roles: {}, policies: {} };
    for await (const page of paginateListUsers({ client: iam }, {}))
      for (const user of page.Users ?? []) {
        snapshot.users[user.UserName!] = await readUser(iam, user.UserName!);
      }
    for await (const page of paginateListRoles({ client: iam }, {}))
      for (const role of page.Roles ?? []) {
        const name = role.RoleName!;
        const attached = ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort();
        const tags = Object.fromEntries(((await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags ?? []).map((t) => [t.Key!, t.Value!]));
        const inline: Record<string, string> = {};
        for (const policy of (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? []) {
          const doc = await unlessGone(() => iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policy })));
          if (doc) inline[policy] = JSON.stringify(JSON.parse(decodeURIComponent(doc.PolicyDocument!)));
        }
        snapshot.roles[name] = { attached, inline, tags };
      }
    for await (const page of paginateListPolicies({ client: iam }, { Scope: 'Local' }))
      for (const policy of page.Policies ?? []) {
        const versions = (await unlessGone(() => iam.send(new ListPolicyVersionsCommand({ PolicyArn: policy.Arn! }))))?.Versions;
        const current = await unlessGone(() => iam.send(new GetPolicyVersionCommand({ PolicyArn: policy.Arn!, VersionId: policy.DefaultVersionId! })));
        if (!versions || !current) continue;
        snapshot.policies[policy.Arn!] = {
          path: policy.Path!,
          versions: versions.map((v) => v.VersionId!).sort(),
          defaultVersion: policy.DefaultVersionId!,
          document: JSON.parse(decodeURIComponent(current.PolicyVersion!.Document!)),
        };
      }
    return snapshot;
  } finally {
    iam.destroy();
  }
}
