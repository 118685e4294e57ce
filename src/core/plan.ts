// The plan a reviewer reads: for every grant, what a submission would do (add, keep, replace,
// revoke), what has drifted in IAM, and which parts AWS expires versus the workflow. The decisions
// are the reconcile pass's own (reconcile-plan.ts), over the same ledger.
import type { Expansion } from './expand';
import type { GrantSpec } from './grant';
import { attachedArns, expiryParts, notCopied, unconditionedParts } from './grant-derived';
import { isIamPrincipal, parseGrantWorkflowId } from './ids';
import type { LedgerEntry } from './ledger';
import { planPass } from './reconcile-plan';
import { holdsStatements } from './documents';
import { boundaryProblem } from './managed-copies';
import type { BreakGlassRule, IamStatement } from './team-config';

/** `update`: the grant stays, but what it grants changes (its policy's document, or its definition). */
export type PlanAction = 'add' | 'keep' | 'update' | 'replace' | 'revoke' | 'sticky' | 'skip';

/** What IAM holds on one principal in one account (`exists: false` when it is not there at all). */
export interface PrincipalState {
  exists: boolean;
  attached: string[];
  inline: string[];
  /** The permission boundary IAM reports, read only when the settings require one (null: none). */
  boundary?: string | null;
  /** The documents of the inline policies the grants name as their originals (`replaces_inline`), by name; null: not there. */
  inlineDocuments?: Record<string, string | null>;
}

export interface LiveView {
  /** The team's grant workflows as Temporal remembers them (latest run of each id). */
  ledger: ReadonlyMap<string, LedgerEntry>;
  /** IAM, by `account/type/name`; a principal missing here was not read. */
  iam: Record<string, PrincipalState>;
  /** Each account's quota of managed policies attached per user and per role, where it was read. */
  quotas?: Record<string, { user: number; role: number }>;
  /** What a submission does to each customer-managed policy the team needs, where IAM was read. */
  policies?: Record<string, 'create' | 'update' | 'unchanged'>;
  /** Customer-managed policies named in managed_policies that IAM says do not exist, by `missingPolicyKey`. */
  missingPolicies?: ReadonlySet<string>;
}

export function missingPolicyKey(account: string, arn: string): string {
  return `${account} ${arn}`;
}

/** A managed-policy ARN of the customer's own (not `arn:…:iam::aws:policy/…`): it must exist in the grant's account. */
export function isCustomerManagedArn(arn: string): boolean {
  return !/^arn:[^:]+:iam::aws:policy\//.test(arn);
}

export interface PlanEntry {
  action: PlanAction;
  id: string;
  kind: string;
  principal: string;
  account: string;
  environment?: string;
  policy: string;
  expiresAt?: string;
  replaces?: string;
  /** What IAM lacks that the grant holds (re-applied by the submission). */
  drift: string[];
  /** Removed by AWS itself at expiry: the inline policy's DateLessThan condition. */
  awsExpires: string[];
  /** Removed only by grantflow: managed-policy attachments (they cannot carry a condition). */
  workflowExpires: string[];
  /** Managed policies attached as they are instead of as an expiring copy, and why. */
  notCopied?: { arn: string; reason: string }[];
  /** In an environment that requires MFA: parts that cannot carry the condition (managed policies attached as they are). */
  withoutMfa?: string[];
  note?: string;
  /** Why the grant cannot land as planned: `plan` reports it as an error and exits 1. */
  problem?: string;
  /**
   * An `add` whose access IAM holds already (what was there before grantflow: every managed policy
   * attached, and the inline original holding its statements): submitting it changes nobody's access.
   */
  alreadyInIam?: true;
}

export function principalKey(account: string, type: string, name: string): string {
  return `${account}/${type}/${name}`;
}

/**
 * Whether IAM already gives the principal the grant's access without grantflow: a permanent grant
 * of an IAM user or role whose managed policies are all attached and whose custom statements (if any) its inline original
 * holds, with the same meaning.
 */
export function heldAlready(grant: GrantSpec, state: PrincipalState | undefined): boolean {
  // An Identity Center grant holds no policy in IAM: nothing of it can be there before grantflow.
  if (grant.kind !== 'permanent' || !isIamPrincipal(grant.principalType) || !state?.exists) return false;
  if (!grant.managedPolicyArns.every((arn) => state.attached.includes(arn))) return false;
  if (!grant.customPolicyArn) return true;
  const original = grant.inlineOriginal;
  const document = original ? state.inlineDocuments?.[original.name] : undefined;
  if (!original || !document) return false;
  return holdsStatements(document, (JSON.parse(original.document) as { Statement: IamStatement[] }).Statement);
}

