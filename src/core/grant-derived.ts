// What follows from a grant spec: the deployer it acts as, the policies it attaches, what revoking
// it needs, and which parts AWS expires. Free of zod at run time, so the workflow bundle stays small
// (every cached workflow pays for each module the bundle initialises).
import type { Deployer, GrantSpec } from './grant';
import type { PrincipalType } from './ids';
import type { Settings } from './team-config';
import { digest } from './digest';
import { assignmentKey } from './identity-center';

/** The deployer role grantflow assumes in every account, from the settings. */
export function deployerFor(settings: Pick<Settings, 'deployerRole' | 'partition' | 'deployerExternalId'>): Deployer {
  return {
    roleName: settings.deployerRole,
    partition: settings.partition,
    ...(settings.deployerExternalId ? { externalId: settings.deployerExternalId } : {}),
  };
}
/**
 * Every managed policy the grant attaches: its own customer-managed policy first, then its expiring
 * copies, then the managed policies attached as they are, including each one the spec says is
 * attached as is instead of copied (`attachedAsIs`), so the memo holds it whatever built the spec.
 * An Identity Center grant holds one assignment instead, under its key (./identity-center.ts).
 */
export function attachedArns(
  grant: Pick<GrantSpec, 'customPolicyArn' | 'managedPolicyArns' | 'expiringCopies' | 'attachedAsIs'> & Partial<Pick<GrantSpec, 'permissionSet'>>,
): string[] {
  if (grant.permissionSet) return [assignmentKey(grant.permissionSet.name)];
  const arns = [...(grant.customPolicyArn ? [grant.customPolicyArn] : []), ...(grant.expiringCopies ?? []).map((c) => c.arn), ...grant.managedPolicyArns];
  // Expansion lists them among managedPolicyArns already: only one missing there is added.
  const asIs = (grant.attachedAsIs ?? []).map((p) => p.arn).filter((arn, i, all) => !arns.includes(arn) && all.indexOf(arn) === i);
  return [...arns, ...asIs];
}

/**
 * Which parts of a temporary grant AWS itself expires (the inline policy and the expiring copies,
 * whose Allow statements carry the expiry condition) and which only the workflow removes (managed
 * policies attached as they are, with the reason no copy is made). A permanent grant does not expire.
 */
export function expiryParts(grant: GrantSpec): { awsExpires: string[]; workflowExpires: string[] } {
  if (grant.kind === 'permanent') return { awsExpires: [], workflowExpires: [] };
  // An assignment carries no condition: only the workflow ends it.
  if (grant.permissionSet) return { awsExpires: [], workflowExpires: [`assignment of permission set ${grant.permissionSet.name}`] };
  return {
    awsExpires: [
      ...(grant.inlinePolicy ? [`inline ${grant.inlinePolicy.name}`] : []),
      ...(grant.expiringCopies ?? []).map((c) => `${c.sourceArn} as expiring copy ${c.name}`),
    ],
    workflowExpires: attachedArns({ ...grant, expiringCopies: [] }),
  };
}

/** Managed policies of a temporary grant attached as they are, and why no expiring copy is made. */
export function notCopied(grant: GrantSpec): { arn: string; reason: string }[] {
  return grant.kind === 'temporary' ? (grant.attachedAsIs ?? []) : [];
}

/**
 * Parts of a grant in an environment that requires MFA that cannot carry the MFA condition: managed
 * policies attached as they are. `plan` and `validate` warn about each.
 */
export function unconditionedParts(grant: GrantSpec): string[] {
  return grant.mfa ? [...grant.managedPolicyArns] : [];
}

/** What revoking a grant needs to know; small enough for the reconcile workflow to keep per grant. */
export interface RevokeTarget {
  id: string;
  account: string;
  environment: string;
  deployer: Deployer;
  principalType: PrincipalType;
  principal: string;
  arns: string[];
  /** Identity Center grants: the permission set whose assignment `arns` holds under its key. */
  permissionSet?: { name: string; owned: boolean };
  /** Identity Center grants: the principal's id in the identity store, as the grant's apply found it (its assignment names this id). */
  principalId?: string;
  inlinePolicyName?: string;
  /** The grant's expiring copies: deleted once detached (they belong to this grant alone). */
  copyArns?: string[];
  /**
   * The grant's own record: of `arns`, those its applies attached (or took over from another live
   * grant sharing them). When present, only these are released (even where their ownership mark
   * went missing), and a mark alone counts for nothing: anyone allowed to tag the principal can write
   * one. Absent when no record exists (a target built from a memo): then the marks decide.
   */
  ownedArns?: string[];
}

