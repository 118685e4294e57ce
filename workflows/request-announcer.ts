// What a break-glass request tells the notification sinks: requested (with the command an approver
// runs), approved, self-approved (to every approver the rule names), denied and lapsed. Each message
// goes in an abandoned child workflow that the request never waits for.
import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import { sinksFor, type NotificationPlan, type RequestEvent, type RequestNotification } from '../src/core/notifications';
import { formatDuration } from '../src/core/time';
import { notificationPlan } from './grant-activities';
import type { RequestStatus } from './messages';
import { sendNotification } from './notifications';

export class RequestAnnouncer {
  private readonly planned: Promise<NotificationPlan | undefined>;

  constructor(private readonly status: RequestStatus) {
    this.planned = CancellationScope.nonCancellable(() => notificationPlan()).catch(() => undefined);
  }

  async announce(event: RequestEvent, extra: Pick<RequestNotification, 'by' | 'endReason' | 'approveCommand'> = {}): Promise<void> {
    const plan = await this.planned;
    if (!plan) return;
    const { ask, terms, rule } = this.status;
    const policy = terms?.policy ?? ask.policy;
    const message: RequestNotification = {
      event,
      at: new Date(Date.now()).toISOString(),
      request: {
        id: this.status.id,
        runId: workflowInfo().runId,
        team: ask.team,
        rule: ask.rule,
        principal: terms?.principalWritten ?? ask.user,
        environment: ask.environment,
        ...(terms ? { account: terms.account } : {}),
        ...(policy ? { policy } : {}),
        duration: formatDuration(ask.durationMs),
        reason: ask.reason,
        ...(ask.ticket ? { ticket: ask.ticket } : {}),
        requestedBy: ask.requestedBy,
        approvers: rule?.approvers ?? [],
        ...(this.status.expiresAt ? { expiresAt: this.status.expiresAt } : {}),
        ...(this.status.grantId ? { grantId: this.status.grantId } : {}),
      },
      ...extra,
    };
    await Promise.all(sinksFor(plan, message).map((sink) => sendNotification(sink, message)));
  }
}
