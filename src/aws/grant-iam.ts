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
import type { IamStatement } from '../core/team-config';
import { ensureExpiringCopy, type CopyOutcome } from './expiring-copies';
import type { Target } from './iam-calls';
import { adoptInlineOriginal, type InlineAdoption } from './inline-originals';
import { deleteInlinePolicy, putInlinePolicy } from './inline-policies';
import { attachManaged, releaseManaged, type AttachOutcome, type ReleaseOutcome } from './managed-attachments';
import { markTag, tag } from './ownership-marks';
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
  /** A revoke started ahead of its grant's expiry: resolves once it is due. The revoke sends nothing before. */
  untilDue?: () => Promise<void>;
}

/** What an apply of a grant whose entry says `adopt: true` took over from before grantflow. */
export interface Adoption {
  /** Managed policies attached before grantflow (or marked with no live grant behind the mark): grantflow's now, marked and in the grant's record. */
  managed: string[];
  /** The inline original (`replaces_inline`), and what became of it. */
  inline?: { name: string; outcome: InlineAdoption | 'failed' };
  /** Why adoption stopped short (a failure no retry fixes, such as a deployer policy older than adoption): the next apply tries again. */
  error?: string;
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
  /** With `adopt: true`: what became grantflow's. */
  adopted?: Adoption;
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
  const adopted = spec.adopt ? await adoptOrSay(t, principal, spec, attach, shared, options) : undefined;
  const claimed = new Set(adopted?.managed ?? []);
  return {
    attached: [...attach.attached, ...shared, ...claimed],
    kept: attach.kept.filter((arn) => !shared.includes(arn) && !claimed.has(arn)),
    foreign: attach.foreign.filter((arn) => !claimed.has(arn)),
    ...(inline ? { inline } : {}),
    ...(spec.expiringCopies?.length ? { copies } : {}),
    ...(adopted ? { adopted } : {}),
  };
}

/**
 * Adoption never fails the grant: a grant that failed would be cleaned up, detaching what it had
 * just taken over, and the principal would lose access it held before grantflow. A failure a retry
 * cannot fix is reported in the result (and the grant's status) and tried again at the next apply;
 * one a retry can fix goes up, for the apply's retries (what was marked is in `progress`).
 */
async function adoptOrSay(...args: Parameters<typeof adoptFound>): Promise<Adoption> {
  const progress = args[5].progress ?? { claimed: [] };
  const before = progress.claimed.length;
  try {
    return await adoptFound(args[0], args[1], args[2], args[3], args[4], { ...args[5], progress });
  } catch (error) {
    if (!(error instanceof GrantflowAwsError) || error.retryable) throw error;
    const inline = args[2].inlineOriginal;
    return { managed: progress.claimed.slice(before), ...(inline ? { inline: { name: inline.name, outcome: 'failed' as const } } : {}), error: error.message };
  }
}

/**
 * Adoption, once the grant's own attachments are in place: the verified config says the grant owns
 * what its principal held before grantflow. Its managed policies found attached become grantflow's
 * (marked, then in the grant's record, so its revoke detaches them), and the inline original goes,
 * only once grantflow's policy holding the same statements is attached (inline-originals.ts).
 * Idempotent: a second apply finds them marked and recorded, and the original gone.
 */
async function adoptFound(
  t: Target,
  principal: Principal,
  spec: GrantSpec,
  attach: AttachOutcome,
  shared: readonly string[],
  options: AttemptOptions,
): Promise<Adoption> {
  const wanted = new Set(spec.managedPolicyArns);
  const unmarked = attach.foreign.filter((arn) => wanted.has(arn));
  // Marked, but neither in this grant's record nor held by another live grant: its own by the config's word.
  const unvouched = attach.kept.filter((arn) => wanted.has(arn) && !shared.includes(arn));
  if (unmarked.length > 0) {
    await tag(t, principal, unmarked.map(markTag));
    options.progress?.claimed.push(...unmarked);
  }
  const original = spec.inlineOriginal;
  const custom = spec.customPolicyArn;
  if (!original || !custom) return { managed: [...unmarked, ...unvouched] };
  const outcome = await adoptInlineOriginal(t, principal, {
    name: original.name,
    statements: (JSON.parse(original.document) as { Statement: IamStatement[] }).Statement,
    customPolicyArn: custom,
  });
  return { managed: [...unmarked, ...unvouched], inline: { name: original.name, outcome } };
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
  // At the expiry of an active grant, its access goes with the first calls: what its record holds is in IAM.
  const unread = options.untilDue !== undefined;
  const deleteInline = async (): Promise<RevokeResult['inline']> => {
    if (!grant.inlinePolicyName) return undefined;
    try {
      return await deleteInlinePolicy(t, grant.principal, grant.inlinePolicyName, unread);
    } catch (error) {
      if (!(error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound')) throw error;
      return 'absent';
    }
  };
  // The record decides what is the grant's own (a target without one, built from a memo, goes by the
  // marks), less what other live grants hold, asked of Temporal once due: one may have started to share it a moment ago.
  const releaseAttachments = async (): Promise<ReleaseOutcome> => {
    const stillNeeded = grant.arns.length
      ? await deps.holders.neededArns({ account: grant.account, principalType: grant.principalType, principal: grant.principal, excludeId: grant.id })
      : new Set<string>();
    const principal = { type: iamPrincipalType(grant.principalType), name: grant.principal };
    return releaseManaged(t, principal, grant.arns, stillNeeded, grant.ownedArns ? new Set(grant.ownedArns) : undefined, unread);
  };
  await options.untilDue?.();
  // The inline policy (the grant's alone) goes while Temporal is asked about the attachments.
  const [inline, release] = await Promise.all([deleteInline(), releaseAttachments()]);
  // A copy belongs to this grant alone: once detached it goes (one still attached elsewhere stays, for the sweep).
  const copies: NonNullable<RevokeResult['copies']> = {};
  for (const arn of grant.copyArns ?? []) {
    const team = parseCopyPolicyName(arn.slice(arn.lastIndexOf('/') + 1))?.team;
    if (team) copies[arn] = await deletePolicyIfUnused(t, arn, team);
  }
  return { ...release, ...(inline ? { inline } : {}), ...(grant.copyArns?.length ? { copies } : {}) };
}
