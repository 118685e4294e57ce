// What a pass reads of the team's workflows: whether the reconcile run that asked is still the
// team's current one, the ledger (every grant's latest run, from visibility), and single grant runs
// read directly (strongly consistent, unlike visibility), for grants visibility does not list yet.
import { WorkflowNotFoundError } from '@temporalio/client';
import { reconcileWorkflowId } from '../../core/ids';
import { withEndedEarly, type EndedEarly, type LedgerEntry } from '../../core/ledger';
import { readLedger, toLedgerEntry } from '../../temporal/ledger-reader';
import type { PassCaller } from '../../../workflows/messages';
import { CONCURRENCY, eachLimited } from '../concurrency';
import type { PassDeps } from '../context';
import { PassFailure } from '../failures';

/** A pass of a reconcile run that was terminated or reset meanwhile stops before it acts again. */
export async function assertCurrent(deps: Pick<PassDeps, 'temporal'>, caller: Pick<PassCaller, 'team' | 'runId'>): Promise<void> {
  const description = await deps.temporal.workflow
    .getHandle(reconcileWorkflowId(caller.team))
    .describe()
    .catch(() => undefined);
  if (description && (description.runId !== caller.runId || description.status.name !== 'RUNNING')) {
    throw new PassFailure(`the reconcile run ${caller.runId} that asked for this pass is no longer the team's current one; it stops`, 'PassSuperseded');
  }
}

/** The team's ledger, with what grant workflows told the reconcile workflow (ended early) taken into account. */
export async function readGrants(
  deps: Pick<PassDeps, 'temporal' | 'heartbeat'>,
  team: string,
  endedEarly: readonly EndedEarly[] = [],
): Promise<Map<string, LedgerEntry>> {
  return withEndedEarly(await readLedger(deps.temporal, team, () => deps.heartbeat('reading grants')), endedEarly);
}

/** One grant workflow's latest run, read directly (strongly consistent, unlike visibility). */
export async function describeGrant(deps: Pick<PassDeps, 'temporal'>, id: string): Promise<LedgerEntry | undefined> {
  try {
    const description = await deps.temporal.workflow.getHandle(id).describe();
    return toLedgerEntry(description);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** Grant workflows the ledger lacks (visibility lags a moment behind a start), looked up directly into it. */
export async function lookUpRecent(deps: Pick<PassDeps, 'temporal' | 'heartbeat'>, ids: readonly string[], ledger: Map<string, LedgerEntry>): Promise<void> {
  await eachLimited(
    ids,
    CONCURRENCY,
    async (id) => {
      const entry = await describeGrant(deps, id);
      if (entry) ledger.set(id, entry);
    },
    () => deps.heartbeat('looking up recent grants'),
  );
}
