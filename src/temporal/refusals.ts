// What the worker refused lately for lack of a verified submission, as Temporal's visibility shows
// it: submissions (each team's reconcile workflow keeps its latest refusal in its memo) and grant
// workflows started outside a pass (they end failed, their memo saying `refused`). For `doctor`.
import type { Client } from '@temporalio/client';
import type { ReconcileState } from '../../workflows/messages';
import { listRows } from './grant-rows';
import { grantQuery } from './grant-query';

export interface Refusals {
  submissions: { team: string; at: string; reason: string }[];
  grants: { id: string; at: string; reason: string }[];
}

const LISTED = 20;

export async function recentRefusals(client: Client, since: Date): Promise<Refusals> {
  const submissions: Refusals['submissions'] = [];
  for await (const run of client.workflow.list({ query: `WorkflowType = 'reconcileWorkflow' AND ExecutionStatus = 'Running'` })) {
    const refused = (run.memo as { state?: ReconcileState } | undefined)?.state?.lastRefused;
    if (refused && Date.parse(refused.at) >= since.getTime())
      submissions.push({ team: run.workflowId.replace(/^grantflow-reconcile\//, ''), at: refused.at, reason: refused.reason });
  }
  const grants: Refusals['grants'] = [];
  for await (const { id, memo, closedAt, startedAt } of listRows(client, grantQuery({ state: 'failed', closedSince: since }))) {
    if (memo.refused) grants.push({ id, at: closedAt ?? startedAt, reason: memo.endReason ?? '' });
    if (grants.length >= LISTED) break;
  }
  const newestFirst = <T extends { at: string }>(list: T[]) => list.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return { submissions: newestFirst(submissions), grants: newestFirst(grants) };
}
