// An atomic grant: one principal, one account, one policy (and, if temporary, one expiry). Each is
// run by its own grant workflow, whose input is this spec.
import { z } from 'zod';
import { sourceRefSchema, type Settings } from './team-config';

export const deployerSchema = z.object({
  roleName: z.string(),
  externalId: z.string().optional(),
  partition: z.string(),
});

export const grantSpecSchema = z.object({
  id: z.string(),
  team: z.string(),
  kind: z.enum(['permanent', 'temporary']),
  principalType: z.enum(['user', 'role']),
  principal: z.string(),
  /** As written in YAML (an email for users, usually). */
  principalWritten: z.string(),
  environment: z.string(),
  account: z.string(),
  policy: z.string(),
  /** Permanent grants: the team's customer-managed policy `T-P` holding P's custom statements. */
  customPolicyArn: z.string().optional(),
  /** P's managed policies, attached as they are (for a temporary grant, for its life only). */
  managedPolicyArns: z.array(z.string()),
  /** Temporary grants: the inline policy whose statements carry the expiry condition. */
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
});

export type Deployer = z.infer<typeof deployerSchema>;

/** The deployer role grantflow assumes in every account, from the settings. */
export function deployerFor(settings: Pick<Settings, 'deployerRole' | 'partition' | 'deployerExternalId'>): Deployer {
  return {
    roleName: settings.deployerRole,
    partition: settings.partition,
    ...(settings.deployerExternalId ? { externalId: settings.deployerExternalId } : {}),
  };
}
export type GrantSpec = z.infer<typeof grantSpecSchema>;

/** Every managed policy the grant attaches: its own customer-managed policy first. */
export function attachedArns(grant: Pick<GrantSpec, 'customPolicyArn' | 'managedPolicyArns'>): string[] {
  return [...(grant.customPolicyArn ? [grant.customPolicyArn] : []), ...grant.managedPolicyArns];
}

/** A customer-managed policy `T-P` that must exist, with this document, in one account. */
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

/** Which parts of a grant AWS itself expires and which only the workflow removes. */
export function expiryParts(grant: GrantSpec): { awsExpires: string[]; workflowExpires: string[] } {
  if (grant.kind === 'permanent') return { awsExpires: [], workflowExpires: attachedArns(grant) };
  return {
    awsExpires: grant.inlinePolicy ? [`inline ${grant.inlinePolicy.name}`] : [],
    workflowExpires: attachedArns(grant),
  };
}

/** What revoking a grant needs to know; small enough for the reconcile workflow to keep per grant. */
export interface RevokeTarget {
  id: string;
  account: string;
  environment: string;
  deployer: Deployer;
  principalType: 'user' | 'role';
  principal: string;
  arns: string[];
  inlinePolicyName?: string;
}

export function revokeTarget(grant: GrantSpec): RevokeTarget {
  return {
    id: grant.id,
    account: grant.account,
    environment: grant.environment,
    deployer: grant.deployer,
    principalType: grant.principalType,
    principal: grant.principal,
    arns: attachedArns(grant),
    ...(grant.inlinePolicy ? { inlinePolicyName: grant.inlinePolicy.name } : {}),
  };
}
