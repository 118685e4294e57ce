// What the runs of a team's reconcile workflow left in their memos (the facts visibility alone does
// not hold: early revocations older than retention, lifted ones, cleaned-up runs; and the last
// applied revision and config), merged across every run within retention. A reconcile run that was
// terminated, reset or started fresh reads its predecessors back from here.
import type { Client } from '@temporalio/client';
import { reconcileWorkflowId } from '../core/ids';
import { mergeFacts } from '../core/ledger';
import { isOlderRevision } from '../core/revision';
import type { ReconcileState } from '../../workflows/messages';
import { quote } from './team-grants';

export async function recoverTeamState(client: Client, team: string, exceptRunId?: string): Promise<ReconcileState> {
  const runs: ReconcileState[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = ${quote(reconcileWorkflowId(team))}` })) {
    if (run.runId === exceptRunId) continue;
    const state = (run.memo as { state?: ReconcileState } | undefined)?.state;
    if (state?.facts) runs.push(state);
  }
  let newest: ReconcileState | undefined;
  for (const run of runs) if (run.revision && (!newest?.revision || isOlderRevision(newest.revision, run.revision))) newest = run;
  return {
    facts: mergeFacts(...runs.map((r) => r.facts)),
    ...(newest?.revision ? { revision: newest.revision } : {}),
    ...(newest?.config ? { config: newest.config } : {}),
    ...(newest?.reconcileIntervalMs ? { reconcileIntervalMs: newest.reconcileIntervalMs } : {}),
  };
}
