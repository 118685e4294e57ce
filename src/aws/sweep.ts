// The sweep: what should not be in IAM on a team's principals in one account. The team's inline
// policies past expiry, beyond max_temporary_days or with no live grant, and grantflow-marked
// managed-policy attachments that no live grant holds; found, and unless it is a dry run removed.
// The reconcile workflow runs it on its interval (through an activity); `grantflow cleanup` runs it
// directly for a team that has no reconcile workflow.
import { grantWorkflowId, type PrincipalType } from '../core/ids';
import { parseInlinePolicyName } from '../core/names';
import type { AccountRef } from './accounts';
import { GrantflowAwsError } from './errors';
import { deleteInlinePolicy, listInlinePolicies, readAttachments, releaseManaged, staleInlinePolicies, type Principal, type Target } from './iam';

export interface SweepInput {
  team: string;
  ref: AccountRef;
  principals: Principal[];
  /** Grant ids the reconcile workflow knows to be live (their inline policies are not orphans). */
  liveGrantIds: string[];
  /** ARNs the team's own live grants hold, by `type/name`, so a grant started a moment ago is never swept. */
  ownNeeds: Record<string, string[]>;
  nowMs: number;
  maxTemporaryDays: number;
  dryRun: boolean;
}

export interface SweepFinding {
  account: string;
  principal: string;
  object: string;
  why: string;
}

/** Who else holds managed policies on a principal (Temporal visibility answers it in production). */
export interface HolderLookup {
  neededArns(query: { account: string; principalType: PrincipalType; principal: string }): Promise<Set<string>>;
}

/** Sweeps `input.principals` in the account `t` acts in; `progress` is told of each principal (a heartbeat, say). */
export async function sweepAccount(t: Target, holders: HolderLookup, input: SweepInput, progress?: (principal: string) => void): Promise<SweepFinding[]> {
  const findings: SweepFinding[] = [];
  const live = new Set(input.liveGrantIds);
  for (const principal of input.principals) {
    progress?.(principal.name);
    if (principal.type === 'user') {
      const names = await listInlinePolicies(t, principal.name);
      if (names === undefined) continue; // the user is gone, and with it everything on it
      const stale = new Map(staleInlinePolicies(principal.name, names, input.team, input.nowMs, input.maxTemporaryDays).map((s) => [s.name, s.why as string]));
      for (const name of names) {
        if (stale.has(name)) continue;
        const parsed = parseInlinePolicyName(name);
        if (!parsed || parsed.team !== input.team) continue;
        const id = grantWorkflowId({
          team: input.team,
          kind: 'temporary',
          account: input.ref.account,
          principalType: 'user',
          principal: principal.name,
          policy: parsed.policy,
          expiresAt: parsed.expiresAt,
        });
        if (!live.has(id)) stale.set(name, 'no live grant holds it');
      }
      for (const [name, why] of stale) {
        findings.push({ account: input.ref.account, principal: `user/${principal.name}`, object: `inline policy ${name}`, why });
        if (!input.dryRun) await deleteInlinePolicy(t, principal.name, name);
      }
    }
    let attachments;
    try {
      attachments = await readAttachments(t, principal);
    } catch (error) {
      if (error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound') continue;
      throw error;
    }
    if (attachments.marked.size === 0) continue;
    const needed = await holders.neededArns({ account: input.ref.account, principalType: principal.type, principal: principal.name });
    for (const arn of input.ownNeeds[`${principal.type}/${principal.name}`] ?? []) needed.add(arn);
    const orphans = [...attachments.marked.keys()].filter((arn) => !needed.has(arn));
    for (const arn of orphans) {
      findings.push({
        account: input.ref.account,
        principal: `${principal.type}/${principal.name}`,
        object: `managed policy ${arn}`,
        why: 'no live grant holds it',
      });
    }
    if (!input.dryRun && orphans.length > 0) await releaseManaged(t, principal, orphans, new Set());
  }
  return findings;
}
