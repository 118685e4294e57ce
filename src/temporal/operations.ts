// What the command line (and tests) ask of Temporal: submit a team, revoke or restore a grant,
// sweep, and read the live grants from visibility.
import { WithStartWorkflowOperation, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { reconcileWorkflowId } from '../core/ids';
import type { Revision } from '../core/revision';
import type { TeamConfig } from '../core/team-config';
import { latestTeamGrantRuns, quote, teamGrantsQuery } from './team-grants';
import { revokeUpdate, statusQuery } from '../../workflows/grant';
import type { GrantStatus, RevokeRequest } from '../../workflows/messages';
import {
  reconcileStatusQuery,
  reconcileWorkflow,
  restoreUpdate,
  submitUpdate,
  sweepUpdate,
  type PlanSummary,
  type ReconcileStatus,
  type RestoreResult,
  type SweepSummary,
} from '../../workflows/reconcile';
import {
  GrantAccount,
  GrantEnvironment,
  GrantExpiresAt,
  GrantKind,
  GrantPolicy,
  GrantPrincipal,
  GrantState,
  GrantTeam,
  type GrantState as GrantStateName,
} from '../../workflows/search-attributes';

/** Hands the submission to the team's reconcile workflow (starting it if needed) and returns its plan. */
export async function submitTeam(client: Client, options: { config: TeamConfig; revision: Revision; taskQueue: string }): Promise<PlanSummary> {
  const { config } = options;
  const startWorkflowOperation = new WithStartWorkflowOperation(reconcileWorkflow, {
    workflowId: reconcileWorkflowId(config.team),
    taskQueue: options.taskQueue,
    args: [{ team: config.team }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return client.workflow.executeUpdateWithStart(submitUpdate, {
    args: [{ config, revision: options.revision }],
    startWorkflowOperation,
  });
}

export async function reconcileStatus(client: Client, team: string): Promise<ReconcileStatus> {
  return client.workflow.getHandle(reconcileWorkflowId(team)).query(reconcileStatusQuery);
}

export async function restoreGrant(client: Client, team: string, grantId: string, by: string): Promise<RestoreResult> {
  return client.workflow.getHandle(reconcileWorkflowId(team)).executeUpdate(restoreUpdate, { args: [{ grantId, by }] });
}

export async function sweepTeam(client: Client, team: string, dryRun: boolean, by: string): Promise<SweepSummary> {
  return client.workflow.getHandle(reconcileWorkflowId(team)).executeUpdate(sweepUpdate, { args: [{ dryRun, by }] });
}

/** Revokes a running grant now; resolves with its final state once IAM no longer holds it. */
export async function revokeGrantNow(client: Client, grantId: string, request: RevokeRequest): Promise<GrantStateName> {
  return client.workflow.getHandle(grantId).executeUpdate(revokeUpdate, { args: [{ origin: 'operator', ...request }] });
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
  memo: Record<string, unknown>;
}

function toLiveGrant(execution: WorkflowExecutionInfo): LiveGrant {
  const sa = execution.typedSearchAttributes;
  const expires = sa.get(GrantExpiresAt);
  return {
    id: execution.workflowId,
    team: sa.get(GrantTeam) ?? '',
    principal: sa.get(GrantPrincipal) ?? '',
    account: sa.get(GrantAccount) ?? '',
    environment: sa.get(GrantEnvironment) ?? '',
    policy: sa.get(GrantPolicy) ?? '',
    kind: sa.get(GrantKind) ?? '',
    state: sa.get(GrantState) ?? '',
    ...(expires ? { expiresAt: new Date(expires).toISOString().replace('.000Z', 'Z') } : {}),
    status: execution.status.name,
    memo: (execution.memo ?? {}) as Record<string, unknown>,
  };
}

/** The state of every grant workflow of a team (latest run per id, running or closed), from visibility. */
export async function teamGrantStates(client: Client, team: string): Promise<Map<string, { state: string; running: boolean }>> {
  const runs = await latestTeamGrantRuns(client, team);
  return new Map(runs.map((run) => [run.workflowId, { state: run.typedSearchAttributes.get(GrantState) ?? '', running: run.status.name === 'RUNNING' }]));
}

/** How many of a team's grant workflows are running and active (a cheap count, for progress). */
export async function countTeamGrants(client: Client, team: string): Promise<{ active: number }> {
  const { count } = await client.workflow.count(teamGrantsQuery(team, `ExecutionStatus = 'Running'`, `GrantState = 'active'`));
  return { active: count };
}

/** Running grant workflows, optionally of one team, principal or policy. */
export async function listLiveGrants(client: Client, filter: { team?: string; principal?: string; policy?: string } = {}): Promise<LiveGrant[]> {
  const clauses = [`WorkflowType = 'grantWorkflow'`, `ExecutionStatus = 'Running'`];
  if (filter.team) clauses.push(`GrantTeam = ${quote(filter.team)}`);
  if (filter.principal) clauses.push(`GrantPrincipal = ${quote(filter.principal)}`);
  if (filter.policy) clauses.push(`GrantPolicy = ${quote(filter.policy)}`);
  const grants: LiveGrant[] = [];
  for await (const execution of client.workflow.list({ query: clauses.join(' AND ') })) grants.push(toLiveGrant(execution));
  return grants.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
