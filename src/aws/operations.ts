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
