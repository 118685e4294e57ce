// What follows from a grant spec: the deployer it acts as, the policies it attaches, what revoking
// it needs, and which parts AWS expires. Free of zod at run time, so the workflow bundle stays small
// (every cached workflow pays for each module the bundle initialises).
import type { Deployer, GrantSpec } from './grant';
import type { Settings } from './team-config';

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
