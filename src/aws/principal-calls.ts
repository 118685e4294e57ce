// The calls grantflow makes on a user or a role. IAM has an operation of each for users and for
// roles (AttachUserPolicy, AttachRolePolicy...): PRINCIPAL_CALLS is the one place that chooses
// between them, by the principal's type; the procedures ask it for "attach", "list the tags".
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  UntagRoleCommand,
  UntagUserCommand,
  paginateListAttachedRolePolicies,
  paginateListAttachedUserPolicies,
  paginateListRoleTags,
  paginateListUserTags,
  type AttachedPolicy,
  type Tag,
} from '@aws-sdk/client-iam';
import type { IamPrincipalType } from '../core/ids';
import type { CallContext } from './errors';
import { answering, call, listing, request, type IamListing, type IamRequest, type Target } from './iam-calls';

export interface Principal {
  type: IamPrincipalType;
  name: string;
}

export function principalContext(principal: Principal): Partial<CallContext> {
  return { principalType: principal.type, principal: principal.name };
}

/** Each call on a principal, given the principal's name: which operation, and its command. */
export interface PrincipalCalls {
  /** The managed policies attached to it. */
  listAttached(name: string): IamListing<{ AttachedPolicies?: AttachedPolicy[] }>;
  listTags(name: string): IamListing<{ Tags?: Tag[] }>;
  /** At most 50 tags a call. */
  tag(name: string, tags: Tag[]): IamRequest<unknown>;
  /** At most 50 keys a call. */
  untag(name: string, keys: string[]): IamRequest<unknown>;
  attach(name: string, arn: string): IamRequest<unknown>;
  detach(name: string, arn: string): IamRequest<unknown>;
  /** The ARN of its permission boundary (undefined: it has none). */
  boundary(name: string): IamRequest<string | undefined>;
  /** One of its inline policies' document, as IAM answers it (URL-encoded); NoSuchEntity when it has none of that name. */
  inlineDocument(name: string, policyName: string): IamRequest<string | undefined>;
  deleteInline(name: string, policyName: string): IamRequest<unknown>;
}

export const PRINCIPAL_CALLS: Record<IamPrincipalType, PrincipalCalls> = {
  user: {
    listAttached: (user) => listing('ListAttachedUserPolicies', (paging) => paginateListAttachedUserPolicies(paging, { UserName: user })),
    listTags: (user) => listing('ListUserTags', (paging) => paginateListUserTags(paging, { UserName: user })),
    tag: (user, tags) => request('TagUser', new TagUserCommand({ UserName: user, Tags: tags })),
    untag: (user, keys) => request('UntagUser', new UntagUserCommand({ UserName: user, TagKeys: keys })),
    attach: (user, arn) => request('AttachUserPolicy', new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn })),
    detach: (user, arn) => request('DetachUserPolicy', new DetachUserPolicyCommand({ UserName: user, PolicyArn: arn })),
    boundary: (user) =>
      answering(request('GetUser', new GetUserCommand({ UserName: user })), (output) => output.User?.PermissionsBoundary?.PermissionsBoundaryArn),
    inlineDocument: (user, policyName) =>
      answering(request('GetUserPolicy', new GetUserPolicyCommand({ UserName: user, PolicyName: policyName })), (output) => output.PolicyDocument),
    deleteInline: (user, policyName) => request('DeleteUserPolicy', new DeleteUserPolicyCommand({ UserName: user, PolicyName: policyName })),
  },
  role: {
    listAttached: (role) => listing('ListAttachedRolePolicies', (paging) => paginateListAttachedRolePolicies(paging, { RoleName: role })),
    listTags: (role) => listing('ListRoleTags', (paging) => paginateListRoleTags(paging, { RoleName: role })),
    tag: (role, tags) => request('TagRole', new TagRoleCommand({ RoleName: role, Tags: tags })),
    untag: (role, keys) => request('UntagRole', new UntagRoleCommand({ RoleName: role, TagKeys: keys })),
    attach: (role, arn) => request('AttachRolePolicy', new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn })),
    detach: (role, arn) => request('DetachRolePolicy', new DetachRolePolicyCommand({ RoleName: role, PolicyArn: arn })),
    boundary: (role) =>
      answering(request('GetRole', new GetRoleCommand({ RoleName: role })), (output) => output.Role?.PermissionsBoundary?.PermissionsBoundaryArn),
    inlineDocument: (role, policyName) =>
      answering(request('GetRolePolicy', new GetRolePolicyCommand({ RoleName: role, PolicyName: policyName })), (output) => output.PolicyDocument),
    deleteInline: (role, policyName) => request('DeleteRolePolicy', new DeleteRolePolicyCommand({ RoleName: role, PolicyName: policyName })),
  },
};

/** The permission boundary IAM reports on the principal (undefined: it has none). A missing principal throws PrincipalNotFound. */
export async function readPermissionsBoundary(target: Target, principal: Principal): Promise<string | undefined> {
  return await call(target, PRINCIPAL_CALLS[principal.type].boundary(principal.name), principalContext(principal));
}
