// One listing of an account's users, roles and groups (GetAccountAuthorizationDetails, up to 1,000 a
// page), read for `grantflow import`: what each holds, with no read per principal. The listing's calls
// go through the account's client like every other read, in its call budget.
import { paginateGetAccountAuthorizationDetails, type AttachedPolicy, type GetAccountAuthorizationDetailsCommandOutput, type Tag } from '@aws-sdk/client-iam';
import type { AccountListing, ListedInlinePolicy, ListedPrincipal } from '../core/import/listing';
import { allPages, listing, type Target } from './iam-calls';
import { LISTING_PAGE_SIZE } from './principal-reads';

/**
 * A policy document as IAM answers it: URL-encoded JSON (RFC 3986). One that does not decode to JSON
 * is kept as it came, and import reports it as not JSON.
 */
export function decodePolicyDocument(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    const decoded = decodeURIComponent(text);
    JSON.parse(decoded);
    return decoded;
  } catch {
    return text;
  }
}

function inline(list: { PolicyName?: string; PolicyDocument?: string }[] | undefined): ListedInlinePolicy[] {
  return (list ?? []).flatMap((p) => (p.PolicyName ? [{ name: p.PolicyName, document: decodePolicyDocument(p.PolicyDocument) }] : []));
}

function arns(list: AttachedPolicy[] | undefined): string[] {
  return (list ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : []));
}

function tags(list: Tag[] | undefined): ListedPrincipal['tags'] {
  return (list ?? []).flatMap((t) => (t.Key !== undefined ? [{ key: t.Key, value: t.Value ?? '' }] : []));
}

/** The listing's pages as import reads them. */
export function accountListingOf(pages: readonly GetAccountAuthorizationDetailsCommandOutput[], environment: string, account: string): AccountListing {
  const result: AccountListing = { environment, account, principals: [], groups: [] };
  for (const page of pages) {
    for (const user of page.UserDetailList ?? []) {
      if (!user.UserName) continue;
      result.principals.push({
        type: 'user',
        name: user.UserName,
        path: user.Path ?? '/',
        inline: inline(user.UserPolicyList),
        attached: arns(user.AttachedManagedPolicies),
        groups: user.GroupList ?? [],
        tags: tags(user.Tags),
      });
    }
    for (const role of page.RoleDetailList ?? []) {
      if (!role.RoleName) continue;
      result.principals.push({
        type: 'role',
        name: role.RoleName,
        path: role.Path ?? '/',
        inline: inline(role.RolePolicyList),
        attached: arns(role.AttachedManagedPolicies),
        groups: [],
        tags: tags(role.Tags),
      });
    }
    for (const group of page.GroupDetailList ?? []) {
      if (!group.GroupName) continue;
      result.groups.push({
        name: group.GroupName,
        path: group.Path ?? '/',
        inline: (group.GroupPolicyList ?? []).flatMap((p) => (p.PolicyName ? [p.PolicyName] : [])),
        attached: arns(group.AttachedManagedPolicies),
      });
    }
  }
  return result;
}

/** Every user, role and group of the account with what it holds: listing pages only. */
export async function readAccountListing(target: Target, environment: string): Promise<AccountListing> {
  const pages = await allPages(
    target,
    listing('GetAccountAuthorizationDetails', (paging) =>
      paginateGetAccountAuthorizationDetails({ ...paging, pageSize: LISTING_PAGE_SIZE }, { Filter: ['User', 'Role', 'Group'] }),
    ),
  );
  return accountListingOf(pages, environment, target.account);
}
