// One Identity Center grant's work: assign its permission set to its user or group in its account,
// and take the assignment away again (leaving one that was there before grantflow, and one another
// live grant needs, as IAM grants leave policies). The assignment is recorded under its key
// (permission-set/<name>) where IAM grants record policy ARNs, so the grant workflow, the holders
// lookup and the sweeps treat both alike.
import type { GrantSpec } from '../core/grant';
import type { RevokeTarget } from '../core/grant-derived';
import { assignmentKey, isSsoPrincipal, ssoPrincipalKind, type SsoPrincipalType } from '../core/identity-center';
import { createAssignment, deleteAssignment, hasAssignment, type Assignment } from './account-assignments';
import { GrantflowAwsError } from './errors';
import type { ApplyResult, AttemptOptions, HolderLookup, RevokeResult } from './grant-iam';
import type { IdentityCenter } from './identity-center';
import type { IcTarget } from './identity-center-calls';
import { currentCallClass, withCallClass } from './rate-limit';

export interface IdentityCenterGrantDeps {
  /** The worker's instance; a worker without one fails every Identity Center grant, saying so. */
  identityCenter?: IdentityCenter | undefined;
  holders: HolderLookup;
}

function instanceOf(deps: IdentityCenterGrantDeps): IdentityCenter {
  if (deps.identityCenter) return deps.identityCenter;
  throw new GrantflowAwsError(
    'IdentityCenterNotConfigured',
    'this worker has no IAM Identity Center instance: add identity_center to its configuration (--worker-config) and start it again',
    false,
  );
}

function ssoType(type: string): SsoPrincipalType {
  if (isSsoPrincipal(type)) return type;
  throw new Error(`a ${type} grant is IAM's, not Identity Center's`);
}

function notFound(type: 'IdentityNotFound' | 'PermissionSetNotFound', message: string, options: AttemptOptions): GrantflowAwsError {
  const propagating = options.notFoundRetryUntil !== undefined && Date.now() < options.notFoundRetryUntil;
  const until = propagating ? `; retrying until ${new Date(options.notFoundRetryUntil!).toISOString()} in case it is being made` : '';
  return new GrantflowAwsError(type, `${message}${until}`, propagating);
}

/** An apply's calls wait behind any revoke's in the instance's budget, and ahead of a pass's reads. */
export function applyIdentityCenterGrant(deps: IdentityCenterGrantDeps, spec: GrantSpec, options: AttemptOptions = {}): Promise<ApplyResult> {
  return withCallClass({ priority: 'apply', ...(options.signal ? { signal: options.signal } : {}) }, () => applyNow(deps, spec, options));
}

/** A revoke's calls go first in the instance's budget. */
export function revokeIdentityCenterGrant(deps: IdentityCenterGrantDeps, grant: RevokeTarget, options: AttemptOptions = {}): Promise<RevokeResult> {
  const outer = currentCallClass();
  return withCallClass(
    { priority: 'revoke', ...(options.signal ? { signal: options.signal } : {}), ...(outer.whileWaiting ? { whileWaiting: outer.whileWaiting } : {}) },
    () => revokeNow(deps, grant, options),
  );
}

