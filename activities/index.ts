// The activities the workflows call: thin wrappers that turn AWS errors into Temporal failures that
// say whether to retry (the one place that decides it: errors.ts classifies, `toFailure` carries the
// verdict), over one grant's IAM work (grant-iam.ts) and a reconcile pass (reconcile-pass.ts).
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { GrantSpec } from '../src/core/grant';
import type { RevokeTarget } from '../src/core/grant-derived';
import type { AccountClients } from '../src/aws/accounts';
import { GrantflowAwsError } from '../src/aws/errors';
import { withCallClass } from '../src/aws/rate-limit';
import { applyGrantIam, revokeGrantIam, type ApplyResult, type AttemptOptions, type HolderLookup, type RevokeResult } from '../src/aws/grant-iam';
import { runPass, type PassRequest, type PassResult, type WorkerLimits } from './reconcile-pass';
import { recoverTeamState } from '../src/temporal/reconcile-state';
import type { NotificationMessage, NotificationPlan } from '../src/core/notifications';
import { notificationPlan, type NotificationSink } from '../src/core/notification-sink';
import { deliver } from './notify';
import type { ReconcileState } from '../workflows/messages';

export type { ApplyResult, RevokeResult } from '../src/aws/grant-iam';
export type { PassRequest, PassResult, WorkerLimits } from './reconcile-pass';

export interface ActivityDeps {
  accounts: AccountClients;
  holders: HolderLookup;
  /** For the reconcile workflow's activities, which read visibility and start and signal grant workflows. */
  temporal?: Client;
  /** The namespace the worker serves (a pass reads its retention). */
  namespace?: string;
  limits?: WorkerLimits;
  /** Webhook sinks (grantflow.yaml `notifications:`), URLs resolved from the worker's environment. */
  notifications?: { sinks: readonly NotificationSink[]; webUiUrl?: string };
}

/** How often an apply running as an activity task heartbeats (Temporal sends at most one per 0.8 of its heartbeat timeout). */
const APPLY_BEAT_MS = 2000;

/** The default ceiling on max_temporary_days when the worker's operator sets none. */
export const DEFAULT_WORKER_LIMITS: WorkerLimits = { maxTemporaryDays: 6 };

/** An AWS error crosses into Temporal as a failure whose type and retryability the workflow honours. */
function toFailure(error: unknown): unknown {
  if (error instanceof GrantflowAwsError) {
    return ApplicationFailure.create({ message: error.message, type: error.type, nonRetryable: !error.retryable, details: [error.awsCode] });
  }
  return error;
}

async function translated<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toFailure(error);
  }
}

/** The running activity's context, or none (tests call these functions directly). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

function attempt(extra: Omit<AttemptOptions, 'signal'> = {}): AttemptOptions {
  const context = activityContext();
  return { ...extra, ...(context ? { signal: context.cancellationSignal } : {}) };
}

/** Grants started before this release pass the bare spec; newer ones say how long to wait for IAM propagation. */
type ApplyInput = GrantSpec | { spec: GrantSpec; notFoundRetryUntil?: number };

export function createActivities(deps: ActivityDeps) {
  const temporal = (): Client => {
    if (!deps.temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client for grant management');
    return deps.temporal;
  };
  // A pass whose reconcile workflow was terminated (or that timed out) learns so at a heartbeat, and stops there.
  const heartbeat = (detail: unknown) => {
    const context = activityContext();
    context?.heartbeat(detail);
    if (context?.cancellationSignal.aborted) throw new CancelledFailure('the reconcile pass was cancelled; its workflow no longer waits for it');
  };
  const limits = deps.limits ?? DEFAULT_WORKER_LIMITS;

  return {
    /** Puts the grant in place: its inline policy (temporary) and its managed-policy attachments. */
    async applyGrant(input: ApplyInput): Promise<ApplyResult> {
      const { spec, notFoundRetryUntil } = 'spec' in input ? input : { spec: input, notFoundRetryUntil: undefined };
      const context = activityContext();
      // As an activity task (grants of this release) the apply says it is alive while its calls wait
      // for the budget, and hears at a heartbeat that its workflow cancelled it.
      const task = context && !context.info.isLocal ? context : undefined;
      const beat = task ? setInterval(() => task.heartbeat(), APPLY_BEAT_MS) : undefined;
      try {
        return await translated(() => applyGrantIam(deps, spec, attempt(notFoundRetryUntil !== undefined ? { notFoundRetryUntil } : {})));
      } catch (error) {
        // Stopped because its workflow cancelled it: reported as cancelled, which the workflow waits for before it revokes.
        if (task?.cancellationSignal.aborted) throw new CancelledFailure(`the apply of ${spec.id} was cancelled by its workflow; no further IAM call was sent`);
        throw error;
      } finally {
        if (beat) clearInterval(beat);
      }
    },

    /** Takes the grant away, leaving what was there before grantflow and what other live grants need. */
    async revokeGrant(grant: RevokeTarget): Promise<RevokeResult> {
      // Counted on the worker's metrics endpoint (src/metrics.ts): a revoke that keeps failing shows there first.
      const meter = activityContext()?.metricMeter;
      meter?.createCounter('grantflow_revoke_attempts_total', undefined, 'revoke activity tries').add(1);
      try {
        return await translated(() => revokeGrantIam(deps, grant, attempt()));
      } catch (error) {
        meter?.createCounter('grantflow_revoke_failures_total', undefined, 'revoke activity tries that failed').add(1);
        throw error;
      }
    },

    /** One pass of a team's reconcile workflow (submission, interval, sweep, restore or retirement). */
    async reconcileTeam(request: PassRequest): Promise<PassResult> {
      // The pass's own IAM calls (reads, policies, clean-ups) come last in the account's budget, behind
      // the applies it starts; the activity heartbeats while they wait.
      const context = activityContext();
      const whileWaiting = () => context?.heartbeat({ waiting: "for the account's IAM call budget" });
      return translated(() =>
        withCallClass({ priority: 'reconcile', whileWaiting }, () =>
          runPass({ temporal: temporal(), accounts: deps.accounts, holders: deps.holders, limits, namespace: deps.namespace ?? 'default', heartbeat }, request),
        ),
      );
    },

    /** What earlier runs of the team's reconcile workflow knew, from their memos in visibility. */
    /** Which sinks want which events, without their URLs: a grant workflow asks once per run. */
    async notificationPlan(): Promise<NotificationPlan> {
      return notificationPlan(deps.notifications?.sinks ?? []);
    },

    /** One message to one sink; the notification workflow retries it within a bounded time. */
    async deliverNotification(input: { sink: string; message: NotificationMessage }): Promise<{ status: number }> {
      return deliver(
        {
          sinks: deps.notifications?.sinks ?? [],
          ...(deps.notifications?.webUiUrl ? { webUiUrl: deps.notifications.webUiUrl } : {}),
          namespace: deps.namespace ?? 'default',
        },
        input,
      );
    },

    async recoverTeamState(input: { team: string; runId?: string }): Promise<ReconcileState> {
      return recoverTeamState(temporal(), input.team, input.runId);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
