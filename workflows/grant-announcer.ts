// What a grant tells the notification sinks (grantflow.yaml `notifications:`): each message in an
// abandoned child workflow that the grant never waits for, so a sink that fails delays nothing.
import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import type { GrantSpec } from '../src/core/grant';
import { leadsFor, sinksFor, type GrantNotification, type NotificationPlan } from '../src/core/notifications';
import { notificationPlan } from './grant-activities';
import { sendNotification } from './notifications';

export class GrantAnnouncer {
  /** Awaited where needed, so a signal handled before the answer can still announce. */
  private planned: Promise<NotificationPlan | undefined> | undefined;
  private readonly stuckSent = new Set<number>();

  /**
   * `spec`: the grant as it stands when a message goes (the verified one once applied). The plan comes
   * with the apply's answer; it is asked apart only if a message is due before any apply answered.
   */
  constructor(private readonly spec: () => GrantSpec) {}

  /** The plan an apply's answer carried: kept unless one was asked for already. */
  know(plan: NotificationPlan | undefined): void {
    if (plan) this.planned ??= Promise.resolve(plan);
  }

  plan(): Promise<NotificationPlan | undefined> {
    this.planned ??= askPlan();
    return this.planned;
  }

  async announce(event: GrantNotification['event'], extra: Partial<Omit<GrantNotification, 'event' | 'grant'>> = {}): Promise<void> {
    const plan = await this.plan();
    if (!plan) return;
    const spec = this.spec();
    const message: GrantNotification = {
      event,
      at: new Date(Date.now()).toISOString(),
      grant: {
        id: spec.id,
        runId: workflowInfo().runId,
        team: spec.team,
        principalType: spec.principalType,
        principal: spec.principalWritten || spec.principal,
        account: spec.account,
        environment: spec.environment,
        policy: spec.policy,
        kind: spec.kind,
        ...(spec.expiresAt ? { expiresAt: spec.expiresAt } : {}),
        ...(spec.reason ? { reason: spec.reason } : {}),
        ...(spec.ticket ? { ticket: spec.ticket } : {}),
      },
      ...extra,
    };
    await Promise.all(sinksFor(plan, message).map((sink) => sendNotification(sink, message)));
  }

  /** Each refusal is its own message (its sequence is in the idempotency key), so a second forgery is not folded into the first. */
  refused(what: string, sequence: number): Promise<void> {
    return this.announce('refused', { error: what, sequence });
  }

  /** `revoke-stuck` once per lead the sinks ask for, as the revoke's retrying passes it. */
  async revokeStuck(error: string, retryingMs: number): Promise<void> {
    const plan = await this.plan();
    for (const lead of plan ? leadsFor(plan, 'revoke-stuck') : []) {
      if (retryingMs < lead || this.stuckSent.has(lead)) continue;
      this.stuckSent.add(lead);
      await this.announce('revoke-stuck', { afterMs: lead, error });
    }
  }
}

/** Asked outside cancellation: a Cancel that arrives meanwhile is the grant's to handle, like any other. */
function askPlan(): Promise<NotificationPlan | undefined> {
  return CancellationScope.nonCancellable(() => notificationPlan()).catch(() => undefined);
}
