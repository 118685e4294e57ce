// The deployer role's least-privilege policy, derived from operations.ts (the list the
// SDK middleware enforces), so it always matches the calls the code makes.
import { ATTACHMENT_TAG_PREFIX } from '../core/names';
import { instancePartition, type IdentityCenterSettings } from '../core/identity-center';
import { IAM_OPERATIONS, IDENTITY_STORE_OPERATIONS, SSO_ADMIN_OPERATIONS, type IamOperation, type SsoAdminOperation } from './operations';

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

/** A role's trust policy: the principal grantflow's worker runs as may assume it, with the external id when one is set. */
function assumeRoleTrust(trustedPrincipal: string, externalId: string | undefined): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: trustedPrincipal },
        Action: 'sts:AssumeRole',
        ...(externalId ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } } : {}),
      },
    ],
  };
}

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
  /** Other roles the caller assumes (the Identity Center account's), by ARN. */
  alsoAssumes?: readonly string[];
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
    trust: assumeRoleTrust(options.trustedPrincipal, options.externalId),
    caller: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: options.alsoAssumes?.length
            ? [`arn:${partition}:iam::*:role/${options.roleName}`, ...options.alsoAssumes]
            : `arn:${partition}:iam::*:role/${options.roleName}`,
        },
      ],
    },
  };
}

/** Permissions Identity Center checks in addition to the operation's own (a permission set made with tags). */
export const IDENTITY_CENTER_IMPLIED: Partial<Record<SsoAdminOperation, string[]>> = {
  CreatePermissionSet: ['sso:TagResource'],
};

/** Every action the Identity Center role is given: the operations grantflow sends there, and what they imply. */
export function identityCenterActions(): string[] {
  return [
    ...SSO_ADMIN_OPERATIONS.flatMap((op) => [`sso:${op}`, ...(IDENTITY_CENTER_IMPLIED[op] ?? [])]),
    ...IDENTITY_STORE_OPERATIONS.map((op) => `identitystore:${op}`),
  ];
}

/**
 * The role grantflow assumes in the account Identity Center is administered from: exactly the
 * operations it sends there (operations.ts), on the worker's instance, its permission sets and
 * the accounts it assigns in, and its identity store; and, when the worker may assign in the
 * organisation's management account, what Identity Center needs there to make the role it provisions.
 */
export function identityCenterPolicies(options: { settings: IdentityCenterSettings; trustedPrincipal: string }): { permissions: object; trust: object } {
  const { settings } = options;
  const partition = instancePartition(settings.instanceArn);
  const instanceId = settings.instanceArn.slice(settings.instanceArn.lastIndexOf('/') + 1);
  const ssoActions = (ops: readonly SsoAdminOperation[]) => ops.flatMap((op) => [`sso:${op}`, ...(IDENTITY_CENTER_IMPLIED[op] ?? [])]).sort();
  const management = settings.allowManagementAccount && settings.managementAccount ? settings.managementAccount : undefined;
  return {
    permissions: {
      Version: '2012-10-17',
      Statement: [
        // Listing instances (doctor) cannot be narrowed to one.
        { Sid: 'FindTheInstance', Effect: 'Allow', Action: ssoActions(SSO_ADMIN_OPERATIONS.filter((op) => op === 'ListInstances')), Resource: '*' },
        {
          Sid: 'PermissionSetsAndAssignmentsOfTheInstance',
          Effect: 'Allow',
          Action: ssoActions(SSO_ADMIN_OPERATIONS.filter((op) => op !== 'ListInstances')),
          Resource: [settings.instanceArn, `arn:${partition}:sso:::permissionSet/${instanceId}/*`, `arn:${partition}:sso:::account/*`],
        },
        {
          Sid: 'ReadTheIdentityStore',
          Effect: 'Allow',
          Action: IDENTITY_STORE_OPERATIONS.map((op) => `identitystore:${op}`).sort(),
          Resource: [
            `arn:${partition}:identitystore::${settings.account}:identitystore/${settings.identityStoreId}`,
            `arn:${partition}:identitystore:::user/*`,
            `arn:${partition}:identitystore:::group/*`,
          ],
        },
        ...(management
          ? [
              {
                Sid: 'ProvisionInTheManagementAccount',
                Effect: 'Allow',
                Action: [
                  'iam:AttachRolePolicy',
                  'iam:CreateRole',
                  'iam:DeleteRole',
                  'iam:DeleteRolePolicy',
                  'iam:DetachRolePolicy',
                  'iam:GetRole',
                  'iam:ListAttachedRolePolicies',
                  'iam:ListRolePolicies',
                  'iam:PutRolePolicy',
                  'iam:UpdateRole',
                  'iam:UpdateRoleDescription',
                ],
                Resource: `arn:${partition}:iam::${management}:role/aws-reserved/sso.amazonaws.com/*`,
              },
              {
                Sid: 'SamlProviderInTheManagementAccount',
                Effect: 'Allow',
                Action: ['iam:CreateSAMLProvider', 'iam:DeleteSAMLProvider', 'iam:GetSAMLProvider', 'iam:UpdateSAMLProvider'],
                Resource: `arn:${partition}:iam::${management}:saml-provider/AWSSSO_*`,
              },
            ]
          : []),
      ],
    },
    trust: assumeRoleTrust(options.trustedPrincipal, settings.externalId),
  };
}
