// What the runs of a team's reconcile workflow left in their memos: the last applied revision and
// config (and when it was received), merged across every run within retention. A reconcile run that
// was terminated, reset or started fresh reads its predecessors back from here. Runs from before the
// team was last retired do not count: a retired team starts afresh.
import type { Client } from '@temporalio/client';
import { reconcileWorkflowId } from '../core/ids';
import { isOlderRevision } from '../core/revision';
import type { ReconcileState } from '../../workflows/messages';
import { workflowRunsQuery } from './grant-query';

/**
 * The newest state any run claims. A memo is a claim: whoever can start a workflow can write one, so
 * a caller that acts on the config must verify it (src/reconcile/authority.ts picks among
 * `teamStates` by what verifies).
 */
export async function recoverTeamState(client: Client, team: string, exceptRunId?: string): Promise<ReconcileState> {
  const states = await teamStates(client, team, exceptRunId);
  let newest: ReconcileState | undefined;
  for (const state of states) {
    if (state.revision && (!newest?.revision || isOlderRevision(newest.revision, state.revision))) newest = state;
  }
  return pickRecovered(newest);
}

/** What a run that starts fresh keeps of a predecessor's state. */
export function pickRecovered(newest: ReconcileState | undefined): ReconcileState {
  return {
    ...(newest?.revision ? { revision: newest.revision } : {}),
    ...(newest?.config ? { config: newest.config } : {}),
    ...(newest?.receivedAt ? { receivedAt: newest.receivedAt } : {}),
    ...(newest?.reconcileIntervalMs ? { reconcileIntervalMs: newest.reconcileIntervalMs } : {}),
    ...(newest?.signer ? { signer: newest.signer } : {}),
  };
}

/** Where the team's latest retirement left its objects (accounts, deployer role), if it was retired. */
export async function retiredScope(client: Client, team: string): Promise<NonNullable<ReconcileState['retiredScope']> | undefined> {
  // The current run's memo read directly (visibility may not yet list what the retirement just wrote), then every run's.
  const states = await currentState(client, team).catch(() => [] as ReconcileState[]);
  for await (const run of client.workflow.list({ query: workflowRunsQuery(reconcileWorkflowId(team)) })) {
    const state = (run.memo as { state?: ReconcileState } | undefined)?.state;
    if (state) states.push(state);
  }
  let newest: { at: number; scope: NonNullable<ReconcileState['retiredScope']> } | undefined;
  for (const state of states) {
    if (!state.retiredAt || !state.retiredScope) continue;
    const at = Date.parse(state.retiredAt);
    if (!newest || at > newest.at) newest = { at, scope: state.retiredScope };
  }
  return newest?.scope;
}

/** The state in the memo of the team's reconcile workflow's current (or latest) run. */
export async function currentState(client: Client, team: string): Promise<ReconcileState[]> {
  const description = await client.workflow.getHandle(reconcileWorkflowId(team)).describe();
  const state = (description.memo as { state?: ReconcileState } | undefined)?.state;
  return state ? [state] : [];
}

/**
 * The state in the memo of every run of the team's reconcile workflow since the team was last
 * retired (`withRetired`: and the states that record retirements, so the caller knows when).
 */
export async function teamStates(client: Client, team: string, exceptRunId?: string, options: { withRetired?: boolean } = {}): Promise<ReconcileState[]> {
  const runs: { state: ReconcileState; startedMs: number }[] = [];
  for await (const run of client.workflow.list({ query: workflowRunsQuery(reconcileWorkflowId(team)) })) {
    if (run.runId === exceptRunId) continue;
    const state = (run.memo as { state?: ReconcileState } | undefined)?.state;
    if (state) runs.push({ state, startedMs: run.startTime.getTime() });
  }
  const retiredMs = Math.max(-Infinity, ...runs.flatMap((r) => (r.state.retiredAt ? [Date.parse(r.state.retiredAt)] : [])));
  return runs.filter(({ state, startedMs }) => (options.withRetired && state.retiredAt) || (startedMs > retiredMs && !state.retiredAt)).map((r) => r.state);
}
