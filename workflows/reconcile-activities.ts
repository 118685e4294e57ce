// The activities a reconcile workflow calls, with the options that govern them.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** One activity per pass (src/reconcile/passes.ts), and what a fresh run reads back of its predecessors. */
export const { submitPass, intervalPass, settlePass, sweepPass, restorePass, retirePass, recoverTeamState } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  // Passes heartbeat as they go; a worker that dies mid-pass is noticed within this.
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Which notification sinks want which events (no URLs: those stay in the worker). */
export const { notificationPlan } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });
