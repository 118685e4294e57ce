// IAM's per-principal quotas, checked against everything that could be live at the same moment,
// so that no grant fails half-applied in AWS.
import { compare } from '../expand';
import { error, type Diagnostic } from '../diagnostics';
import { LIMITS, policySize } from '../documents';
import type { GrantSpec } from '../grant';
import { attachedArns } from '../grant-derived';
import { isIamPrincipal } from '../ids';
import type { Rule, RuleContext } from './context';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The grants of one principal in one account that are live at the moment `t`. */
function liveAt(grants: readonly GrantSpec[], t: number): GrantSpec[] {
  return grants.filter((g) => {
    if (g.kind === 'permanent') return true;
    const start = g.startsAt ? Date.parse(g.startsAt) : -Infinity;
    return start <= t && t < Date.parse(g.expiresAt!);
  });
}

/** The moments worth checking: now, and every start of a temporary grant (peaks begin there). */
function checkpoints(grants: readonly GrantSpec[], nowMs: number): number[] {
  const starts = grants.filter((g) => g.kind === 'temporary').map((g) => Math.max(nowMs, g.startsAt ? Date.parse(g.startsAt) : nowMs));
  return [...new Set([nowMs, ...starts])].sort((a, b) => a - b);
}

function locateGrant({ locate }: RuleContext, grant: GrantSpec) {
  const kind = grant.kind === 'permanent' ? 'permanent-access' : 'temporary-access';
  return locate(kind, [kind, grant.source.index ?? 0]);
}

export const limitRules: Rule = (context) => {
  const { config, expansion, nowMs } = context;
  const out: Diagnostic[] = [];
  const byPrincipal = new Map<string, GrantSpec[]>();
  // An Identity Center grant attaches nothing to an IAM principal: its permission set's limits are rules/identity-center.ts's.
  for (const grant of expansion.grants.filter((g) => isIamPrincipal(g.principalType))) {
    const key = `${grant.account}/${grant.principalType}/${grant.principal}`;
    byPrincipal.set(key, [...(byPrincipal.get(key) ?? []), grant]);
  }

  for (const grants of byPrincipal.values()) {
    const first = grants[0]!;
    const who = `${first.principalType} ${first.principal} in ${first.environment} (${first.account})`;
    const quota = config.settings.maxManagedPoliciesPerPrincipal;

    let managedReported = false;
    let inlineReported = false;
    for (const t of checkpoints(grants, nowMs)) {
      const live = liveAt(grants, t);
      const arns = [...new Set(live.flatMap(attachedArns))].sort(compare);
      if (!managedReported && arns.length > quota) {
        managedReported = true;
        const culprit = live[live.length - 1]!;
        out.push(
          error(
            locateGrant(context, culprit),
            `${who} would have ${arns.length} managed policies attached at once; the quota is ${quota} ` +
              `(max_managed_policies_per_principal; AWS's default is 10, raise it with Service Quotas). Policies: ${arns.join(', ')}`,
            'managed-policy-quota',
          ),
        );
      }

      const inline = live.filter((g) => g.inlinePolicy);
      const total = inline.reduce((sum, g) => sum + policySize(g.inlinePolicy!.document), 0);
      const limit = first.principalType === 'user' ? LIMITS.userInlineChars : LIMITS.roleInlineChars;
      if (!inlineReported && total > limit) {
        inlineReported = true;
        const parts = inline.map((g) => `${g.inlinePolicy!.name}: ${fmt(policySize(g.inlinePolicy!.document))}`).join(', ');
        out.push(
          error(
            locateGrant(context, inline[inline.length - 1]!),
            `${who} would hold ${fmt(total)} characters of inline policy at once (${parts}); IAM allows ${fmt(limit)} per ` +
              `${first.principalType}. Shorten the statements, use managed policies, or stagger the dates`,
            'inline-size',
          ),
        );
      }
    }
  }
  return out;
};
