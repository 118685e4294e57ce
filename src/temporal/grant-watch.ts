// Reads what became of a team's grants: visibility for state and how each ended, the status query for
// the last error of a grant that is still pending (an apply being retried). Used by `submit` to
// report failures instead of exiting 0 over a grant that never landed.
import type { Client } from '@temporalio/client';
import type { ObservedGrant } from '../core/grant-outcomes';
import { grantStatusWithin } from './grant-operations';
import { latestGrantRows } from './grant-rows';

/** How long one status query may take; a grant whose worker does not answer in time just has no answer yet. */
const QUERY_TIMEOUT_MS = 5_000;
const QUERY_CAP = 200;

/** The latest run of each of `ids` (of one team), with the state, cause and last error of those not yet active, from their status query. */
export async function observeGrants(client: Client, team: string, ids: readonly string[]): Promise<Map<string, ObservedGrant>> {
  const wanted = new Set(ids);
  const observed = new Map<string, ObservedGrant>();
  const rows = (await latestGrantRows(client, { team })).filter((row) => wanted.has(row.id));
  for (const { id, state, status, memo } of rows) {
    observed.set(id, {
      ...(state ? { state } : {}),
      running: status === 'RUNNING',
      ...(memo.endCause ? { endCause: memo.endCause } : {}),
      ...(memo.endReason ? { endReason: memo.endReason } : {}),
      ...(memo.startsAt ? { startsAt: memo.startsAt } : {}),
    });
  }
  // Visibility lags behind the workflow, and does not show a grant cleaning up after a failed apply
  // as failing: the status query of those not yet active says.
  const pending = [...observed.entries()].filter(([, g]) => g.running && (g.state === 'pending' || g.state === 'revoking'));
  // A handful at a time: a big team's first submission must not flood the worker with queries.
  // At most QUERY_CAP per look: a big team's other pending grants count as not answered yet.
  for (let i = 0; i < Math.min(pending.length, QUERY_CAP); i += 20) {
    await Promise.all(
      pending.slice(i, i + 20).map(async ([id, grant]) => {
        const status = await grantStatusWithin(client, id, QUERY_TIMEOUT_MS);
        if (!status) return;
        grant.state = status.state;
        if (status.lastError) grant.lastError = status.lastError;
        if (status.cause) grant.endCause = status.cause;
      }),
    );
  }
  return observed;
}
