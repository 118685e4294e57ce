// The sweep of IAM Identity Center, on every user and group the team's grant workflows touched within
// retention: an assignment of one of the team's own permission sets that no live grant holds is
// removed (a grant terminated from outside, a create whose grant was revoked meanwhile); an assignment
// of any permission set grantflow does not own is reported, never deleted: it was made by hand, or by
// another tool, and only a grant's own record ever lets grantflow delete such an assignment.
import { assignmentsOf, deleteAssignment } from '../../aws/account-assignments';
import type { IcTarget } from '../../aws/identity-center-calls';
import type { PermissionSetInfo } from '../../aws/permission-sets';
import { compare } from '../../core/expand';
import { assignmentKey, isSsoPrincipal, ssoPrincipalKind, type SsoPrincipalType } from '../../core/identity-center';
import { canonicalPrincipal } from '../../core/names';
import { ending } from '../../core/ledger';
import type { PassPlan } from '../../core/reconcile-plan';
import type { PassContext } from '../context';
import { usesIdentityCenter } from './permission-sets';

interface SweptPrincipal {
  type: SsoPrincipalType;
  name: string;
  /** The id its grants' applies recorded, if any did. */
  id?: string;
}

const holding = (account: string, type: string, principal: string, key: string) => `${account}|${type}/${canonicalPrincipal(principal)}|${key}`;

export async function sweepIdentityCenter(ctx: PassContext, plan: PassPlan, dryRun: boolean): Promise<void> {
  const { deps, report, caller } = ctx;
  const ic = deps.identityCenter;
  if (!ic || !usesIdentityCenter(ctx)) return;
  const principals = new Map<string, SweptPrincipal>();
  const live = new Set<string>();
  const accounts = new Set<string>(Object.values(ctx.config?.accounts ?? {}));
  for (const entry of ctx.ledger.values()) {
    const type = entry.memo.principalType;
    if (!type || !isSsoPrincipal(type) || !entry.account) continue;
    const name = entry.memo.principalName ?? '';
    const key = `${type}/${canonicalPrincipal(name)}`;
    const seen = principals.get(key);
    principals.set(key, { type, name, ...((entry.memo.principalId ?? seen?.id) ? { id: entry.memo.principalId ?? seen!.id! } : {}) });
    accounts.add(entry.account);
    if (ending(entry) === 'live') for (const held of entry.memo.attachedArns ?? []) live.add(holding(entry.account, type, name, held));
  }
  // Grants this pass started or re-specified hold their assignments even before visibility lists them.
  for (const grant of [...plan.start, ...plan.respec, ...ctx.desired.values()]) {
    const type = grant.principalType;
    if (!isSsoPrincipal(type) || !grant.permissionSet) continue;
    const key = `${type}/${canonicalPrincipal(grant.principal)}`;
    if (!principals.has(key)) principals.set(key, { type, name: grant.principal });
    if (plan.start.includes(grant) || plan.respec.includes(grant))
      live.add(holding(grant.account, type, grant.principal, assignmentKey(grant.permissionSet.name)));
  }
  const target: IcTarget = { clients: ic.clients };
  let byArn: Map<string, PermissionSetInfo>;
  try {
    byArn = new Map((await ic.permissionSets.all(target)).map((p) => [p.arn, p]));
  } catch (error) {
    report.error(`sweeping IAM Identity Center: listing its permission sets: ${(error as Error).message}`);
    return;
  }
  for (const principal of [...principals.values()].sort((a, b) => compare(`${a.type}/${a.name}`, `${b.type}/${b.name}`))) {
    deps.heartbeat(principal.name);
    try {
      let id = principal.id;
      if (!id) {
        const who = await ic.identities.resolve(principal.type, principal.name);
        if (!who.ok) continue; // gone, or ambiguous: nothing of it to tell apart
        id = who.id;
      }
      const kind = ssoPrincipalKind(principal.type);
      for (const assignment of await assignmentsOf(target, { principalType: kind, principalId: id })) {
        if (!accounts.has(assignment.account)) continue;
        const info = byArn.get(assignment.permissionSetArn);
        const name = info?.name ?? assignment.permissionSetArn;
        const key = assignmentKey(name);
        if (live.has(holding(assignment.account, principal.type, principal.name, key))) continue;
        const where = { account: assignment.account, principal: `${principal.type}/${principal.name}`, object: `assignment of permission set ${name}` };
        if (info?.owner && info.owner.team !== caller.team) continue; // another team's: its own sweep decides
        if (!info?.owner) {
          // Held by a live grant of another team (an existing permission set two teams assign), or made by hand.
          const held = await deps.holders.neededArns({ account: assignment.account, principalType: principal.type, principal: principal.name });
          if (!held.has(key)) report.findings.push({ ...where, why: 'not made by grantflow: reported, never deleted' });
          continue;
        }
        const held = await deps.holders.neededArns({ account: assignment.account, principalType: principal.type, principal: principal.name });
        if (held.has(key)) continue;
        report.findings.push({ ...where, why: 'no live grant holds it' });
        if (!dryRun) {
          await deleteAssignment(
            target,
            { account: assignment.account, permissionSetArn: assignment.permissionSetArn, principalType: kind, principalId: id },
            {
              permissionSet: name,
              principal: principal.name,
            },
          );
          report.cleanedObjects++;
        }
      }
    } catch (error) {
      report.error(`sweeping IAM Identity Center for ${principal.type} ${principal.name}: ${(error as Error).message}`);
    }
  }
}
