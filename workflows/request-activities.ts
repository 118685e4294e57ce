// The activities a break-glass request's workflow calls, with the options that govern them and why.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/**
 * Reading the rule in force and the grant it gives: retried for as long as Temporal or the staged
 * config cannot be read (a request waits for the worker; nothing is granted meanwhile).
 */
export const { checkBreakGlassRequest, prepareBreakGlassGrant, checkBreakGlassRatified, checkBreakGlassStanding } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** An approval is verified while its approver waits: a few quick tries, then the approver is told it failed. */
export const { verifyBreakGlassApproval } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 3 },
});