/**
 * The grant's revoke by its own workflow, which adds to `ownedArns` what its applies reported
 * attached: the record starts empty, so what no apply of this grant attached is never released by it.
 */
export function revokeTarget(grant: GrantSpec): RevokeTarget {
  return {
    id: grant.id,
    account: grant.account,
    environment: grant.environment,
    deployer: grant.deployer,
    principalType: grant.principalType,
    principal: grant.principal,
    // A copy's source too: attached instead when the account's version no longer fits as a copy
    // (released only where grantflow's mark says it attached it).
    arns: [...attachedArns(grant), ...(grant.expiringCopies ?? []).map((c) => c.sourceArn)],
    ...(grant.permissionSet ? { permissionSet: grant.permissionSet } : {}),
    ...(grant.inlinePolicy ? { inlinePolicyName: grant.inlinePolicy.name } : {}),
    ...(grant.expiringCopies?.length ? { copyArns: grant.expiringCopies.map((c) => c.arn) } : {}),
    ownedArns: [],
  };
}

/** The revoke target without the grant's record: what the spec alone says (its shape, and releases of a previous spec). */
function specTarget(grant: GrantSpec): Omit<RevokeTarget, 'ownedArns'> {
  const { ownedArns: _record, ...target } = revokeTarget(grant);
  return target;
}

/**
 * What a running grant's IAM state depends on. The id names only team, account, principal, policy and
 * expiry, so a policy's managed list, its temporary statements or the deployer can change under the
 * same id: when this digest differs, the running grant must take the new spec.
 */
export function grantShape(grant: GrantSpec): string {
  // MFA changes what the copies say, not their names; it, and what adoption needs, are added only when
  // set, so earlier grants keep their digest.
  const adoption = grant.adopt || grant.inlineOriginal ? [{ adopt: grant.adopt ?? false, inlineOriginal: grant.inlineOriginal ?? null }] : [];
  return digest(JSON.stringify([specTarget(grant), grant.inlinePolicy?.document ?? null, grant.revokeMaxBackoffMs, ...(grant.mfa ? [true] : []), ...adoption]));
}

/** What a grant held under its previous spec and no longer holds under the next: released once the next has landed. */
export function releasedBy(previous: GrantSpec, next: GrantSpec): RevokeTarget | undefined {
  // A source both specs copy stays (the apply may have had to attach it instead); one the previous
  // spec attached as is and the next copies is released once the copy has landed.
  const copiedBoth = new Set(
    (next.expiringCopies ?? []).map((c) => c.sourceArn).filter((arn) => (previous.expiringCopies ?? []).some((c) => c.sourceArn === arn)),
  );
  const kept = new Set([...attachedArns(next), ...copiedBoth]);
  const arns = specTarget(previous).arns.filter((arn) => !kept.has(arn));
  const keptCopies = new Set(specTarget(next).copyArns ?? []);
  const copyArns = (specTarget(previous).copyArns ?? []).filter((arn) => !keptCopies.has(arn));
  const inlineGone = previous.inlinePolicy && previous.inlinePolicy.name !== next.inlinePolicy?.name;
  if (arns.length === 0 && copyArns.length === 0 && !inlineGone) return undefined;
  // Without the record, which the workflow holds and does not pass along here: the marks decide.
  const { inlinePolicyName, copyArns: _all, ...target } = specTarget(previous);
  return { ...target, arns, ...(inlineGone && inlinePolicyName ? { inlinePolicyName } : {}), ...(copyArns.length ? { copyArns } : {}) };
}

/**
 * What the principal held before grantflow that the grant's access also comes from, and grantflow
 * leaves in place: managed policies the apply found attached and not grantflow's (`foreign`), and the
 * inline original its policy names, unless adoption deleted it (or found it gone). `status` and
 * `show` list them: removing the grant's entry leaves them, until the entry says `adopt: true`.
 */
export function beforeGrantflow(grant: Pick<GrantSpec, 'inlineOriginal'>, foreign: readonly string[], inlineAdopted?: string): string[] {
  const gone = inlineAdopted === 'deleted' || inlineAdopted === 'absent';
  return [...foreign, ...(grant.inlineOriginal && !gone ? [`inline policy ${grant.inlineOriginal.name}`] : [])];
}
