// One grant's IAM work: put it in place (its inline policy and managed-policy attachments), and take
// it away (leaving what was there before grantflow and what other live grants still need). The
// grant workflow's local activities and the reconcile pass's clean-up both do it through here.
import type { GrantSpec } from '../core/grant';
import { attachedArns, type RevokeTarget } from '../core/grant-derived';
import { iamPrincipalType, type PrincipalType } from '../core/ids';
import type { AccountClients, AccountRef } from './accounts';
import { GrantflowAwsError } from './errors';
import { BOUNDARY_MISSING } from '../core/grant-failures';
import { boundaryProblem } from '../core/managed-copies';
import { parseCopyPolicyName } from '../core/names';
import { ensureExpiringCopy, type CopyOutcome } from './expiring-copies';
import type { Target } from './iam-calls';
import { deleteInlinePolicy, putInlinePolicy } from './inline-policies';
import { attachManaged, releaseManaged, type AttachOutcome, type ReleaseOutcome } from './managed-attachments';
import { deletePolicyIfUnused } from './managed-policies';
import { readPermissionsBoundary, type Principal } from './principal-calls';
import { currentCallClass, withCallClass } from './rate-limit';

/** Who else holds managed policies on a principal; Temporal visibility answers it in production (src/temporal/holders.ts). */
export interface HolderLookup {
  /** Managed-policy ARNs that live grants other than `excludeId` hold on the principal. */
  neededArns(query: { account: string; principalType: PrincipalType; principal: string; excludeId?: string }): Promise<Set<string>>;
}

export interface GrantIamDeps {
  accounts: AccountClients;
  holders: HolderLookup;
}

export interface AttemptOptions {
  /** Aborted when the workflow abandons the attempt: no IAM call is sent after that. */
  signal?: AbortSignal;
  /** Until then, "no such user/policy" counts as IAM propagation delay and is retried. */
  notFoundRetryUntil?: number;
  /** What the grant's record already holds as its own (earlier applies): kept as its own without asking who else holds it. */
  owned?: readonly string[];
  /**
   * Filled as the apply goes: each ARN it found absent and marked for its own attach. An attempt that
   * fails after that (a lost answer, throttling past the retries) reports them, so that the grant's
   * record keeps what the attempt may have attached, and the next attempt's find is not "someone else's".
   */
  progress?: { claimed: string[] };
}

export interface ApplyResult extends AttachOutcome {
  /**
   * What the grant may count as its own from now on, and its workflow records for the revoke: what
   * this apply attached (a copy's source attached instead of the copy included), and what it found
   * attached under grantflow's mark while another live grant holds it (a policy two grants share).
   * A mark no live grant accounts for is not taken: it stays under `kept`, and the revoke leaves it.
   */
  attached: string[];
  inline?: 'put' | 'unchanged';
  /** Each expiring copy, by its ARN: written, unchanged, or too large (its source attached instead). */
  copies?: Record<string, CopyOutcome>;
  /** Identity Center grants: the principal's id in the identity store (the grant's revoke deletes the assignment of this id). */
  principalId?: string;
}

export interface RevokeResult extends ReleaseOutcome {
  inline?: 'deleted' | 'absent';
  /** Expiring copies deleted (or already gone) once detached. */
  copies?: Record<string, 'deleted' | 'absent' | 'in-use' | 'not-owned'>;
}

function targetFor(deps: GrantIamDeps, ref: AccountRef, options: AttemptOptions = {}): Target {
  return {
    ...deps.accounts.target(ref),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.notFoundRetryUntil !== undefined ? { notFoundRetryUntil: options.notFoundRetryUntil } : {}),
  };
}

/** An apply's calls wait behind any revoke's in the account's call budget, and ahead of a pass's reads. */
export function applyGrantIam(deps: GrantIamDeps, spec: GrantSpec, options: AttemptOptions = {}): Promise<ApplyResult> {
  return withCallClass({ priority: 'apply', ...(options.signal ? { signal: options.signal } : {}) }, () => applyNow(deps, spec, options));
}

/** A revoke's calls go first in the account's call budget, whatever burst of applies is queued. */
export function revokeGrantIam(deps: GrantIamDeps, grant: RevokeTarget, options: AttemptOptions = {}): Promise<RevokeResult> {
  const outer = currentCallClass();
  return withCallClass(
    { priority: 'revoke', ...(options.signal ? { signal: options.signal } : {}), ...(outer.whileWaiting ? { whileWaiting: outer.whileWaiting } : {}) },
    () => revokeNow(deps, grant, options),
  );
}

