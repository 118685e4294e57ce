// The activities a grant workflow calls, with the options that govern them and why.
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

// At AWS's pace an attempt spends most of its time waiting in the account's call budget behind a
// burst (1,000 grants at 10 calls a second is minutes of queue), so its timeout must not count that
// wait: the attempt's bound is long, and each IAM call has its own timeout from the moment it is
// sent (src/aws/accounts.ts). A timeout that fired in the queue would retry into the same queue.
const ATTEMPT_TIMEOUT = '30 minutes';

/**
 * Applies run as activity tasks, in rounds of a few quick tries (the status shows the last error
 * during a long outage; the grant adds the long, capped backoff between rounds). A local activity
 * would keep its workflow in the worker's cache, and its workflow task open, for as long as it waits
 * for its account's call budget: a burst's applies would fill the cache and an expiring grant's timer
 * would wait behind them. The workflow waits for a cancelled apply to stop (at its next heartbeat)
 * before it revokes, so no write of the apply lands after the revoke has begun. Which failures a
 * retry cannot fix is decided where AWS errors become Temporal failures (activities/).
 */
export const { applyGrant } = proxyActivities<Activities>({
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  heartbeatTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 5 },
});

/**
 * The same apply, first tried inside the workflow task as a local activity: it runs only when the
 * account's call budget can take its calls at once (and the worker knows the team's configs), and
 * answers `busy` otherwise, having sent nothing. One workflow task instead of two and no activity
 * task: about half the Temporal work of a new grant. One try: whatever it cannot do, the activity task does.
 */
export const { applyGrant: applyGrantQuickly } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumAttempts: 1 },
});

/**
 * Revokes are local activities: their IAM calls run inside the workflow task that needs them, so a
 * revoke starts the moment its timer or signal wakes the workflow. A few quick tries per round; the
 * revoke loop (grant-revoke.ts) adds the long, capped backoff between rounds.
 */
export const { revokeGrant } = proxyLocalActivities<Activities>({
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 3 },
});

/**
 * An expiry's revoke, started as an activity task a little before the expiry (grant-revoke.ts): it
 * waits in the worker, not in the workflow's task, so the task is done and its slot free long before
 * the expiry. One try: if it fails or its worker dies (no heartbeat), the revoke loop above takes over
 * once the expiry has come. The heartbeat timeout bounds how late an operator's revoke during the
 * wait goes: Temporal tells an activity of its cancellation in the answer to a heartbeat, which the
 * worker sends at most every 0.8 of it (8 s; more often would add server writes to a mass expiry).
 */
export const { revokeGrantWhenDue } = proxyActivities<Activities>({
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumAttempts: 1 },
});

/** Which notification sinks want which events (no URLs: those stay in the worker). */
export const { notificationPlan } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });
