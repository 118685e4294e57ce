// One notification to one sink, as its own workflow: the grant workflow starts it as an abandoned
// child and does not wait for it, so a sink that fails or never answers delays no grant and no
// revoke, and a message outlives the grant run that sent it. Delivery retries with backoff for at
// most DELIVERY_WINDOW; after that the message is dropped (and `grantflow doctor` reports it).
import { log, ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { notificationWorkflowId, type NotificationMessage } from '../src/core/notifications';
import { describeFailure } from './grant-failures';

/** The longest a message is retried before it is given up. */
export const DELIVERY_WINDOW = '1 hour';

const { deliverNotification } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: DELIVERY_WINDOW,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface NotificationInput {
  sink: string;
  message: NotificationMessage;
}

export async function notificationWorkflow(input: NotificationInput): Promise<{ status: number }> {
  return deliverNotification(input);
}

/**
 * Hands one message for one sink to its own notification workflow, an abandoned child the sender
 * never waits for. Already started (a replayed run), or refused by the server: the sender goes on.
 */
export async function sendNotification(sink: string, message: NotificationMessage): Promise<void> {
  try {
    await startChild<typeof notificationWorkflow>('notificationWorkflow', {
      workflowId: notificationWorkflowId(sink, message),
      args: [{ sink, message }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (error) {
    log.warn('could not start a notification', { sink, event: message.event, key: notificationWorkflowId(sink, message), error: describeFailure(error) });
  }
}