async function applyNow(deps: GrantIamDeps, spec: GrantSpec, options: AttemptOptions): Promise<ApplyResult> {
  const t = targetFor(deps, spec, options);
  const principal: Principal = { type: iamPrincipalType(spec.principalType), name: spec.principal };
  if (spec.permissionsBoundary) {
    // Before any write: a principal without the required boundary gets nothing, and a retry cannot fix it.
    const problem = boundaryProblem(spec, await readPermissionsBoundary(t, principal));
    if (problem) throw new GrantflowAwsError(BOUNDARY_MISSING, problem, false);
  }
  const inline = spec.inlinePolicy ? await putInlinePolicy(t, spec.principal, spec.inlinePolicy.name, spec.inlinePolicy.document) : undefined;
  const copies: Record<string, CopyOutcome> = {};
  const instead = new Map<string, string>();
  for (const copy of spec.expiringCopies ?? []) {
    const { outcome } = await ensureExpiringCopy(t, {
      team: spec.team,
      grantId: spec.id,
      environment: spec.environment,
      policy: spec.policy,
      copy,
      expiresAt: spec.expiresAt!,
      mfa: spec.mfa ?? false,
    });
    copies[copy.arn] = outcome;
    // The account's version outgrew what a copy may hold since the offline table was made: attach
    // the original, as `temporary_managed_policies: attach` would (only the workflow expires it then).
    if (outcome === 'too-large') instead.set(copy.arn, copy.sourceArn);
  }
  const attach = await attachManaged(
    t,
    principal,
    attachedArns(spec).map((arn) => instead.get(arn) ?? arn),
    options.progress,
  );
  const owned = new Set(options.owned ?? []);
  const shared = [
    ...attach.kept.filter((arn) => owned.has(arn)),
    ...(await heldByOthers(
      deps,
      spec,
      attach.kept.filter((arn) => !owned.has(arn)),
    )),
  ];
  return {
    attached: [...attach.attached, ...shared],
    kept: attach.kept.filter((arn) => !shared.includes(arn)),
    foreign: attach.foreign,
    ...(inline ? { inline } : {}),
    ...(spec.expiringCopies?.length ? { copies } : {}),
  };
}

/**
 * Of the ARNs an apply found attached under grantflow's mark, those another live grant holds on the
 * principal: a policy two grants share, which the grant revoked last must release. A mark with no
 * live grant behind it proves nothing (anyone allowed to tag the principal can write one, on an
 * attachment older than grantflow), so it is not taken; the grant's own attachments from an earlier
 * apply are in its record already.
 */
async function heldByOthers(deps: GrantIamDeps, spec: GrantSpec, kept: readonly string[]): Promise<string[]> {
  if (kept.length === 0) return [];
  const held = await deps.holders.neededArns({ account: spec.account, principalType: spec.principalType, principal: spec.principal, excludeId: spec.id });
  return kept.filter((arn) => held.has(arn));
}

async function revokeNow(deps: GrantIamDeps, grant: RevokeTarget, options: AttemptOptions): Promise<RevokeResult> {
  const t = targetFor(deps, grant, options);
  let inline: RevokeResult['inline'];
  if (grant.inlinePolicyName) {
    try {
      inline = await deleteInlinePolicy(t, grant.principal, grant.inlinePolicyName);
    } catch (error) {
      if (!(error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound')) throw error;
      inline = 'absent';
    }
  }
  const stillNeeded = grant.arns.length
    ? await deps.holders.neededArns({ account: grant.account, principalType: grant.principalType, principal: grant.principal, excludeId: grant.id })
    : new Set<string>();
  // The grant's record decides what is its own; a target without one (built from a memo) goes by the marks.
  const release = await releaseManaged(
    t,
    { type: iamPrincipalType(grant.principalType), name: grant.principal },
    grant.arns,
    stillNeeded,
    grant.ownedArns ? new Set(grant.ownedArns) : undefined,
  );
  // A copy belongs to this grant alone: once detached it goes (one still attached elsewhere stays, for the sweep).
  const copies: NonNullable<RevokeResult['copies']> = {};
  for (const arn of grant.copyArns ?? []) {
    const team = parseCopyPolicyName(arn.slice(arn.lastIndexOf('/') + 1))?.team;
    if (team) copies[arn] = await deletePolicyIfUnused(t, arn, team);
  }
  return { ...release, ...(inline ? { inline } : {}), ...(grant.copyArns?.length ? { copies } : {}) };
}