function entryFor(grant: GrantSpec, wanted: PlanAction, live: LiveView, nowMs: number): PlanEntry {
  const arns = attachedArns(grant);
  const state = live.iam[principalKey(grant.account, grant.principalType, grant.principal)];
  const drift: string[] = [];
  let note: string | undefined;
  let action = wanted;
  const updated = grant.customPolicyArn && live.policies?.[grant.customPolicyArn] === 'update' ? grant.customPolicyArn : undefined;
  if (action === 'keep' && updated) {
    action = 'update';
    note = `policy document changes: ${updated.split('/').pop()} gets a new default version`;
  }
  const permissionSet = grant.permissionSet?.owned ? live.policies?.[attachedArns(grant)[0]!] : undefined;
  if (action === 'keep' && permissionSet === 'update') {
    action = 'update';
    note = `permission set ${grant.permissionSet!.name} changes, and is provisioned again to the accounts that hold it`;
  }
  const notStarted = grant.startsAt !== undefined && Date.parse(grant.startsAt) > nowMs;
  if (state && !state.exists) {
    note = `IAM ${grant.principalType} ${grant.principal} does not exist in ${grant.environment} (${grant.account}); create it or the grant fails`;
  } else if (notStarted && (action === 'keep' || action === 'update')) {
    // Nothing of it is in IAM before its start_date: missing parts are not drift.
    note = [note, `starts at ${grant.startsAt}; nothing is in IAM before then`].filter(Boolean).join('; ');
  } else if (state && (action === 'keep' || action === 'update')) {
    for (const arn of arns) {
      if (!state.attached.includes(arn))
        drift.push(grant.permissionSet ? `assignment of permission set ${grant.permissionSet.name} missing` : `${arn} detached`);
    }
    if (grant.inlinePolicy && !state.inline.includes(grant.inlinePolicy.name)) drift.push(`inline ${grant.inlinePolicy.name} missing`);
  }
  const unbounded = state?.exists && state.boundary !== undefined && action !== 'revoke' ? boundaryProblem(grant, state.boundary ?? undefined) : undefined;
  const missing = grant.managedPolicyArns
    .filter((arn) => live.missingPolicies?.has(missingPolicyKey(grant.account, arn)))
    .map(
      (arn) =>
        `customer-managed policy ${arn} (policy ${grant.policy}, granted at ${grant.source.file}:${grant.source.line}) does not exist in ${grant.environment} (${grant.account}); create it there or fix the ARN`,
    );
  const problem = [unbounded, ...missing].filter(Boolean).join('; ');
  const already = action === 'add' && heldAlready(grant, state);
  if (already) {
    const parts = [...grant.managedPolicyArns, ...(grant.inlineOriginal ? [`inline ${grant.inlineOriginal.name}`] : [])];
    note = [
      `IAM holds this access already (${parts.join(', ')}): submitting changes no one's access`,
      grant.adopt
        ? `adopt: grantflow takes it over${grant.inlineOriginal ? `, deleting inline ${grant.inlineOriginal.name} once its policy is attached` : ''}`
        : 'grantflow leaves it in place (adopt: true hands it over)',
      note,
    ]
      .filter(Boolean)
      .join('; ');
  }
  return {
    action,
    id: grant.id,
    kind: grant.kind,
    principal: `${grant.principalType}/${grant.principal}`,
    account: grant.account,
    environment: grant.environment,
    policy: grant.policy,
    ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}),
    drift,
    ...expiryParts(grant),
    ...(notCopied(grant).length ? { notCopied: notCopied(grant) } : {}),
    ...(unconditionedParts(grant).length ? { withoutMfa: unconditionedParts(grant) } : {}),
    ...(note ? { note } : {}),
    ...(problem ? { problem } : {}),
    ...(already ? { alreadyInIam: true as const } : {}),
  };
}

/** A grant the ledger holds but the YAML does not: revoked, or (a break-glass grant) kept. */
function ledgerOnlyEntry(id: string, note: string, action: 'revoke' | 'keep' = 'revoke'): PlanEntry {
  const key = parseGrantWorkflowId(id);
  return {
    action,
    id,
    kind: key?.kind ?? 'unknown',
    principal: key ? `${key.principalType}/${key.principal}` : id,
    account: key?.account ?? '',
    policy: key?.policy ?? '',
    ...(key?.expiresAt ? { expiresAt: key.expiresAt } : {}),
    drift: [],
    awsExpires: [],
    workflowExpires: [],
    note,
  };
}

