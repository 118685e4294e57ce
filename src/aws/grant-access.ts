// One grant's access, wherever it lives: an IAM user's or role's policies (grant-iam.ts), or an IAM
// Identity Center user's or group's assignment (identity-center-grant.ts). The grant workflow's
// activities and the reconcile pass's clean-ups go through here, so neither asks which it is.
import type { GrantSpec } from '../core/grant';
import type { RevokeTarget } from '../core/grant-derived';
import { isSsoPrincipal } from '../core/identity-center';
import { applyGrantIam, revokeGrantIam, type ApplyResult, type AttemptOptions, type GrantIamDeps, type RevokeResult } from './grant-iam';
import type { IdentityCenter } from './identity-center';
import { applyIdentityCenterGrant, revokeIdentityCenterGrant } from './identity-center-grant';

export interface GrantAccessDeps extends GrantIamDeps {
  identityCenter?: IdentityCenter | undefined;
}

export function applyGrantAccess(deps: GrantAccessDeps, spec: GrantSpec, options: AttemptOptions = {}): Promise<ApplyResult> {
  return isSsoPrincipal(spec.principalType) ? applyIdentityCenterGrant(deps, spec, options) : applyGrantIam(deps, spec, options);
}

export function revokeGrantAccess(deps: GrantAccessDeps, grant: RevokeTarget, options: AttemptOptions = {}): Promise<RevokeResult> {
  return isSsoPrincipal(grant.principalType) ? revokeIdentityCenterGrant(deps, grant, options) : revokeGrantIam(deps, grant, options);
}

/** The calls one IAM grant's apply makes when nothing is in its way: its two reads and its writes. */
export const QUICK_APPLY_CALLS = 5;

/**
 * Room for an apply that must not wait in the account's call budget (one that runs inside its
 * workflow's task): the release function, or undefined when the budget has not that many calls to
 * spare. Identity Center grants always take the queue (their creations are tracked across workers).
 */
export function reserveQuickApply(deps: GrantAccessDeps, spec: GrantSpec): (() => void) | undefined {
  if (isSsoPrincipal(spec.principalType)) return undefined;
  return deps.accounts.limiter(spec.account).reserve(QUICK_APPLY_CALLS);
}
