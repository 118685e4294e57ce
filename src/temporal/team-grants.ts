// Reading a team's grant workflows from visibility, shared by the command line, the activities and
// the demo. Visibility lists every run of an id (a grant revoked early, then restored, has two), so
// the latest run of each id is what stands for the grant.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';

/** Quoted for a visibility query. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The visibility query for a team's grant workflows, narrowed by further clauses. */
export function teamGrantsQuery(team: string, ...clauses: string[]): string {
  return [`WorkflowType = 'grantWorkflow'`, `GrantTeam = ${quote(team)}`, ...clauses].join(' AND ');
}

/** The latest run of each of a team's grant workflows; `onEach` runs per listed execution (a heartbeat, say). */
export async function latestTeamGrantRuns(client: Client, team: string, onEach?: () => void): Promise<WorkflowExecutionInfo[]> {
  const latest = new Map<string, WorkflowExecutionInfo>();
  for await (const execution of client.workflow.list({ query: teamGrantsQuery(team) })) {
    onEach?.();
    const seen = latest.get(execution.workflowId);
    if (seen && seen.startTime.getTime() >= execution.startTime.getTime()) continue;
    latest.set(execution.workflowId, execution);
  }
  return [...latest.values()];
}
