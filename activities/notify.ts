// Delivery of one notification to one webhook sink: one POST per attempt, with the idempotency key
// in a header and in the body, so a receiver can drop the duplicates that at-least-once delivery
// brings. A 5xx, 408, 429, timeout or network error is retried by Temporal (the notification
// workflow bounds the total time); any other 4xx is not, since resending cannot fix it.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { NotificationSink } from '../src/core/notification-sink';
import { grantUrl, idempotencyKey, notificationBody, type NotificationMessage } from '../src/core/notifications';

/** How long one POST may take before it counts as failed (and is retried). */
const REQUEST_TIMEOUT_MS = 10_000;

export interface NotifyDeps {
  sinks: readonly NotificationSink[];
  webUiUrl?: string;
  namespace: string;
}

export async function deliver(deps: NotifyDeps, input: { sink: string; message: NotificationMessage }): Promise<{ status: number }> {
  const sink = deps.sinks.find((s) => s.name === input.sink);
  const context = (() => {
    try {
      return Context.current();
    } catch {
      return undefined;
    }
  })();
  const count = (outcome: string) =>
    context?.metricMeter
      .createCounter('grantflow_notification_deliveries_total', undefined, 'webhook delivery attempts by event, format and outcome')
      .add(1, { event: input.message.event, format: sink?.format ?? 'unknown', sink: input.sink, outcome });
  if (!sink) {
    count('unknown-sink');
    // Another worker (or an earlier configuration) knew this sink; one that knows it may pick the retry up.
    throw ApplicationFailure.retryable(`notification sink "${input.sink}" is not configured on this worker (grantflow.yaml notifications:)`, 'UnknownSink');
  }
  const key = idempotencyKey(input.message);
  const url = grantUrl(deps.webUiUrl, deps.namespace, input.message);
  const signals = [AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(context ? [context.cancellationSignal] : [])];
  let response: Response;
  try {
    response = await fetch(sink.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': key, 'user-agent': 'grantflow' },
      body: JSON.stringify(notificationBody(input.message, sink.format, url ? { url } : {})),
      signal: AbortSignal.any(signals),
    });
    await response.arrayBuffer().catch(() => undefined);
  } catch (error) {
    count('error');
    throw ApplicationFailure.retryable(
      `notification sink "${sink.name}": ${(error as Error).name === 'TimeoutError' ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (error as Error).message}`,
      'SinkUnreachable',
    );
  }
  if (response.ok) {
    count('delivered');
    return { status: response.status };
  }
  count(`http-${response.status}`);
  const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
  const message = `notification sink "${sink.name}" answered HTTP ${response.status}`;
  throw retryable
    ? ApplicationFailure.retryable(message, 'SinkError')
    : ApplicationFailure.nonRetryable(`${message}; check the webhook URL the sink's url_env names`, 'SinkRejected');
}
