// Keeps one reconcile workflow running for every team that has one, so that what the team's passes
// keep true (early revocations reaffirmed before their runs leave the namespace's retention, drift
// repaired, expired grants swept) never depends on the team being submitted again. A reconcile
// workflow an operator terminated, or one that ended with a worker upgrade, is started again by the
// next worker that looks; it reads its state back from its predecessors. A retired team is left alone.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { reconcileWorkflowId } from '../core/ids';
import type { ReconcileInput, ReconcileState } from '../../workflows/messages';
import { GrantTeam } from '../../workflows/search-attributes';
import { quote } from './grant-query';
import { repeatEvery } from './repeat';

/** How often a worker looks for teams whose reconcile workflow is not running. */
export const KEEPER_EVERY_MS = 5 * 60_000;

const RECONCILE_PREFIX = reconcileWorkflowId('');

/** The latest run of each workflow id in a listing. */
function latestRuns(runs: readonly WorkflowExecutionInfo[]): Map<string, WorkflowExecutionInfo> {
  const latest = new Map<string, WorkflowExecutionInfo>();
  for (const run of runs) {
    const seen = latest.get(run.workflowId);
    if (!seen || seen.startTime.getTime() < run.startTime.getTime()) latest.set(run.workflowId, run);
  }
  return latest;
}

async function listAll(client: Client, query: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of client.workflow.list({ query })) runs.push(run);
  return runs;
}

/**
 * The teams on `taskQueue` whose reconcile workflow is not running and was not retired: every team
 * whose reconcile workflow visibility still lists, and every team whose adopted config is still held
 * by a running submission workflow (so a team whose reconcile runs were all deleted is found too).
 */
export async function teamsWithoutReconcile(client: Client, taskQueue: string): Promise<string[]> {
  const reconciles = latestRuns(await listAll(client, `WorkflowType = 'reconcileWorkflow' AND TaskQueue = ${quote(taskQueue)}`));
  const submitted = await listAll(client, `WorkflowType = 'submissionWorkflow' AND ExecutionStatus = 'Running' AND TaskQueue = ${quote(taskQueue)}`);
  const teams = new Set<string>();
  for (const [id, run] of reconciles) {
    const state = (run.memo as { state?: ReconcileState } | undefined)?.state;
    if (run.status.name !== 'RUNNING' && !state?.retiredAt) teams.add(id.slice(RECONCILE_PREFIX.length));
  }
  for (const run of submitted) {
    const team = run.typedSearchAttributes.get(GrantTeam);
    if (team && !reconciles.has(reconcileWorkflowId(team))) teams.add(team);
  }
  return [...teams].sort();
}

/** Starts the reconcile workflow of each team that lacks one; one already running (another worker was faster) is left as it is. */
export async function keepReconcilesRunning(client: Client, taskQueue: string): Promise<string[]> {
  const started: string[] = [];
  for (const team of await teamsWithoutReconcile(client, taskQueue)) {
    await client.workflow.start<(input: ReconcileInput) => Promise<void>>('reconcileWorkflow', {
      workflowId: reconcileWorkflowId(team),
      taskQueue,
      args: [{ team }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
    started.push(team);
  }
  return started;
}

/** Looks every `everyMs` until stopped (and once at once); a failed look is tried again next time. */
export function watchReconciles(options: { client: Client; taskQueue: string; everyMs?: number; onStarted?: (teams: string[]) => void }): { stop(): void } {
  return repeatEvery(options.everyMs ?? KEEPER_EVERY_MS, async (stopped) => {
    try {
      const started = await keepReconcilesRunning(options.client, options.taskQueue);
      if (started.length > 0 && !stopped()) options.onStarted?.(started);
    } catch {
      // Temporal unreachable: the worker cannot run the workflows either; the next look tries again.
    }
  });
}