export function planTeam(
  expansion: Expansion,
  live: LiveView,
  options: { nowMs: number; maxTemporaryDays: number; decidedAtMs?: number; retentionMs?: number; breakGlass?: Readonly<Record<string, BreakGlassRule>> },
): PlanEntry[] {
  const desired = new Map(expansion.grants.map((g) => [g.id, g]));
  const pass = planPass({
    desired: expansion.grants,
    ledger: live.ledger,
    nowMs: options.nowMs,
    maxTemporaryDays: options.maxTemporaryDays,
    decidedAtMs: options.decidedAtMs ?? options.nowMs,
    retentionMs: options.retentionMs ?? Infinity,
    ...(options.breakGlass ? { breakGlass: options.breakGlass } : {}),
  });
  const replaces = new Map(pass.replace.map((r) => [r.to, r.from]));
  const entries: PlanEntry[] = [];
  for (const grant of pass.start) {
    const old = replaces.get(grant.id);
    entries.push({ ...entryFor(grant, old ? 'replace' : 'add', live, options.nowMs), ...(old ? { replaces: old } : {}) });
  }
  for (const id of pass.reapply) {
    const old = replaces.get(id);
    const entry = entryFor(desired.get(id)!, 'keep', live, options.nowMs);
    entries.push({ ...entry, ...(old ? { note: [entry.note, `replaces ${old} once active`].filter(Boolean).join('; ') } : {}) });
  }
  for (const grant of pass.respec) {
    const entry = entryFor(grant, 'update', live, options.nowMs);
    entries.push({ ...entry, note: ['its policy changed: the running grant takes the new definition', entry.note].filter(Boolean).join('; ') });
  }
  for (const id of pass.waiting)
    entries.push({
      ...entryFor(desired.get(id)!, 'add', live, options.nowMs),
      note: 'its previous run is still being revoked; granted again once that is done',
    });
  for (const id of pass.sticky) {
    entries.push({ ...entryFor(desired.get(id)!, 'sticky', live, options.nowMs), note: 'revoked early by an operator; `grantflow restore` lifts it' });
  }
  for (const id of pass.beyondLimit)
    entries.push({
      ...entryFor(desired.get(id)!, 'add', live, options.nowMs),
      problem: `${id} expires beyond max_temporary_days (${options.maxTemporaryDays})`,
    });
  for (const decision of pass.revoke)
    entries.push(
      desired.has(decision.id)
        ? { ...entryFor(desired.get(decision.id)!, 'revoke', live, options.nowMs), note: decision.reason }
        : ledgerOnlyEntry(decision.id, decision.reason),
    );
  for (const id of pass.breakGlass) {
    const mark = live.ledger.get(id)?.memo.breakGlass;
    entries.push(
      ledgerOnlyEntry(
        id,
        `break-glass grant of request ${mark?.request ?? '?'} (rule ${mark?.rule ?? '?'}): kept until it expires; \`grantflow request --print-entry ${mark?.request ?? '<request-id>'}\` prints the entry that records it`,
        'keep',
      ),
    );
  }
  for (const { entry } of pass.cleanup)
    entries.push(ledgerOnlyEntry(entry.id, `its workflow was ${entry.status.toLowerCase()} without revoking; what it left in IAM is removed`));
  for (const skipped of expansion.skipped) {
    const key = parseGrantWorkflowId(skipped.id);
    entries.push({
      action: 'skip',
      id: skipped.id,
      kind: 'temporary',
      principal: key ? `${key.principalType}/${key.principal}` : skipped.id,
      account: key?.account ?? '',
      policy: key?.policy ?? '',
      expiresAt: skipped.expiresAt,
      drift: [],
      awsExpires: [],
      workflowExpires: [],
      note: `expired at ${skipped.expiresAt} (${skipped.source.file}:${skipped.source.line})`,
    });
  }
  flagOverQuota(entries, desired, live);
  const order: Record<PlanAction, number> = { add: 0, replace: 1, revoke: 2, update: 3, keep: 4, sticky: 5, skip: 6 };
  return entries.sort((a, b) => order[a.action] - order[b.action] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * validate counts grantflow's own attachments against the setting; only plan sees the account's real
 * quota and what is attached already (by hand, or by other teams), so a grant that would push a
 * principal over it is flagged here, before its attach fails with LimitExceeded.
 */
function flagOverQuota(entries: PlanEntry[], desired: Map<string, GrantSpec>, live: LiveView): void {
  const holding = new Map<string, { grants: GrantSpec[]; entries: PlanEntry[] }>();
  for (const entry of entries) {
    const grant = desired.get(entry.id);
    if (!grant || !isIamPrincipal(grant.principalType) || !['add', 'replace', 'keep', 'update'].includes(entry.action)) continue;
    const key = principalKey(grant.account, grant.principalType, grant.principal);
    const held = holding.get(key) ?? { grants: [], entries: [] };
    held.grants.push(grant);
    held.entries.push(entry);
    holding.set(key, held);
  }
  for (const [key, { grants, entries: principalEntries }] of holding) {
    const state = live.iam[key];
    const first = grants[0]!;
    const quota = isIamPrincipal(first.principalType) ? live.quotas?.[first.account]?.[first.principalType] : undefined;
    if (!state?.exists || quota === undefined) continue;
    const wanted = new Set([...state.attached, ...grants.flatMap(attachedArns)]);
    if (wanted.size <= quota) continue;
    const problem =
      `${first.principalType} ${first.principal} in ${first.environment} (${first.account}) would hold ${wanted.size} managed policies, ` +
      `over the account's quota of ${quota} (${state.attached.length} attached now); ` +
      `detach policies it no longer needs, or raise the quota with Service Quotas`;
    for (const entry of principalEntries) {
      const grant = desired.get(entry.id)!;
      if (entry.action !== 'keep' && entry.action !== 'update' && attachedArns(grant).some((arn) => !state.attached.includes(arn))) entry.problem = problem;
    }
  }
}
