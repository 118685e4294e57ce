// What the runs of a team's reconcile workflow left in their memos: the last applied revision and
// config (and when it was received), merged across every run within retention. A reconcile run that
// was terminated, reset or started fresh reads its predecessors back from here. Runs from before the
// team was last retired do not count: a retired team starts afresh.
import type { Client } from '@temporalio/client';
import { reconcileWorkflowId } from '../core/ids';
import { isOlderRevision } from '../core/revision';
import type { ReconcileState } from '../../workflows/messages';
import { quote } from './team-grants';

export async function recoverTeamState(client: Client, team: string, exceptRunId?: string): Promise<ReconcileState> {
  const runs: { state: ReconcileState; startedMs: number }[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = ${quote(reconcileWorkflowId(team))}` })) {
    if (run.runId === exceptRunId) continue;
    const state = (run.memo as { state?: ReconcileState } | undefined)?.state;
    if (state) runs.push({ state, startedMs: run.startTime.getTime() });
  }
  const retiredMs = Math.max(-Infinity, ...runs.flatMap((r) => (r.state.retiredAt ? [Date.parse(r.state.retiredAt)] : [])));
  let newest: ReconcileState | undefined;
  for (const { state, startedMs } of runs) {
    if (startedMs <= retiredMs || state.retiredAt) continue;
    if (state.revision && (!newest?.revision || isOlderRevision(newest.revision, state.revision))) newest = state;
  }
  return {
    ...(newest?.revision ? { revision: newest.revision } : {}),
    ...(newest?.config ? { config: newest.config } : {}),
    ...(newest?.receivedAt ? { receivedAt: newest.receivedAt } : {}),
    ...(newest?.reconcileIntervalMs ? { reconcileIntervalMs: newest.reconcileIntervalMs } : {}),
  };
}
