// Everything IAM holds in an account, read directly (not through grantflow's clients), so a test
// can compare the state after one run with the state after two.
import {
  GetPolicyVersionCommand,
  GetUserPolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import type { Moto } from '../../src/local/moto';

export interface PrincipalSnapshot {
  attached: string[];
  inline: Record<string, string>;
  tags: Record<string, string>;
}

export interface AccountSnapshot {
  users: Record<string, PrincipalSnapshot>;
  roles: Record<string, Omit<PrincipalSnapshot, 'inline'>>;
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

export async function snapshotAccount(moto: Moto, account: string): Promise<AccountSnapshot> {
  const iam = await moto.iamIn(account);
  try {
    const snapshot: AccountSnapshot = { users: {}, roles: {}, policies: {} };
    for (const user of (await iam.send(new ListUsersCommand({}))).Users ?? []) {
      const name = user.UserName!;
      const attached = ((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort();
      const inline: Record<string, string> = {};
      for (const policy of (await iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames ?? []) {
        const doc = await unlessGone(() => iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policy })));
        if (doc) inline[policy] = JSON.stringify(JSON.parse(decodeURIComponent(doc.PolicyDocument!)));
      }
      const tags = Object.fromEntries(((await iam.send(new ListUserTagsCommand({ UserName: name }))).Tags ?? []).map((t) => [t.Key!, t.Value!]));
      snapshot.users[name] = { attached, inline, tags };
    }
    for (const role of (await iam.send(new ListRolesCommand({}))).Roles ?? []) {
      const name = role.RoleName!;
      const attached = ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort();
      const tags = Object.fromEntries(((await iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags ?? []).map((t) => [t.Key!, t.Value!]));
      snapshot.roles[name] = { attached, tags };
    }
    for (const policy of (await iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? []) {
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
