// The sweep: what should not be in IAM any more, found (and unless it is a dry run, removed) on the
// principals a team has touched: the team's grantflow inline policies past expiry, beyond
// max_temporary_days or held by no live grant, and grantflow-marked attachments that no live grant
// of any team holds. It never touches what grantflow did not create.
import type { AccountClients, AccountRef } from './accounts';
import { GrantflowAwsError } from './errors';
import type { HolderLookup } from './grant-iam';
import type { Target } from './iam-calls';
import { deleteInlinePolicy, listInlinePolicies, staleInlinePolicies } from './inline-policies';
import { readAttachments, releaseManaged } from './managed-attachments';
import { deletePolicyIfUnused } from './managed-policies';
import type { Principal } from './principal-calls';
import { grantWorkflowId } from '../core/ids';
import { canonicalPrincipal, parseCopyPolicyName, parseInlinePolicyName } from '../core/names';

/** The expiry an expiring copy's ARN names, if it is one. */
function copyExpiry(arn: string): { team: string; expiresMs: number } | undefined {
  const parsed = parseCopyPolicyName(arn.slice(arn.lastIndexOf('/') + 1));
  return parsed ? { team: parsed.team, expiresMs: Date.parse(parsed.expiresAt) } : undefined;
}
/** One thing the sweep found (and, unless it was a dry run, removed). */
export interface SweepFinding {
  account: string;
  principal: string;
  object: string;
  why: string;
}

export interface SweepScope {
  team: string;
  ref: AccountRef;
  principals: Principal[];
  /** Grant ids known to be live (their inline policies are not orphans). */
  liveGrantIds: ReadonlySet<string>;
  /** ARNs the team's own live grants hold, by `type/lower-case name`, so a grant started a moment ago is never swept. */
  ownNeeds: ReadonlyMap<string, readonly string[]>;
  nowMs: number;
  maxTemporaryDays: number;
  dryRun: boolean;
}

export function needsKey(type: string, name: string): string {
  return `${type}/${canonicalPrincipal(name)}`;
}

export async function sweepPrincipals(
  accounts: AccountClients,
  holders: HolderLookup,
  scope: SweepScope,
  onEach?: (principal: string) => void,
): Promise<SweepFinding[]> {
  const target: Target = accounts.target(scope.ref);
  const findings: SweepFinding[] = [];
  for (const principal of scope.principals) {
    onEach?.(principal.name);
    if (principal.type === 'user') {
      const names = await listInlinePolicies(target, principal.name);
      if (names === undefined) continue; // the user is gone, and with it everything on it
      const stale = new Map(staleInlinePolicies(principal.name, names, scope.team, scope.nowMs, scope.maxTemporaryDays).map((s) => [s.name, s.why as string]));
      for (const name of names) {
        if (stale.has(name)) continue;
        const parsed = parseInlinePolicyName(name);
        if (!parsed || parsed.team !== scope.team) continue;
        const id = grantWorkflowId({
          team: scope.team,
          kind: 'temporary',
          account: scope.ref.account,
          principalType: 'user',
          principal: principal.name,
          policy: parsed.policy,
          expiresAt: parsed.expiresAt,
        });
        if (!scope.liveGrantIds.has(id)) stale.set(name, 'no live grant holds it');
      }
      for (const [name, why] of stale) {
        findings.push({ account: scope.ref.account, principal: `user/${principal.name}`, object: `inline policy ${name}`, why });
        if (!scope.dryRun) await deleteInlinePolicy(target, principal.name, name);
      }
    }
    let attachments;
    try {
      attachments = await readAttachments(target, principal);
    } catch (error) {
      if (error instanceof GrantflowAwsError && error.type === 'PrincipalNotFound') continue;
      throw error;
    }
    if (attachments.marked.size === 0) continue;
    const needed = await holders.neededArns({ account: scope.ref.account, principalType: principal.type, principal: principal.name });
    for (const arn of scope.ownNeeds.get(needsKey(principal.type, principal.name)) ?? []) needed.add(arn);
    // An expiring copy past its expiry goes even if its grant still looks live (its revoke is late).
    const expired = (arn: string) => {
      const copy = copyExpiry(arn);
      return copy !== undefined && copy.expiresMs <= scope.nowMs;
    };
    const orphans = [...attachments.marked.keys()].filter((arn) => !needed.has(arn) || expired(arn));
    for (const arn of orphans) {
      findings.push({
        account: scope.ref.account,
        principal: `${principal.type}/${principal.name}`,
        object: `managed policy ${arn}`,
        why: expired(arn) ? 'expiring copy past its expiry' : 'no live grant holds it',
      });
    }
    if (!scope.dryRun && orphans.length > 0) {
      await releaseManaged(target, principal, orphans, new Set());
      for (const arn of orphans) {
        const copy = copyExpiry(arn);
        if (copy) await deletePolicyIfUnused(target, arn, copy.team);
      }
    }
  }
  return findings;
}
