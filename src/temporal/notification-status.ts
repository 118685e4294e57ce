// Deliveries that are not getting through, for `grantflow doctor`: notification workflows still
// retrying after a while, and those that gave up, grouped by sink (the sink is in the workflow id).
import type { Client } from '@temporalio/client';
import { sinkOfNotificationWorkflowId } from '../core/notifications';

export interface SinkTrouble {
  sink: string;
  /** Messages still retrying, started before the threshold. */
  retrying: number;
  oldestSince?: string;
  lastError?: string;
  /** Messages given up (their delivery window passed) that visibility still lists. */
  gaveUp: number;
}

export async function troubledSinks(client: Client, olderThan: Date): Promise<SinkTrouble[]> {
  const bySink = new Map<string, SinkTrouble & { sample?: string }>();
  const entry = (sink: string) => {
    let found = bySink.get(sink);
    if (!found) bySink.set(sink, (found = { sink, retrying: 0, gaveUp: 0 }));
    return found;
  };
  const base = `WorkflowType = 'notificationWorkflow'`;
  for await (const run of client.workflow.list({ query: `${base} AND ExecutionStatus = 'Running' AND StartTime < '${olderThan.toISOString()}'` })) {
    const e = entry(sinkOfNotificationWorkflowId(run.workflowId) ?? 'unknown');
    e.retrying++;
    const since = run.startTime.toISOString();
    if (!e.oldestSince || since < e.oldestSince) e.oldestSince = since;
    e.sample ??= run.workflowId;
  }
  for await (const run of client.workflow.list({ query: `${base} AND ExecutionStatus IN ('Failed', 'TimedOut')` })) {
    entry(sinkOfNotificationWorkflowId(run.workflowId) ?? 'unknown').gaveUp++;
  }
  for (const e of bySink.values()) {
    if (!e.sample) continue;
    try {
      const described = await client.workflow.getHandle(e.sample).describe();
      const message = described.raw.pendingActivities?.[0]?.lastFailure?.message;
      if (message) e.lastError = message;
    } catch {
      // ended meanwhile: nothing to add
    }
  }
  return [...bySink.values()].map(({ sample: _sample, ...trouble }) => trouble).sort((a, b) => a.sink.localeCompare(b.sink));
}
