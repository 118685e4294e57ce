// The complete list of AWS operations grantflow sends. The SDK middleware in accounts.ts refuses any
// other, so this list is exactly what the deployer role needs: `grantflow deployer-policy` prints it.

export const IAM_OPERATIONS = [
  // customer-managed policies (grantflow.T.P under /grantflow/T/)
  'ListPolicies',
  'GetPolicy',
  'CreatePolicy',
  'GetPolicyVersion',
  'ListPolicyVersions',
  'CreatePolicyVersion',
  'DeletePolicyVersion',
  'DeletePolicy',
  'ListEntitiesForPolicy',
  // managed-policy attachments
  'ListAttachedUserPolicies',
  'ListAttachedRolePolicies',
  // a burst of applies in one account: one listing answers every waiting principal's reads
  'GetAccountAuthorizationDetails',
  'AttachUserPolicy',
  'AttachRolePolicy',
  'DetachUserPolicy',
  'DetachRolePolicy',
  // permission boundaries (only when permissions_boundary is set)
  'GetUser',
  'GetRole',
  // ownership marks on principals
  'ListUserTags',
  'ListRoleTags',
  'TagUser',
  'TagRole',
  'UntagUser',
  'UntagRole',
  // temporary inline policies (and, for adoption, the users' inline policies from before grantflow)
  'ListUserPolicies',
  'GetUserPolicy',
  'PutUserPolicy',
  'DeleteUserPolicy',
  // inline policies that were there before grantflow: plan reads them, adoption deletes them
  'GetRolePolicy',
  'DeleteRolePolicy',
  // quotas (plan, doctor)
  'GetAccountSummary',
] as const;

export const STS_OPERATIONS = ['AssumeRole', 'GetCallerIdentity'] as const;

export type IamOperation = (typeof IAM_OPERATIONS)[number];

/** Operations that change IAM; a re-run with nothing to do must send none of these. */
export const IAM_WRITES: ReadonlySet<string> = new Set<IamOperation>([
  'CreatePolicy',
  'CreatePolicyVersion',
  'DeletePolicyVersion',
  'DeletePolicy',
  'AttachUserPolicy',
  'AttachRolePolicy',
  'DetachUserPolicy',
  'DetachRolePolicy',
  'TagUser',
  'TagRole',
  'UntagUser',
  'UntagRole',
  'PutUserPolicy',
  'DeleteUserPolicy',
  'DeleteRolePolicy',
]);

/** `AttachUserPolicyCommand` -> `AttachUserPolicy`. */
export function operationName(commandName: string): string {
  return commandName.replace(/Command$/, '');
}

/**
 * Every IAM Identity Center call grantflow sends, in the account and region of the worker's instance
 * (its configuration's `identity_center`): what the role it assumes there needs.
 */
export const SSO_ADMIN_OPERATIONS = [
  // the instance (doctor)
  'ListInstances',
  // permission sets: grantflow's own (gf-…), and the names of existing ones to assign
  'ListPermissionSets',
  'DescribePermissionSet',
  'CreatePermissionSet',
  'UpdatePermissionSet',
  'DeletePermissionSet',
  'GetInlinePolicyForPermissionSet',
  'PutInlinePolicyToPermissionSet',
  'DeleteInlinePolicyFromPermissionSet',
  'ListManagedPoliciesInPermissionSet',
  'AttachManagedPolicyToPermissionSet',
  'DetachManagedPolicyFromPermissionSet',
  // a changed permission set, provisioned to the accounts that hold it
  'ProvisionPermissionSet',
  'DescribePermissionSetProvisioningStatus',
  'ListAccountsForProvisionedPermissionSet',
  // account assignments, and their asynchronous status
  'ListAccountAssignments',
  'ListAccountAssignmentsForPrincipal',
  'CreateAccountAssignment',
  'DescribeAccountAssignmentCreationStatus',
  'DeleteAccountAssignment',
  'DescribeAccountAssignmentDeletionStatus',
] as const;

/** The identity store's users and groups, read to find who a name or email in the YAML is. */
export const IDENTITY_STORE_OPERATIONS = ['ListUsers', 'ListGroups'] as const;

export type SsoAdminOperation = (typeof SSO_ADMIN_OPERATIONS)[number];
export type IdentityStoreOperation = (typeof IDENTITY_STORE_OPERATIONS)[number];

/** Identity Center operations that change something; a re-run with nothing to do sends none of these. */
export const IDENTITY_CENTER_WRITES: ReadonlySet<string> = new Set<SsoAdminOperation>([
  'CreatePermissionSet',
  'UpdatePermissionSet',
  'DeletePermissionSet',
  'PutInlinePolicyToPermissionSet',
  'DeleteInlinePolicyFromPermissionSet',
  'AttachManagedPolicyToPermissionSet',
  'DetachManagedPolicyFromPermissionSet',
  'ProvisionPermissionSet',
  'CreateAccountAssignment',
  'DeleteAccountAssignment',
]);
