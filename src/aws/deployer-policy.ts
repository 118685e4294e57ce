// The deployer role's least-privilege policy, derived from operations.ts (the list the
// SDK middleware enforces), so it always matches the calls the code makes.
import { ATTACHMENT_TAG_PREFIX } from '../core/names';
import { IAM_OPERATIONS, type IamOperation } from './operations';

/** Permissions AWS checks in addition to the operation's own (CreatePolicy with tags needs TagPolicy). */
export const IMPLIED_ACTIONS: Partial<Record<IamOperation, string[]>> = {
  CreatePolicy: ['iam:TagPolicy'],
};

/**
 * `grants`: what gives a principal more (attach, put), conditioned on the permission boundary when
 * one is required; `revokes`: what takes it away (detach, delete), never conditioned, so a grant stays
 * revokable whatever happens to the principal's boundary; `marks`: grantflow's ownership tags, and no
 * other tag.
 */
type Scope = 'policy-reads' | 'policies' | 'principals' | 'marks' | 'grants' | 'revokes' | 'account';

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
  AttachUserPolicy: 'grants',
  AttachRolePolicy: 'grants',
  DetachUserPolicy: 'revokes',
  DetachRolePolicy: 'revokes',
  GetUser: 'principals',
  GetRole: 'principals',
  ListUserTags: 'principals',
  ListRoleTags: 'principals',
  TagUser: 'marks',
  TagRole: 'marks',
  UntagUser: 'marks',
  UntagRole: 'marks',
  ListUserPolicies: 'principals',
  GetUserPolicy: 'principals',
  PutUserPolicy: 'grants',
  DeleteUserPolicy: 'revokes',
  GetRolePolicy: 'principals',
  // Adoption deletes a role's inline policy once grantflow's policy holding its statements is attached.
  DeleteRolePolicy: 'revokes',
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
 * What the deployer role may never do to itself, whatever else is attached to it: change its own
 * policies (attach, detach, put or delete inline), its tags, its boundary or who may assume it.
 * Explicit denies, so no allow in this or another policy of the role can turn it on itself.
 */
export const SELF_PROTECTED_ACTIONS = [
  'iam:AttachRolePolicy',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy',
] as const;

/** The deployer role in every account, at any path (role names are unique per account whatever the path). */
export function deployerRoleResources(partition: string, roleName: string): string[] {
  return [`arn:${partition}:iam::*:role/${roleName}`, `arn:${partition}:iam::*:role/*/${roleName}`];
}

/**
 * @param boundaries the permission boundaries the settings require (any environment): when given,
 * the calls that give a principal more (attach, put) are allowed only on principals that carry one of
 * them, so even a misused deployer role grants only to bounded principals. The calls that take access
 * away (detach, delete) are never conditioned: a grant stays revokable after its principal's boundary
 * is removed.
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
  const principals = [`arn:${partition}:iam::*:user/*`, `arn:${partition}:iam::*:role/*`];
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
        { Sid: 'ReadPrincipals', Effect: 'Allow', Action: actions('principals'), Resource: principals },
        {
          // Only grantflow's ownership marks: every key a request sets or removes has the prefix, and a request names at least one.
          Sid: 'MarkPrincipalsWithGrantflowTagsOnly',
          Effect: 'Allow',
          Action: actions('marks'),
          Resource: principals,
          Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': [`${ATTACHMENT_TAG_PREFIX}*`] }, Null: { 'aws:TagKeys': 'false' } },
        },
        {
          Sid: 'GrantOnPrincipals',
          Effect: 'Allow',
          Action: actions('grants'),
          Resource: principals,
          ...(options.boundaries?.length ? { Condition: { StringEquals: { 'iam:PermissionsBoundary': [...new Set(options.boundaries)].sort() } } } : {}),
        },
        { Sid: 'RevokeOnPrincipals', Effect: 'Allow', Action: actions('revokes'), Resource: principals },
        { Sid: 'ReadQuotas', Effect: 'Allow', Action: actions('account'), Resource: '*' },
        {
          Sid: 'NeverOnTheDeployerRoleItself',
          Effect: 'Deny',
          Action: [...SELF_PROTECTED_ACTIONS],
          Resource: deployerRoleResources(partition, options.roleName),
        },
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
