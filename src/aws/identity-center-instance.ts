// The worker's IAM Identity Center instance as `doctor` looks at it: is it there (and is its identity
// store the configured one), who owns it (the organisation's management account), and how many
// permission sets it holds against Identity Center's quota.
import { ListInstancesCommand, ListPermissionSetsCommand } from '@aws-sdk/client-sso-admin';
import { allPages, ssoAdmin, type IcTarget } from './identity-center-calls';

/** Identity Center's default quota of permission sets per instance. */
export const PERMISSION_SETS_QUOTA = 2000;

export interface InstanceFound {
  instanceArn: string;
  identityStoreId?: string;
  /** The account that owns the instance: the organisation's management account for an organisation instance. */
  ownerAccount?: string;
}

/** The instances the role sees (one, usually). */
export async function listInstances(target: IcTarget): Promise<InstanceFound[]> {
  return allPages(async (NextToken) => {
    const page = await ssoAdmin(target, new ListInstancesCommand({ ...(NextToken ? { NextToken } : {}) }), 'the instances');
    return {
      items: (page.Instances ?? []).flatMap((i) =>
        i.InstanceArn
          ? [
              {
                instanceArn: i.InstanceArn,
                ...(i.IdentityStoreId ? { identityStoreId: i.IdentityStoreId } : {}),
                ...(i.OwnerAccountId ? { ownerAccount: i.OwnerAccountId } : {}),
              },
            ]
          : [],
      ),
      next: page.NextToken,
    };
  });
}

/** How many permission sets the instance holds. */
export async function countPermissionSets(target: IcTarget): Promise<number> {
  const InstanceArn = target.clients.settings.instanceArn;
  const arns = await allPages(async (NextToken) => {
    const page = await ssoAdmin(
      target,
      new ListPermissionSetsCommand({ InstanceArn, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }),
      'the permission sets',
    );
    return { items: page.PermissionSets ?? [], next: page.NextToken };
  });
  return arns.length;
}
