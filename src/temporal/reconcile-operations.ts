// What the command line (and tests) ask of a team's reconcile workflow: submit or retire the team,
// restore a grant, sweep, and its status. Each is an update (or query) of the workflow, which an
// update starts again if an operator terminated it.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client, type UpdateDefinition } from '@temporalio/client';
import { reconcileWorkflowId } from '../core/ids';
import type { Revision } from '../core/revision';
import type { TeamConfig } from '../core/team-config';
import {
  reconcileStatusQuery,
  restoreUpdate,
  retireUpdate,
  submitUpdate,
  sweepUpdate,
  type PlanSummary,
  type ReconcileInput,
  type ReconcileStatus,
  type RestoreResult,
  type RetireResult,
  type SweepSummary,
} from '../../workflows/messages';
import { askPatiently } from './patience';
import { stageConfig, type SubmissionSigner } from './submissions';

/** The reconcile workflow's signature, for typed starts (without importing the workflow module). */
type ReconcileWorkflow = (input: ReconcileInput) => Promise<void>;

function startReconcile(team: string, taskQueue: string): WithStartWorkflowOperation<ReconcileWorkflow> {
  return new WithStartWorkflowOperation<ReconcileWorkflow>('reconcileWorkflow', {
    workflowId: reconcileWorkflowId(team),
    taskQueue,
    args: [{ team }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/**
 * Stages the config with its signature, then hands the submission to the team's reconcile workflow
 * (starting it if needed) and returns what it did. The worker refuses an unsigned submission unless
 * it was told to accept them.
 */
export async function submitTeam(
  client: Client,
  options: { config: TeamConfig; revision: Revision; taskQueue: string; sign?: SubmissionSigner; onProgress?: (message: string) => void },
): Promise<PlanSummary> {
  const { config } = options;
  const onWait = (line: string) => options.onProgress?.(line);
  const ref = await stageConfig(client, config, options.taskQueue, {
    ...(options.sign ? { sign: options.sign } : {}),
    revision: options.revision,
    onPart: (index, total) => options.onProgress?.(`staged part ${index} of ${total} of the config`),
    onWait,
  });
  const id = randomUUID();
  return askPatiently(
    () =>
      client.workflow.executeUpdateWithStart(submitUpdate, {
        updateId: id,
        args: [{ config: ref, revision: options.revision, settings: { reconcileIntervalMs: config.settings.reconcileIntervalMs } }],
        startWorkflowOperation: startReconcile(config.team, options.taskQueue),
      }),
    { waitingFor: `a worker on task queue ${options.taskQueue}`, onWait },
  );
}

/**
 * Sends an update to the team's reconcile workflow. One that an operator terminated is started again
 * on the same task queue: it reads its state back from visibility, so the update acts as the original
 * would have. A team that was never submitted has none (WorkflowNotFoundError).
 */
async function updateReconcile<Ret, Args extends [unknown, ...unknown[]]>(
  client: Client,
  team: string,
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  onWait?: (line: string) => void,
): Promise<Ret> {
  const handle = client.workflow.getHandle(reconcileWorkflowId(team));
  // One update id for every attempt: an update sent again after a lost answer runs once.
  const id = randomUUID();
  return askPatiently(
    async () => {
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') return handle.executeUpdate(update, { updateId: id, args });
      return client.workflow.executeUpdateWithStart(update, { updateId: id, args, startWorkflowOperation: startReconcile(team, description.taskQueue) });
    },
    { waitingFor: `the worker of team ${team}'s reconcile workflow`, ...(onWait ? { onWait } : {}) },
  );
}

/** Revokes every grant of the team, deletes its policies and ends its reconcile workflow. */
export async function retireTeam(
  client: Client,
  team: string,
  request: { reason: string; by: string },
  onWait?: (line: string) => void,
): Promise<RetireResult> {
  return updateReconcile(client, team, retireUpdate, [request], onWait);
}

/** Whether the team has a reconcile workflow at all (running or closed within retention): a team never submitted has none. */
export async function hasReconcileWorkflow(client: Client, team: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(reconcileWorkflowId(team)).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

export async function reconcileStatus(client: Client, team: string): Promise<ReconcileStatus> {
  return client.workflow.getHandle(reconcileWorkflowId(team)).query(reconcileStatusQuery);
}

export async function restoreGrant(client: Client, team: string, grantId: string, by: string, onWait?: (line: string) => void): Promise<RestoreResult> {
  return updateReconcile(client, team, restoreUpdate, [{ grantId, by }], onWait);
}

export async function sweepTeam(client: Client, team: string, dryRun: boolean, by: string, onWait?: (line: string) => void): Promise<SweepSummary> {
  return updateReconcile(client, team, sweepUpdate, [{ dryRun, by }], onWait);
}
