// The deployer role's least-privilege policy, derived from operations.ts (the list the
// SDK middleware enforces), so it always matches the calls the code makes.
import { IAM_OPERATIONS, type IamOperation } from './operations';

/** Permissions AWS checks in addition to the operation's own (CreatePolicy with tags needs TagPolicy). */
export const IMPLIED_ACTIONS: Partial<Record<IamOperation, string[]>> = {
  CreatePolicy: ['iam:TagPolicy'],
};

type Scope = 'policy-reads' | 'policies' | 'principals' | 'principal-changes' | 'account';

const SCOPE: Record<IamOperation, Scope> = {
  // Reading a managed policy's default version: grantflow's own, and AWS managed policies to copy.
  GetPolicy: 'policy-reads',
  CreatePolicy: 'policies',
  GetPolicyVersion: 'policy-reads',
  ListPolicyVersions: 'policies',
  CreatePolicyVersion: 'policies',
  DeletePolicyVersion: 'policies',
  DeletePolicy: 'policies',
  // Whether a policy grantflow is about to delete is still attached (its attachment count lags).
  ListEntitiesForPolicy: 'policies',
  ListAttachedUserPolicies: 'principals',
  ListAttachedRolePolicies: 'principals',
  AttachUserPolicy: 'principal-changes',
  AttachRolePolicy: 'principal-changes',
  DetachUserPolicy: 'principal-changes',
  DetachRolePolicy: 'principal-changes',
  GetUser: 'principals',
  GetRole: 'principals',
  ListUserTags: 'principals',
  ListRoleTags: 'principals',
  TagUser: 'principals',
  TagRole: 'principals',
  UntagUser: 'principals',
  UntagRole: 'principals',
  ListUserPolicies: 'principals',
  GetUserPolicy: 'principals',
  PutUserPolicy: 'principal-changes',
  DeleteUserPolicy: 'principal-changes',
  GetAccountSummary: 'account',
  // Listing policies is account-wide in IAM (it cannot be limited to a path); grantflow lists only its own paths.
  ListPolicies: 'account',
  // One listing of the account's users and roles instead of a read per principal, during a burst of applies (IAM allows it only account-wide).
  GetAccountAuthorizationDetails: 'account',
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

/**
 * @param boundaries the permission boundaries the settings require (any environment): when given,
 * the calls that change what a principal may do (attach, detach, put, delete) are allowed only on
 * principals that carry one of them, so even a misused deployer role changes only bounded principals.
 */
export function deployerPolicies(options: {
  partition: string;
  roleName: string;
  trustedPrincipal: string;
  externalId?: string;
  boundaries?: readonly string[];
}): DeployerPolicies {
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
          Sid: 'ReadGrantflowAndAwsManagedPolicies',
          Effect: 'Allow',
          Action: actions('policy-reads'),
          Resource: [`arn:${partition}:iam::*:policy/grantflow/*`, `arn:${partition}:iam::aws:policy/*`],
        },
        {
          Sid: 'ReadAndMarkPrincipals',
          Effect: 'Allow',
          Action: actions('principals'),
          Resource: [`arn:${partition}:iam::*:user/*`, `arn:${partition}:iam::*:role/*`],
        },
        {
          Sid: 'GrantAndRevokeOnPrincipals',
          Effect: 'Allow',
          Action: actions('principal-changes'),
          Resource: [`arn:${partition}:iam::*:user/*`, `arn:${partition}:iam::*:role/*`],
          ...(options.boundaries?.length ? { Condition: { StringEquals: { 'iam:PermissionsBoundary': [...new Set(options.boundaries)].sort() } } } : {}),
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
