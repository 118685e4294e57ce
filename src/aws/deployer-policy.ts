// The deployer role's least-privilege policy, derived from operations.ts (the list the
// SDK middleware enforces), so it always matches the calls the code makes.
import { IAM_OPERATIONS, type IamOperation } from './operations';

/** Permissions AWS checks in addition to the operation's own (CreatePolicy with tags needs TagPolicy). */
export const IMPLIED_ACTIONS: Partial<Record<IamOperation, string[]>> = {
  CreatePolicy: ['iam:TagPolicy'],
};

type Scope = 'policies' | 'principals' | 'account';

const SCOPE: Record<IamOperation, Scope> = {
  GetPolicy: 'policies',
  CreatePolicy: 'policies',
  GetPolicyVersion: 'policies',
  ListPolicyVersions: 'policies',
  CreatePolicyVersion: 'policies',
  DeletePolicyVersion: 'policies',
  DeletePolicy: 'policies',
  ListAttachedUserPolicies: 'principals',
  ListAttachedRolePolicies: 'principals',
  AttachUserPolicy: 'principals',
  AttachRolePolicy: 'principals',
  DetachUserPolicy: 'principals',
  DetachRolePolicy: 'principals',
  ListUserTags: 'principals',
  ListRoleTags: 'principals',
  TagUser: 'principals',
  TagRole: 'principals',
  UntagUser: 'principals',
  UntagRole: 'principals',
  ListUserPolicies: 'principals',
  GetUserPolicy: 'principals',
  PutUserPolicy: 'principals',
  DeleteUserPolicy: 'principals',
  GetAccountSummary: 'account',
  // Listing policies is account-wide in IAM (it cannot be limited to a path); grantflow lists only its own paths.
  ListPolicies: 'account',
};

export interface DeployerPolicies {
  /** Attach to the deployer role in every managed account. */
  permissions: object;
  /** The deployer role's trust policy: who may assume it. */
  trust: object;
  /** For the identity grantflow runs as (CI, the worker): permission to assume the deployer roles. */
  caller: object;
}

export function deployerActions(): string[] {
  return IAM_OPERATIONS.flatMap((op) => [`iam:${op}`, ...(IMPLIED_ACTIONS[op] ?? [])]);
}

export function deployerPolicies(options: { partition: string; roleName: string; trustedPrincipal: string; externalId?: string }): DeployerPolicies {
  const { partition } = options;
  const actions = (scope: Scope) =>
    IAM_OPERATIONS.filter((op) => SCOPE[op] === scope)
      .flatMap((op) => [`iam:${op}`, ...(IMPLIED_ACTIONS[op] ?? [])])
      .sort();
  return {
    permissions: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'GrantflowOwnPolicies',
          Effect: 'Allow',
          Action: actions('policies'),
          Resource: `arn:${partition}:iam::*:policy/grantflow/*`,
        },
        {
          Sid: 'GrantAndRevokeOnPrincipals',
          Effect: 'Allow',
          Action: actions('principals'),
          Resource: [`arn:${partition}:iam::*:user/*`, `arn:${partition}:iam::*:role/*`],
        },
        { Sid: 'ReadQuotas', Effect: 'Allow', Action: actions('account'), Resource: '*' },
      ],
    },
    trust: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: options.trustedPrincipal },
          Action: 'sts:AssumeRole',
          ...(options.externalId ? { Condition: { StringEquals: { 'sts:ExternalId': options.externalId } } } : {}),
        },
      ],
    },
    caller: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:${partition}:iam::*:role/${options.roleName}` }],
    },
  };
}
