// The plan a reviewer reads: for every grant, what a submission would do (add, keep, replace,
// revoke), what has drifted in IAM, and which parts AWS expires versus the workflow.
import { classify } from './diff';
import type { Expansion } from './expand';
import type { GrantSpec } from './grant';
import { attachedArns, expiryParts } from './grant-derived';
import { parseGrantWorkflowId } from './ids';

export type PlanAction = 'add' | 'keep' | 'replace' | 'revoke' | 'sticky' | 'skip';

/** What IAM holds on one principal in one account (`exists: false` when it is not there at all). */
export interface PrincipalState {
  exists: boolean;
  attached: string[];
  inline: string[];
}

export interface LiveView {
  /** Running grant workflows of the team, by id, with their state. */
  grants: Record<string, { state: string }>;
  /** Grants an operator revoked early, by id. */
  sticky: string[];
  /** IAM, by `account/type/name`; a principal missing here was not read. */
  iam: Record<string, PrincipalState>;
  /** Each account's quota of managed policies attached per user and per role, where it was read. */
  quotas?: Record<string, { user: number; role: number }>;
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
  note?: string;
  /** Why the grant cannot land as planned: `plan` reports it as an error and exits 1. */
  problem?: string;
}

export function principalKey(account: string, type: string, name: string): string {
  return `${account}/${type}/${name}`;
}

function entryFor(grant: GrantSpec, action: PlanAction, live: LiveView): PlanEntry {
  const arns = attachedArns(grant);
  const state = live.iam[principalKey(grant.account, grant.principalType, grant.principal)];
  const drift: string[] = [];
  let note: string | undefined;
  if (state && !state.exists) {
    note = `IAM ${grant.principalType} ${grant.principal} does not exist in ${grant.environment} (${grant.account}); create it or the grant fails`;
  } else if (state && action === 'keep') {
    for (const arn of arns) if (!state.attached.includes(arn)) drift.push(`${arn} detached`);
    if (grant.inlinePolicy && !state.inline.includes(grant.inlinePolicy.name)) drift.push(`inline ${grant.inlinePolicy.name} missing`);
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
    ...(note ? { note } : {}),
  };
}

export function planTeam(expansion: Expansion, live: LiveView): PlanEntry[] {
  const desired = new Map(expansion.grants.map((g) => [g.id, g]));
  const liveIds = new Set(Object.entries(live.grants).filter(([, g]) => g.state !== 'revoking').map(([id]) => id));
  const result = classify([...desired.keys()], liveIds, new Set(live.sticky));
  const entries: PlanEntry[] = [];
  for (const id of result.add) {
    const replaces = result.replaces.get(id);
    entries.push({ ...entryFor(desired.get(id)!, replaces ? 'replace' : 'add', live), ...(replaces ? { replaces } : {}) });
  }
  for (const id of result.keep) entries.push(entryFor(desired.get(id)!, 'keep', live));
  for (const id of result.sticky) {
    entries.push({ ...entryFor(desired.get(id)!, 'sticky', live), note: 'revoked early by an operator; `grantflow restore` lifts it' });
  }
  for (const id of result.revoke) {
    const key = parseGrantWorkflowId(id);
    entries.push({
      action: 'revoke',
      id,
      kind: key?.kind ?? 'unknown',
      principal: key ? `${key.principalType}/${key.principal}` : id,
      account: key?.account ?? '',
      policy: key?.policy ?? '',
      ...(key?.expiresAt ? { expiresAt: key.expiresAt } : {}),
      drift: [],
      awsExpires: [],
      workflowExpires: [],
      note: 'no longer in the YAML',
    });
  }
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
  const order: Record<PlanAction, number> = { add: 0, replace: 1, revoke: 2, keep: 3, sticky: 4, skip: 5 };
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
    if (!grant || !['add', 'replace', 'keep'].includes(entry.action)) continue;
    const key = principalKey(grant.account, grant.principalType, grant.principal);
    const held = holding.get(key) ?? { grants: [], entries: [] };
    held.grants.push(grant);
    held.entries.push(entry);
    holding.set(key, held);
  }
  for (const [key, { grants, entries: principalEntries }] of holding) {
    const state = live.iam[key];
    const first = grants[0]!;
    const quota = live.quotas?.[first.account]?.[first.principalType];
    if (!state?.exists || quota === undefined) continue;
    const wanted = new Set([...state.attached, ...grants.flatMap(attachedArns)]);
    if (wanted.size <= quota) continue;
    const problem =
      `${first.principalType} ${first.principal} in ${first.environment} (${first.account}) would hold ${wanted.size} managed policies, ` +
      `over the account's quota of ${quota} (${state.attached.length} attached now); ` +
      `detach policies it no longer needs, or raise the quota with Service Quotas`;
    for (const entry of principalEntries) {
      const grant = desired.get(entry.id)!;
      if (entry.action !== 'keep' && attachedArns(grant).some((arn) => !state.attached.includes(arn))) entry.problem = problem;
    }
  }
}
