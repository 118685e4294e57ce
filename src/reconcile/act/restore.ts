// Restore: an operator lifts a grant's early revocation (a revoke or Cancel is sticky: later passes
// do not grant it again). If the last applied YAML still wants the grant, it is granted again.
import { ending, isSticky } from '../../core/ledger';
import type { PassPlan } from '../../core/reconcile-plan';
import type { RestoreResult } from '../../../workflows/messages';
import type { PassContext } from '../context';
import { PassFailure } from '../failures';
import { cleanUp, record } from './records';
import { startGrants } from './start';

/** Lifts a sticky early revocation and, if the last applied YAML still wants the grant, grants it again. */
export async function restore(ctx: PassContext, grantId: string, plan: PassPlan): Promise<RestoreResult> {
  const entry = ctx.ledger.get(grantId);
  const sticky = plan.sticky.includes(grantId) || isSticky(entry);
  if (!sticky || (entry && ending(entry) === 'live')) {
    const state = entry ? `${ending(entry)}${entry.state ? `, state ${entry.state}` : ''}` : 'no run within retention';
    return { grantId, restored: false, started: false, message: `${grantId} was not revoked early (${state}); nothing to restore` };
  }
  if (entry && ending(entry) === 'abandoned') await cleanUp(ctx, [{ entry }]);
  const spec = ctx.desired.get(grantId);
  if (!spec) {
    const from = entry ?? ctx.ledger.get(grantId);
    if (from)
      await record(ctx, [{ id: grantId, kind: 'lifted', cause: 'lifted', at: new Date().toISOString(), reason: `restored by ${ctx.by}`, by: ctx.by, from }]);
    return { grantId, restored: true, started: false, message: `${grantId} is no longer in the YAML; it will be granted if its entry is submitted again` };
  }
  const started = await startGrants(ctx, [spec], new Set());
  if (started.length === 0) throw new PassFailure(ctx.report.errors.items.join('; '), 'RestoreFailed');
  return { grantId, restored: true, started: true, message: `${grantId} restored by ${ctx.by} and granted again` };
}