async function applyNow(deps: IdentityCenterGrantDeps, spec: GrantSpec, options: AttemptOptions): Promise<ApplyResult> {
  const ic = instanceOf(deps);
  const { settings } = ic.clients;
  const permissionSet = spec.permissionSet;
  if (!permissionSet) throw new Error(`grant ${spec.id} names no permission set`);
  const type = ssoType(spec.principalType);
  if (settings.managementAccount === spec.account && !settings.allowManagementAccount) {
    throw new GrantflowAwsError(
      'AccessDenied',
      `account ${spec.account} is the organisation's management account, where this worker assigns no permission set (identity_center.allow_management_account)`,
      false,
    );
  }
  const target: IcTarget = { clients: ic.clients, ...(options.signal ? { signal: options.signal } : {}) };
  const who = await ic.identities.resolve(type, spec.principal, options.signal);
  if (!who.ok) {
    if (who.reason === 'ambiguous') throw new GrantflowAwsError('IdentityAmbiguous', who.message, false);
    throw notFound('IdentityNotFound', who.message, options);
  }
  const found = await ic.permissionSets.byName(permissionSet.name, target);
  if (!found) {
    throw notFound(
      'PermissionSetNotFound',
      permissionSet.owned
        ? `permission set ${permissionSet.name} (policy ${spec.policy} of team ${spec.team}) does not exist yet in ${settings.instanceArn}: the team's reconcile pass makes it`
        : `permission set ${permissionSet.name} (policy ${spec.policy}) does not exist in ${settings.instanceArn}; create it there or fix permission_set in aws-policies`,
      options,
    );
  }
  if (permissionSet.owned && (found.owner?.team !== spec.team || found.owner.policy !== spec.policy)) {
    throw new GrantflowAwsError(
      'NotOwnedByGrantflow',
      `permission set ${permissionSet.name} is not team ${spec.team}'s for policy ${spec.policy}; grantflow does not assign it`,
      false,
    );
  }
  const key = assignmentKey(permissionSet.name);
  const assignment: Assignment = { account: spec.account, permissionSetArn: found.arn, principalType: ssoPrincipalKind(type), principalId: who.id };
  const label = { permissionSet: permissionSet.name, principal: spec.principal };
  if (!(await hasAssignment(target, assignment))) {
    // Claimed before the request: an answer lost after Identity Center made it still leaves it the grant's.
    options.progress?.claimed.push(key);
    await createAssignment(target, assignment, label);
    return { attached: [key], kept: [], foreign: [], principalId: who.id };
  }
  // There already. grantflow's own permission set is only ever assigned by grantflow; an existing one's
  // assignment is this grant's if its record says so, or another live grant holds it (shared), else it
  // was there before grantflow and is never taken away.
  if (permissionSet.owned || (options.owned ?? []).includes(key)) return { attached: [key], kept: [], foreign: [], principalId: who.id };
  const held = await deps.holders.neededArns({ account: spec.account, principalType: type, principal: spec.principal, excludeId: spec.id });
  if (held.has(key)) return { attached: [key], kept: [], foreign: [], principalId: who.id };
  return { attached: [], kept: [], foreign: [key], principalId: who.id };
}

async function revokeNow(deps: IdentityCenterGrantDeps, grant: RevokeTarget, options: AttemptOptions): Promise<RevokeResult> {
  const permissionSet = grant.permissionSet;
  const key = grant.arns[0];
  if (!permissionSet || !key) return { detached: [], kept: [] };
  // The grant's record decides; without one (a target built from a memo), only grantflow's own permission set's assignment is its.
  const own = grant.ownedArns ? grant.ownedArns.includes(key) : permissionSet.owned;
  if (!own) return { detached: [], kept: [{ arn: key, reason: 'attached before grantflow' }] };
  const ic = instanceOf(deps);
  const type = ssoType(grant.principalType);
  await options.untilDue?.();
  const stillNeeded = await deps.holders.neededArns({ account: grant.account, principalType: type, principal: grant.principal, excludeId: grant.id });
  if (stillNeeded.has(key)) return { detached: [], kept: [{ arn: key, reason: 'needed by another live grant' }] };
  const target: IcTarget = { clients: ic.clients, ...(options.signal ? { signal: options.signal } : {}) };
  let principalId = grant.principalId;
  if (!principalId) {
    const who = await ic.identities.resolve(type, grant.principal, options.signal);
    // No such user or group any more: nothing of it can hold an assignment. Ambiguous: the id its apply recorded is missing, so say so and retry.
    if (!who.ok && who.reason === 'unknown') return { detached: [], kept: [] };
    if (!who.ok) throw new GrantflowAwsError('IdentityAmbiguous', `${who.message}; the revoke of ${grant.id} cannot tell whose assignment to delete`, true);
    principalId = who.id;
  }
  const found = await ic.permissionSets.byName(permissionSet.name, target);
  if (!found) return { detached: [], kept: [] };
  const outcome = await deleteAssignment(
    target,
    { account: grant.account, permissionSetArn: found.arn, principalType: ssoPrincipalKind(type), principalId },
    { permissionSet: permissionSet.name, principal: grant.principal },
  );
  return { detached: outcome === 'deleted' ? [key] : [], kept: [] };
}
