// An atomic grant: one principal, one account, one policy (and, if temporary, one expiry). Each is
// run by its own grant workflow, whose input is this spec. Schemas and types only: what is derived
// from a grant lives in grant-derived.ts, which workflow code can load without zod.
import { z } from 'zod';
import { sourceRefSchema } from './team-config';

export const deployerSchema = z.object({
  roleName: z.string(),
  externalId: z.string().optional(),
  partition: z.string(),
});

/** A managed policy of a temporary grant, written as a customer-managed copy that expires on AWS's side. */
export const expiringCopySchema = z.object({ sourceArn: z.string(), name: z.string(), arn: z.string() });

export type ExpiringCopy = z.infer<typeof expiringCopySchema>;

export const grantSpecSchema = z.object({
  id: z.string(),
  team: z.string(),
  kind: z.enum(['permanent', 'temporary']),
  /** An IAM user or role, or an IAM Identity Center user or group (whose grants assign `permissionSet`). */
  principalType: z.enum(['user', 'role', 'sso-user', 'sso-group']),
  principal: z.string(),
  /** As written in YAML (an email for users, usually). */
  principalWritten: z.string(),
  environment: z.string(),
  account: z.string(),
  policy: z.string(),
  /** Permanent grants: the team's customer-managed policy `grantflow.T.P` holding P's custom statements. */
  customPolicyArn: z.string().optional(),
  /** P's managed policies, attached as they are (for a temporary grant, for its life only). Empty for an Identity Center grant. */
  managedPolicyArns: z.array(z.string()),
  /**
   * Identity Center grants: the permission set assigned to the principal in the account, in the
   * worker's instance. `owned`: grantflow's own for the policy (./names.ts permissionSetName), kept in
   * line with the YAML by the reconcile pass; else one that exists already, assigned as it is.
   */
  permissionSet: z.object({ name: z.string(), owned: z.boolean() }).optional(),
  /**
   * Temporary grants: managed policies written as customer-managed copies whose statements carry
   * the grant's conditions.
   */
  expiringCopies: z.array(expiringCopySchema).optional(),
  /** Temporary grants: the managed policies attached as they are, and why no copy is made. */
  attachedAsIs: z.array(z.object({ arn: z.string(), reason: z.string() })).optional(),
  /** The permission boundary the principal must carry before anything is granted to it. */
  permissionsBoundary: z.string().optional(),
  /** The environment requires MFA: every Allow statement grantflow writes for the grant carries it (a Deny never does). */
  mfa: z.boolean().optional(),
  /**
   * Permanent grants of a policy imported from an inline policy (`replaces_inline`): that inline
   * policy's name, and the document of the policy's statements as written (no condition added), which
   * the inline policy must hold for `plan` to call the grant already in IAM, and for adoption to delete it.
   */
  inlineOriginal: z.object({ name: z.string(), document: z.string() }).optional(),
  /** Permanent grants of an entry that says `adopt: true`: found attachments become grantflow's, the inline original goes once grantflow's policy is attached. */
  adopt: z.boolean().optional(),
  /** Temporary grants: the inline policy whose Allow statements carry the expiry condition. */
  inlinePolicy: z.object({ name: z.string(), document: z.string() }).optional(),
  startsAt: z.string().optional(),
  expiresAt: z.string().optional(),
  deployer: deployerSchema,
  description: z.string(),
  source: sourceRefSchema,
  reason: z.string().optional(),
  ticket: z.string().optional(),
  /** The longest pause between revoke attempts while IAM keeps failing. */
  revokeMaxBackoffMs: z.number(),
  /** How long IAM's "no such user/policy" is retried after the first apply. */
  propagationWaitMs: z.number().optional(),
});

export type Deployer = z.infer<typeof deployerSchema>;

export type GrantSpec = z.infer<typeof grantSpecSchema>;

/** A customer-managed policy `grantflow.T.P` that must exist, with this document, in one account. */
export const policySyncSchema = z.object({
  account: z.string(),
  environment: z.string(),
  team: z.string(),
  policy: z.string(),
  name: z.string(),
  arn: z.string(),
  document: z.string(),
  description: z.string(),
});

export type PolicySync = z.infer<typeof policySyncSchema>;

/**
 * A permission set grantflow owns: the policy's managed policies, and its custom statements as the
 * inline policy. One per (team, policy), for every account; the worker's settings give its session duration.
 */
export const permissionSetSyncSchema = z.object({
  team: z.string(),
  policy: z.string(),
  name: z.string(),
  description: z.string(),
  managedPolicyArns: z.array(z.string()),
  inlinePolicy: z.string().optional(),
});

export type PermissionSetSync = z.infer<typeof permissionSetSyncSchema>;
