// Signals to running grant workflows: revoke (the YAML no longer wants the grant, it expired beyond
// the limit, an operator's revoke raced it, the team retired) and reapply (drift repair, or a new
// spec under the same id). A grant that turns out to have ended is left as it ended.
import { WorkflowNotFoundError } from '@temporalio/client';
import { compare } from '../../core/expand';
import type { GrantSpec } from '../../core/grant';
import { ending, isSticky, type LedgerEntry } from '../../core/ledger';
import type { RevokeDecision } from '../../core/reconcile-plan';
import { reapplySignal, revokeSignal, type ReapplyRequest, type RevokeRequest } from '../../../workflows/messages';
import { eachLimited, SIGNAL_CONCURRENCY } from '../concurrency';
import type { PassContext } from '../context';
import { describeGrant } from '../read/grants';
import { cleanUp } from './records';

/** Why the pass revokes a grant: the plan's cause, or the team's retirement. */
export interface Revocation {
  id: string;
  cause: RevokeDecision['cause'] | 'retired';
  reason: string;
}

/** Signals each grant to revoke; returns the ids signalled (a grant already gone is skipped). */
export async function revoke(ctx: PassContext, decisions: readonly Revocation[]): Promise<string[]> {
  const signalled: string[] = [];
  await eachLimited(
    decisions,
    SIGNAL_CONCURRENCY,
    async (decision) => {
      const request: RevokeRequest = { reason: decision.reason, origin: 'reconcile', cause: decision.cause, by: ctx.by };
      try {
        await ctx.deps.temporal.workflow.getHandle(decision.id).signal(revokeSignal, request);
        signalled.push(decision.id);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) ctx.report.error(`revoking ${decision.id}: ${(error as Error).message}`);
      }
    },
    () => ctx.deps.heartbeat('revoking grants'),
  );
  return signalled.sort(compare);
}

/**
 * Re-applies running grants; each derives its spec from this pass's config (a policy the YAML changed
 * included). A grant that turns out to have ended (visibility lags) is looked up directly: ended
 * early or killed, it stays revoked, and what a Terminate left behind is removed now. Returns the
 * ids signalled.
 */
export async function signalReapply(ctx: PassContext, reapply: readonly string[], respec: readonly GrantSpec[]): Promise<string[]> {
  const kept: string[] = [];
  const ended: LedgerEntry[] = [];
  const request: ReapplyRequest = ctx.source ? { source: ctx.source } : {};
  await eachLimited(
    [...reapply, ...respec.map((spec) => spec.id)],
    SIGNAL_CONCURRENCY,
    async (id) => {
      try {
        await ctx.deps.temporal.workflow.getHandle(id).signal(reapplySignal, request);
        kept.push(id);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) {
          ctx.report.error(`re-applying ${id}: ${(error as Error).message}`);
          return;
        }
        const entry = await describeGrant(ctx.deps, id);
        if (entry) ended.push(entry);
      }
    },
    () => ctx.deps.heartbeat('re-applying grants'),
  );
  for (const entry of ended) if (isSticky(entry)) ctx.report.sticky.push(entry.id);
  await cleanUp(
    ctx,
    ended.filter((e) => ending(e) === 'abandoned').map((entry) => ({ entry, record: 'early' as const })),
  );
  return kept.sort(compare);
}
