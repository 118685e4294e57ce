// What the command line (and tests) ask of Temporal: submit or retire a team, revoke or restore a
// grant, sweep, and read the live grants from visibility.
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client, type UpdateDefinition } from '@temporalio/client';
import { reconcileWorkflowId } from '../core/ids';
import type { Revision } from '../core/revision';
import type { TeamConfig } from '../core/team-config';
import { withoutEmpty } from './grant-query';
import { countGrants, grantRows, latestGrantRows, type GrantRow } from './grant-rows';
import {
  reconcileStatusQuery,
  restoreUpdate,
  retireUpdate,
  revokeUpdate,
  statusQuery,
  submitUpdate,
  sweepUpdate,
  type GrantStatus,
  type PlanSummary,
  type ReconcileInput,
  type ReconcileStatus,
  type RestoreResult,
  type RetireResult,
  type RevokeRequest,
  type SweepSummary,
} from '../../workflows/messages';
import { stageConfig, type SubmissionSigner } from './submissions';
import type { GrantState as GrantStateName } from '../../workflows/search-attributes';

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
  const ref = await stageConfig(client, config, options.taskQueue, {
    ...(options.sign ? { sign: options.sign } : {}),
    revision: options.revision,
    onPart: (index, total) => options.onProgress?.(`staged part ${index} of ${total} of the config`),
  });
  return client.workflow.executeUpdateWithStart(submitUpdate, {
    args: [{ config: ref, revision: options.revision, settings: { reconcileIntervalMs: config.settings.reconcileIntervalMs } }],
    startWorkflowOperation: startReconcile(config.team, options.taskQueue),
  });
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
): Promise<Ret> {
  const handle = client.workflow.getHandle(reconcileWorkflowId(team));
  const description = await handle.describe();
  if (description.status.name === 'RUNNING') return retryRacedUpdate(() => handle.executeUpdate(update, { args }));
  return client.workflow.executeUpdateWithStart(update, { args, startWorkflowOperation: startReconcile(team, description.taskQueue) });
}

/** Revokes every grant of the team, deletes its policies and ends its reconcile workflow. */
export async function retireTeam(client: Client, team: string, request: { reason: string; by: string }): Promise<RetireResult> {
  return updateReconcile(client, team, retireUpdate, [request]);
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

export async function restoreGrant(client: Client, team: string, grantId: string, by: string): Promise<RestoreResult> {
  return updateReconcile(client, team, restoreUpdate, [{ grantId, by }]);
}

export async function sweepTeam(client: Client, team: string, dryRun: boolean, by: string): Promise<SweepSummary> {
  return updateReconcile(client, team, sweepUpdate, [{ dryRun, by }]);
}

/**
 * The server refuses an update that arrived while the workflow's task in hand failed (it raced a
 * signal, say); the next task takes it. Such a refusal is retried, a few times.
 */
async function retryRacedUpdate<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? '';
      if (attempt >= 5 || !/unexpected workflow task failure/.test(`${(error as Error).message} ${cause}`)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

/** Revokes a running grant now; resolves with its final state once IAM no longer holds it. */
export async function revokeGrantNow(client: Client, grantId: string, request: RevokeRequest): Promise<GrantStateName> {
  return retryRacedUpdate(() => client.workflow.getHandle(grantId).executeUpdate(revokeUpdate, { args: [{ origin: 'operator', ...request }] }));
}

export async function grantStatus(client: Client, grantId: string): Promise<GrantStatus> {
  return client.workflow.getHandle(grantId).query(statusQuery);
}

/** A grant as visibility shows it: enough for `status` without querying each workflow. */
export interface LiveGrant {
  id: string;
  team: string;
  principal: string;
  account: string;
  environment: string;
  policy: string;
  kind: string;
  state: string;
  expiresAt?: string;
  status: string;
  closedAt?: string;
  memo: Record<string, unknown>;
}

function toLiveGrant(row: GrantRow): LiveGrant {
  return {
    id: row.id,
    team: row.team,
    principal: row.principal,
    account: row.account,
    environment: row.environment,
    policy: row.policy,
    kind: row.kind,
    state: row.state ?? '',
    ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}),
    status: row.status,
    ...(row.closedAt ? { closedAt: row.closedAt } : {}),
    memo: row.memo,
  };
}

const byId = (a: LiveGrant, b: LiveGrant) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The state of every grant workflow of a team (latest run per id, running or closed), from visibility. */
export async function teamGrantStates(client: Client, team: string): Promise<Map<string, { state: string; running: boolean }>> {
  const rows = await latestGrantRows(client, { team });
  return new Map(rows.map((row) => [row.id, { state: row.state ?? '', running: row.status === 'RUNNING' }]));
}

/** How many of a team's grant workflows are running and active (a cheap count, for progress). */
export async function countTeamGrants(client: Client, team: string): Promise<{ active: number }> {
  return { active: await countGrants(client, { team, running: true, state: 'active' }) };
}

/** Running grant workflows, optionally of one team, principal or policy. */
export async function listLiveGrants(client: Client, filter: { team?: string; principal?: string; policy?: string } = {}): Promise<LiveGrant[]> {
  const { team, principal, policy } = filter;
  const rows = await grantRows(client, { ...withoutEmpty({ team, principal, policy }), running: true });
  return rows.map(toLiveGrant).sort(byId);
}

/**
 * The latest run of each grant workflow that is running or closed after `closedSince` (failed,
 * expired, revoked...), optionally of one team, principal or policy: what `status` shows beside the
 * live grants.
 */
export async function listGrantRuns(
  client: Client,
  filter: { team?: string; principal?: string; policy?: string; id?: string; account?: string; environment?: string; kind?: string; closedSince: Date },
): Promise<LiveGrant[]> {
  const { team, principal, policy, id, account, environment, kind, closedSince } = filter;
  const rows = await latestGrantRows(client, { ...withoutEmpty({ id, account, environment, kind, team, principal, policy }), running: true, closedSince });
  return rows.map(toLiveGrant).sort(byId);
}
