// What a pass does with its plan. A submission's or the interval's pass does all of it, revokes
// first (an expiry or a removal must not wait behind applies); a settle pass only what cannot wait
// for the next interval; a pass with no config it may apply only keeps early revocations remembered.
import { compare } from '../../core/expand';
import type { PermissionSetSync, PolicySync } from '../../core/grant';
import { isSticky } from '../../core/ledger';
import type { PassPlan } from '../../core/reconcile-plan';
import type { PassContext } from '../context';
import { assertCurrent } from '../read/grants';
import { waitForClose } from '../waiting';
import { dropUnusedPermissionSets, syncPermissionSets, teamAccounts, usesIdentityCenter } from './permission-sets';
import { dropUnusedPolicies, syncPolicies } from './policies';
import { cleanUp, record } from './records';
import { replace } from './replace';
import { revoke, signalReapply } from './signal';
import { startGrants } from './start';

/** How long a pass waits for grants it revoked (or that were revoking) to close. */
const ENDING_WAIT_MS = 20_000;
const ENDING_POLL_MS = 250;

/** Revokes first (an expiry or removal must not wait behind applies), then everything else. */
export async function reconcile(
  ctx: PassContext,
  plan: PassPlan,
  policies: readonly PolicySync[],
  permissionSets: readonly PermissionSetSync[] = [],
): Promise<void> {
  const { report } = ctx;
  const revoked = await revoke(ctx, plan.revoke);
  report.revoked.push(...revoked);
  await assertCurrent(ctx.deps, ctx.caller);
  await cleanUp(ctx, plan.cleanup);
  await record(ctx, plan.records);
  await syncPolicies(ctx, policies);
  await syncPermissionSets(ctx, permissionSets);
  await assertCurrent(ctx.deps, ctx.caller);
  // A desired grant whose previous run is still revoking starts once that run has closed, unless an
  // operator's revoke was what it was finishing; a revoke that shares an attachment with a grant
  // about to start (or take a new spec) finishes first too.
  const endings = await waitForEnding(ctx, [...new Set([...plan.waiting, ...plan.revokeFirst.filter((id) => revoked.includes(id))])].sort(compare));
  const waited = new Set(plan.waiting);
  const ended = { open: endings.open.filter((id) => waited.has(id)), early: endings.early.filter((id) => waited.has(id)) };
  const notNow = new Set([...ended.open, ...ended.early]);
  const replacing = new Set(plan.replace.map((r) => r.to));
  const afterWait = plan.waiting.filter((id) => !notNow.has(id)).flatMap((id) => ctx.desired.get(id) ?? []);
  const started = await startGrants(ctx, [...plan.start, ...afterWait], replacing);
  report.added.push(...started.filter((id) => !replacing.has(id)));
  report.kept.push(...(await signalReapply(ctx, [...plan.reapply, ...plan.breakGlass], plan.respec)));
  report.sticky.push(...plan.sticky, ...ended.early);
  report.waiting.push(...ended.open);
  await replace(ctx, plan.replace);
  // A policy the YAML dropped is deleted once nothing has it attached: give this pass's revokes a moment to finish.
  if (revoked.length > 0) await waitForEnding(ctx, revoked);
  const desiredCopies = [...ctx.desired.values()].flatMap((g) => (g.expiringCopies ?? []).map((c) => c.arn));
  await dropUnusedPolicies(ctx, new Set(policies.map((p) => p.arn)), new Set(desiredCopies));
  if (usesIdentityCenter(ctx)) await dropUnusedPermissionSets(ctx, new Set(permissionSets.map((p) => p.name)), teamAccounts(ctx));
}

/** Only what cannot wait for the next interval: replacements whose new grant is active, and revokes that follow an operator's. */
export async function settle(ctx: PassContext, plan: PassPlan): Promise<void> {
  ctx.report.revoked.push(
    ...(await revoke(
      ctx,
      plan.revoke.filter((r) => r.cause === 'early'),
    )),
  );
  await record(
    ctx,
    plan.records.filter((r) => r.kind === 'succession'),
  );
  await replace(ctx, plan.replace);
}

/** With no config it may apply, a pass still writes the records that keep early revocations from being forgotten. */
export async function keepRemembered(ctx: PassContext, plan: PassPlan): Promise<void> {
  await record(
    ctx,
    plan.records.filter((r) => r.kind === 'reaffirmed'),
  );
}

/** Waits (briefly) for grants to close: those still open, and those that turned out revoked early after all. */
async function waitForEnding(ctx: PassContext, ids: readonly string[]): Promise<{ open: string[]; early: string[] }> {
  const { settled, open } = await waitForClose(ctx.deps, ids, {
    withinMs: ENDING_WAIT_MS,
    everyMs: ENDING_POLL_MS,
    what: (count) => `waiting for ${count} grants to close`,
  });
  const early = [...settled].flatMap(([id, closed]) => (closed.entry && isSticky(closed.entry) ? [id] : []));
  return { open: open.sort(compare), early: early.sort(compare) };
}
