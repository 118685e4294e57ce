// The sweep: revokes what runs beyond the limit (a lowered max_temporary_days), cleans up after runs
// killed from outside, then looks in IAM, on every principal the team's grant workflows touched
// within retention, for what should not be there (src/aws/sweep.ts): expired or orphaned grantflow
// policies and attachments.
import type { AccountRef } from '../../aws/accounts';
import { needsKey, sweepPrincipals } from '../../aws/sweep';
import { compare } from '../../core/expand';
import { attachedArns } from '../../core/grant-derived';
import { isIamPrincipal } from '../../core/ids';
import { ending } from '../../core/ledger';
import type { PassPlan } from '../../core/reconcile-plan';
import type { PassContext } from '../context';
import { sweepIdentityCenter } from './identity-center-sweep';
import { cleanUp, record, targetOf } from './records';
import { revoke } from './signal';

/** The sweep, on its own (`grantflow cleanup`): police the limit, clean up after killed runs, then IAM. */
export async function sweep(ctx: PassContext, plan: PassPlan, maxDays: number, dryRun: boolean): Promise<void> {
  const beyond = plan.revoke.filter((r) => r.cause === 'beyond-limit');
  if (dryRun) {
    ctx.report.revoked.push(...beyond.map((r) => r.id));
    ctx.report.terminated.push(...plan.cleanup.filter((c) => ending(c.entry) === 'abandoned').map((c) => c.entry.id));
  } else {
    ctx.report.revoked.push(...(await revoke(ctx, beyond)));
    await cleanUp(ctx, plan.cleanup);
    await record(ctx, plan.records);
  }
  await sweepIam(ctx, plan, maxDays, dryRun);
  await sweepIdentityCenter(ctx, plan, dryRun);
}

type Principal = { type: 'user' | 'role'; name: string };
type Scope = { ref: AccountRef; principals: Map<string, Principal>; needs: Map<string, string[]> };

/** What should not be in IAM on every principal the team's grant workflows touched within retention. */
export async function sweepIam(ctx: PassContext, plan: PassPlan, maxDays: number, dryRun: boolean): Promise<void> {
  const { deps, deployer, report } = ctx;
  if (!deployer) return;
  const scopes = new Map<string, Scope>();
  const scopeOf = (ref: AccountRef): Scope => {
    const scope: Scope = scopes.get(ref.account) ?? { ref, principals: new Map(), needs: new Map() };
    scopes.set(ref.account, scope);
    return scope;
  };
  const live = new Set<string>();
  for (const entry of ctx.ledger.values()) {
    const target = targetOf(entry, deployer);
    // An Identity Center grant holds nothing in IAM: sweepIdentityCenter looks after it.
    if (!target || !isIamPrincipal(target.principalType)) continue;
    const scope = scopeOf({ account: target.account, environment: target.environment, deployer });
    const key = needsKey(target.principalType, target.principal);
    scope.principals.set(key, { type: target.principalType, name: target.principal });
    if (ending(entry) === 'live') {
      live.add(entry.id);
      scope.needs.set(key, [...(scope.needs.get(key) ?? []), ...target.arns]);
    }
  }
  // Grants this pass started or re-specified hold their policies even before visibility lists them.
  for (const grant of [...plan.start, ...plan.respec]) {
    const type = grant.principalType;
    if (!isIamPrincipal(type)) continue;
    const key = needsKey(type, grant.principal);
    const scope = scopeOf({ account: grant.account, environment: grant.environment, deployer });
    scope.principals.set(key, { type, name: grant.principal });
    scope.needs.set(key, [...(scope.needs.get(key) ?? []), ...attachedArns(grant)]);
    live.add(grant.id);
  }
  for (const scope of [...scopes.values()].sort((a, b) => compare(a.ref.account, b.ref.account))) {
    try {
      const findings = await sweepPrincipals(
        deps.accounts,
        deps.holders,
        {
          team: ctx.caller.team,
          ref: scope.ref,
          principals: [...scope.principals.values()],
          liveGrantIds: live,
          ownNeeds: scope.needs,
          nowMs: Date.now(),
          maxTemporaryDays: maxDays,
          dryRun,
        },
        (name) => deps.heartbeat(name),
      );
      report.findings.push(...findings);
    } catch (error) {
      report.error(`sweeping ${scope.ref.environment} (${scope.ref.account}): ${(error as Error).message}`);
    }
  }
}
