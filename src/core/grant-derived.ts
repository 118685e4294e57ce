// What follows from a grant spec: the deployer it acts as, the policies it attaches, what revoking
// it needs, and which parts AWS expires. Free of zod at run time, so the workflow bundle stays small
// (every cached workflow pays for each module the bundle initialises).
import type { Deployer, GrantSpec } from './grant';
import type { Settings } from './team-config';
import { digest } from './digest';

/** The deployer role grantflow assumes in every account, from the settings. */
export function deployerFor(settings: Pick<Settings, 'deployerRole' | 'partition' | 'deployerExternalId'>): Deployer {
  return {
    roleName: settings.deployerRole,
    partition: settings.partition,
    ...(settings.deployerExternalId ? { externalId: settings.deployerExternalId } : {}),
  };
}
/** Every managed policy the grant attaches: its own customer-managed policy first. */
export function attachedArns(grant: Pick<GrantSpec, 'customPolicyArn' | 'managedPolicyArns'>): string[] {
  return [...(grant.customPolicyArn ? [grant.customPolicyArn] : []), ...grant.managedPolicyArns];
}

/** Which parts of a temporary grant AWS itself expires and which only the workflow removes (a permanent grant does not expire). */
export function expiryParts(grant: GrantSpec): { awsExpires: string[]; workflowExpires: string[] } {
  if (grant.kind === 'permanent') return { awsExpires: [], workflowExpires: [] };
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
  /** Of `arns`, those the grant attached itself: released even where their ownership mark went missing. */
  ownedArns?: string[];
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

/**
 * What a running grant's IAM state depends on. The id names only team, account, principal, policy and
 * expiry, so a policy's managed list, its temporary statements or the deployer can change under the
 * same id: when this digest differs, the running grant must take the new spec.
 */
export function grantShape(grant: GrantSpec): string {
  return digest(JSON.stringify([revokeTarget(grant), grant.inlinePolicy?.document ?? null, grant.revokeMaxBackoffMs]));
}

/** What a grant held under its previous spec and no longer holds under the next: released once the next has landed. */
export function releasedBy(previous: GrantSpec, next: GrantSpec): RevokeTarget | undefined {
  const kept = new Set(attachedArns(next));
  const arns = attachedArns(previous).filter((arn) => !kept.has(arn));
  const inlineGone = previous.inlinePolicy && previous.inlinePolicy.name !== next.inlinePolicy?.name;
  if (arns.length === 0 && !inlineGone) return undefined;
  const { inlinePolicyName, ...target } = revokeTarget(previous);
  return { ...target, arns, ...(inlineGone && inlinePolicyName ? { inlinePolicyName } : {}) };
}
