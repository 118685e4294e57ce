// One grant workflow per atomic grant: pending → (start_date) → attach → active → (expiry, revoke
// signal/update, or cancellation) → revoking → revoked. The revoke runs in a non-cancellable scope
// and never gives up: it retries with capped backoff while the grant shows `revoking`.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { Activities, ApplyResult, RevokeResult } from '../activities';
import type { GrantSpec } from '../src/core/grant';
import { attachedArns, grantShape, releasedBy, revokeTarget } from '../src/core/grant-derived';
import {
  grantChangedSignal,
  reapplySignal,
  revokeSignal,
  revokeUpdate,
  statusQuery,
  type EndCause,
  type GrantInput,
  type GrantRunInput,
  type GrantOutcome,
  type GrantStatus,
  type RevokeRequest,
} from './messages';
import { stateUpdate, type GrantState } from './search-attributes';
import { leadsFor, notificationWorkflowId, sinksFor, type NotificationMessage, type NotificationPlan } from '../src/core/notifications';
import type { notificationWorkflow } from './notifications';

// Local activities: a revoke's IAM calls run inside the workflow task that needs them instead of
// going through a separate activity task, so a revoke starts the moment its timer fires (applies of
// grants started before the apply-as-activity patch ran the same way; see applyGrantTask below). Temporal still records each result and
// retries failures; backoffs longer than a minute become durable timers.
// Applying retries transient failures (throttling, 5xx, network, a user or policy IAM has not yet
// propagated) for as long as they last, showing `pending`; which failures a retry cannot fix (a
// missing user past the propagation window, a denied role, a quota) is decided in one place, where
// AWS errors become Temporal failures (activities/errors.ts), so no list of error types lives here.
// An attempt the workflow abandons (cancelled, timed out) is aborted before its next IAM write, and
// the workflow waits for it to stop before it revokes.
// At AWS's pace an attempt spends most of its time waiting in the account's call budget behind a
// burst (1,000 grants at 10 calls a second is minutes of queue), so its timeout must not count that
// wait: the attempt's bound is long, and each IAM call has its own timeout from the moment it is
// sent (src/aws/accounts.ts). A timeout that fired in the queue would retry into the same queue.
// The options are not part of the history (a local activity records only its result), so running
// grants replay unchanged.
const ATTEMPT_TIMEOUT = '30 minutes';
const { applyGrant } = proxyLocalActivities<Activities>({
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Grants of this release apply in rounds of a few quick tries, so the status shows the last error
 * during a long outage, and a revoke can stop an apply between (and during) its tries.
 */
const { applyGrant: applyGrantRound } = proxyLocalActivities<Activities>({
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 5 },
});

/**
 * Grants of this release apply as activity tasks, not local ones. A local activity keeps its
 * workflow in the worker's cache, and its workflow task open, for as long as it runs; at AWS's pace
 * an apply waits minutes for its account's call budget, so a burst's applies would fill the cache
 * and keep workflow tasks busy with heartbeats, and an expiring grant's timer would wait behind them
 * for its revoke to begin. As an activity task the apply waits with its workflow out of the way.
 * The workflow waits for a cancelled apply to stop (at its next heartbeat, which the activity sends
 * every few seconds and Temporal passes on within APPLY_HEARTBEAT) before it revokes, so no write of
 * the apply lands after the revoke has begun.
 */
const APPLY_HEARTBEAT = '20 seconds';
const { applyGrant: applyGrantTask } = proxyActivities<Activities>({
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  heartbeatTimeout: APPLY_HEARTBEAT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 5 },
});

/** A few quick tries per round; the workflow loop below adds the long, capped backoff between rounds. */
const { revokeGrant } = proxyLocalActivities<Activities>({
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 3 },
});

/** Which notification sinks want which events (no URLs: those stay in the worker). */
const { notificationPlan } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });

/** How long a revoke that kept a policy for another grant waits before checking that grant again. */
const HOLDER_RECHECK_MS = 5000;

/** Permanent grants continue as new before their history grows long (each re-apply adds events). */
const HISTORY_LIMIT = 2000;

function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** How long after its first attempt a grant keeps retrying a user or policy IAM says does not exist, unless its spec says (grants of earlier releases). */
const PROPAGATION_WAIT_MS = 2 * 60 * 1000;

export async function grantWorkflow(grantInput: GrantInput): Promise<GrantOutcome> {
  if ('record' in grantInput) {
    // A record run: what it records is in the memo and search attributes it was started with.
    return { id: workflowInfo().workflowId, state: 'revoked', cause: grantInput.record.cause === 'early' ? 'early' : 'lifted' };
  }
  const input: GrantRunInput = grantInput;
  let spec = input.spec;
  const status: GrantStatus = input.carried?.status ?? {
    id: spec.id,
    state: 'pending',
    kind: spec.kind,
    principal: spec.principal,
    account: spec.account,
    environment: spec.environment,
    policy: spec.policy,
    ...(spec.startsAt ? { startsAt: spec.startsAt } : {}),
    ...(spec.expiresAt ? { expiresAt: spec.expiresAt } : {}),
    foreign: [],
    revokeAttempts: 0,
  };
  let revoke: RevokeRequest | undefined = input.carried?.revoke;
  /** An operator's revoke that arrived while grantflow itself was already revoking: the ending counts as early. */
  let operatorRevoke: RevokeRequest | undefined = input.carried?.operatorRevoke;
  let reapplyRequested = input.carried?.reapply ?? false;
  let nextSpec: GrantSpec | undefined = input.carried?.pendingSpec;
  // Grants started before this release replay as they ran; new runs record their endings in the memo,
  // count Cancel during an apply as an early revoke, let an operator's revoke outrank grantflow's own,
  // keep their memo across continue-as-new, and tell the reconcile workflow only of replacements.
  const durable = patched('durable-truth');

  /** Applies in flight: a revoke stops them (their IAM calls are aborted before the next write). */
  const applying = new Set<CancellationScope>();
  /** Set once an apply was cut short: a request it sent may still land, so the revoke looks twice. */
  let applyAbandoned = false;
  const requestRevoke = (request: RevokeRequest) => {
    const asked: RevokeRequest = { origin: 'operator', ...request };
    if (!revoke) revoke = asked;
    else if (durable && asked.origin === 'operator' && revoke.origin !== 'operator') operatorRevoke ??= asked;
    if (durable) for (const scope of applying) scope.cancel();
  };
  setHandler(statusQuery, () => status);
  setHandler(revokeSignal, requestRevoke);
  setHandler(
    revokeUpdate,
    async (request) => {
      requestRevoke(request);
      await condition(() => status.state === 'revoked' || status.state === 'failed');
      return status.state;
    },
    {
      validator: (request) => {
        if (!request || typeof request.reason !== 'string' || request.reason.trim() === '') throw new Error('a revoke needs a reason');
      },
    },
  );
  setHandler(reapplySignal, (request) => {
    if (request?.spec?.id === spec.id) nextSpec = request.spec;
    reapplyRequested = true;
  });

  const setState = async (state: GrantState, cause?: EndCause) => {
    status.state = state;
    upsertSearchAttributes(stateUpdate(state));
    // The reconcile workflow hears of a replacement becoming active, and of an operator's early revoke
    // (a replacement it raced must go too); grants of earlier releases told it of every ending.
    const tell = (state === 'active' && input.notifyActive) || (durable ? cause === 'early' : state === 'failed' || state === 'revoked');
    if (!input.reconcileWorkflowId || !tell) return;
    try {
      await getExternalWorkflowHandle(input.reconcileWorkflowId).signal(grantChangedSignal, {
        id: spec.id,
        ...(durable ? { runId: workflowInfo().runId } : {}),
        state,
        ...(cause ? { cause } : {}),
        at: new Date(Date.now()).toISOString(),
      });
    } catch (error) {
      // The grant does not depend on its reconcile workflow (it may not exist, e.g. when started by hand).
      log.warn('could not notify the reconcile workflow', { reconcile: input.reconcileWorkflowId, error: describeFailure(error) });
    }
  };

  // Where the first apply began: IAM's "no such user/policy" is retried until the propagation window after it has passed.
  let notFoundRetryUntil: number | undefined;
  const landed = (outcome: ApplyResult) => {
    status.foreign = outcome.foreign;
    // What this grant attached itself: released even if a race cost it its ownership mark.
    status.attached = [...new Set([...(status.attached ?? []), ...outcome.attached])];
    delete status.lastError;
  };
  /** One round of tries; a revoke cuts it short ('revoked'). Cancel of the workflow still throws. */
  const applyRound = async (): Promise<'applied' | 'failed' | 'retry' | 'revoked'> => {
    const scope = new CancellationScope();
    applying.add(scope);
    try {
      const round = patched('apply-as-activity') ? applyGrantTask : applyGrantRound;
      landed(await scope.run(() => round({ spec, notFoundRetryUntil })));
      return 'applied';
    } catch (error) {
      if (isCancellation(error)) {
        applyAbandoned = true;
        if (revoke) return 'revoked';
        throw error; // Cancel in the UI while applying: an operator's early revoke, handled below
      }
      status.lastError = describeFailure(error);
      // A local activity's failure may arrive as the activity's own ApplicationFailure or wrapped.
      const failure = error instanceof ActivityFailure ? error.cause : error;
      return failure instanceof ApplicationFailure && failure.nonRetryable ? 'failed' : 'retry';
    } finally {
      applying.delete(scope);
    }
  };
  /**
   * `untilDone`: the first apply keeps going round by round (an outage ends some day) until it lands,
   * fails for good (a user that never appears, a denied role) or is revoked. A re-apply tries once;
   * what it could not do is shown in the status and tried again next time.
   */
  const apply = async (options: { untilDone: boolean } = { untilDone: false }): Promise<boolean> => {
    notFoundRetryUntil ??= Date.now() + (spec.propagationWaitMs ?? PROPAGATION_WAIT_MS);
    if (!durable) {
      try {
        landed(await applyGrant(spec));
        return true;
      } catch (error) {
        status.lastError = describeFailure(error);
        return false;
      }
    }
    for (let round = 0; ; round++) {
      const outcome = await applyRound();
      if (outcome === 'applied') return true;
      if (outcome === 'revoked' || outcome === 'failed' || !options.untilDone) return false;
      await condition(() => revoke !== undefined, Math.min(5 * 60_000, 15_000 * 2 ** Math.min(round, 5)));
      if (revoke) return false;
    }
  };

  /**
   * A new spec for the same grant: the new one lands first, then what only the old one held is
   * released, so access that stays is never interrupted. A release that fails is left to the sweep
   * (nothing live holds it any more).
   */
  const takeSpec = async (next: GrantSpec) => {
    const previous = spec;
    spec = next;
    upsertMemo({ attachedArns: attachedArns(spec), shape: grantShape(spec) });
    if (!(await apply())) return;
    const released = releasedBy(previous, spec);
    if (!released) return;
    try {
      await revokeGrant(released);
    } catch (error) {
      status.lastError = describeFailure(error);
      log.warn('could not release what the previous spec held; the sweep will', { grant: spec.id, error: status.lastError });
    }
  };

  /** The next run takes the current spec, memo and anything asked of this one that it has not done yet. */
  const continueWithAll = async () => {
    const carried: NonNullable<GrantRunInput['carried']> = {
      status,
      ...(revoke ? { revoke } : {}),
      ...(operatorRevoke ? { operatorRevoke } : {}),
      ...(nextSpec ? { pendingSpec: nextSpec } : {}),
      ...(reapplyRequested ? { reapply: true } : {}),
    };
    const next = { ...input, spec, carried };
    if (durable) await makeContinueAsNewFunc<typeof grantWorkflow>({ memo: workflowInfo().memo ?? {} })(next);
    else await continueAsNew<typeof grantWorkflow>(next);
  };

  /**
   * A revoke that keeps failing for days continues as new rather than outgrow its history. It does not
   * wait for a revoke update's handler: that one waits for the revoke itself, which the next run carries.
   */
  const carryOn = async () => {
    if (!revoke) await condition(allHandlersFinished);
    await continueWithAll();
  };

  /** Nothing half-done may stay behind a failed apply: undo whatever part of the grant did land. */
  const failAfterCleanup = async (): Promise<GrantOutcome> => {
    const error = status.lastError;
    await CancellationScope.nonCancellable(() => revokeUntilDone(spec, status, carryOn, { twice: applyAbandoned, onFailure: onRevokeFailure }));
    if (error) status.lastError = error; // the reason it failed, not the cleanup's success
    status.endedAt = new Date(Date.now()).toISOString();
    recordEnding('failed');
    await setState('failed', 'failed');
    await CancellationScope.nonCancellable(() => announce('failed', status.lastError ? { error: status.lastError } : {}));
    return { id: spec.id, state: 'failed', cause: 'failed', ...(status.lastError ? { error: status.lastError } : {}) };
  };

  /** How the grant ended, in its memo: visibility lists it, so stickiness survives the reconcile workflow's memory. */
  const recordEnding = (cause: EndCause) => {
    const by = cause === 'early' ? (operatorRevoke ?? revoke) : revoke;
    if (durable) {
      upsertMemo({
        endCause: cause,
        ...(by?.by ? { endedBy: by.by } : {}),
        ...(by?.reason ? { endReason: by.reason } : {}),
        ...(cause === 'failed' && status.lastError ? { endReason: status.lastError } : {}),
        ...(cause === 'early' ? { revokedEarly: true } : {}),
      });
    } else if (cause === 'early') {
      upsertMemo({ revokedEarly: true, revokedBy: revoke?.by ?? 'unknown', revokeReason: revoke?.reason ?? '' });
    }
  };

  // Runs of this release tell the notification sinks (grantflow.yaml `notifications:`) what happens,
  // each message in an abandoned child workflow that the grant never waits for.
  // Asked outside cancellation: a Cancel that arrives meanwhile is handled below, like any other.
  const plan: NotificationPlan | undefined = patched('notifications')
    ? await CancellationScope.nonCancellable(() => notificationPlan()).catch(() => undefined)
    : undefined;
  const announce = async (event: NotificationMessage['event'], extra: Partial<Omit<NotificationMessage, 'event' | 'grant'>> = {}) => {
    if (!plan) return;
    const message: NotificationMessage = {
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
    await Promise.all(
      sinksFor(plan, message).map(async (sink) => {
        try {
          await startChild<typeof notificationWorkflow>('notificationWorkflow', {
            workflowId: notificationWorkflowId(sink, message),
            args: [{ sink, message }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
          });
        } catch (error) {
          // Already started (a replayed run), or the server refused: the grant goes on either way.
          log.warn('could not start a notification', { grant: spec.id, sink, event, error: describeFailure(error) });
        }
      }),
    );
  };
  const stuckSent = new Set<number>();
  const onRevokeFailure = async (error: string, retryingMs: number) => {
    for (const lead of plan ? leadsFor(plan, 'revoke-stuck') : []) {
      if (retryingMs < lead || stuckSent.has(lead)) continue;
      stuckSent.add(lead);
      await announce('revoke-stuck', { afterMs: lead, error });
    }
  };

  const expiresMs = spec.expiresAt ? Date.parse(spec.expiresAt) : undefined;
  let cancelled: unknown;
  try {
    if (status.state === 'revoking' && status.cause === 'failed') {
      // Continued as new while cleaning up after a failed apply: finish that cleanup.
      return await failAfterCleanup();
    }
    if (status.state === 'pending') {
      if (spec.startsAt && Date.parse(spec.startsAt) > Date.now()) {
        await condition(() => revoke !== undefined, Date.parse(spec.startsAt) - Date.now());
      }
      if (!revoke && (expiresMs === undefined || expiresMs > Date.now())) {
        const applied = await apply({ untilDone: true });
        if (durable && revoke) {
          // Revoked while applying: the revoke below removes whatever part of it landed.
        } else if (applied) {
          status.activeSince = new Date(Date.now()).toISOString();
          await setState('active');
          await announce('granted');
        } else {
          // Carried across continue-as-new, so a run that continues the cleanup still ends as failed.
          status.cause = 'failed';
          if (patched('show-revoking-during-failed-cleanup')) await setState('revoking');
          return await failAfterCleanup();
        }
      }
    }

    const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;
    /** `expiring` reminders still to send, by their lead before the expiry, earliest first. */
    const reminders = plan && expiresMs !== undefined ? leadsFor(plan, 'expiring').filter((lead) => expiresMs - lead > Date.now()) : [];
    while (status.state === 'active' && !revoke) {
      const remaining = expiresMs === undefined ? undefined : expiresMs - Date.now();
      if (remaining !== undefined && remaining <= 0) break;
      const wake = () => revoke !== undefined || reapplyRequested || historyFull();
      const untilReminder = reminders.length > 0 ? Math.max(1, expiresMs! - reminders[0]! - Date.now()) : undefined;
      const wait = remaining !== undefined && untilReminder !== undefined ? Math.min(remaining, untilReminder) : remaining;
      if (wait === undefined) await condition(wake);
      else await condition(wake, wait);
      while (reminders.length > 0 && !revoke && Date.now() >= expiresMs! - reminders[0]!) await announce('expiring', { afterMs: reminders.shift()! });
      if (reapplyRequested && !revoke) {
        reapplyRequested = false;
        const next = nextSpec;
        nextSpec = undefined;
        // Drift repair (or a new spec); a failure is shown in the status and tried again next time.
        if (next) await takeSpec(next);
        else await apply();
      }
      if (!revoke && historyFull()) {
        await condition(allHandlersFinished);
        await continueWithAll();
      }
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancel in the Temporal UI or API means "revoke now", exactly like the revoke signal.
    cancelled = error;
    requestRevoke({ reason: 'cancelled in Temporal', by: 'Temporal cancellation', origin: 'operator' });
  }

  const causeNow = (): EndCause =>
    !revoke ? 'expired' : revoke.origin !== 'reconcile' || operatorRevoke || revoke.cause === 'early' ? 'early' : (revoke.cause ?? 'removed');
  // Grants of earlier releases settled the cause before revoking; now an operator's revoke or Cancel
  // that arrives while grantflow's own revoke is under way still makes the ending early.
  const settledCause = durable ? undefined : causeNow();
  const root = CancellationScope.current();
  await CancellationScope.nonCancellable(async () => {
    if (status.state !== 'revoking') await setState('revoking');
    // Visibility lists the memo: a pass that sees this grant still revoking already knows how it ends.
    if (durable) upsertMemo({ endCause: causeNow() });
    await revokeUntilDone(spec, status, carryOn, { twice: applyAbandoned, onFailure: onRevokeFailure });
    if (durable && root.consideredCancelled && !cancelled) requestRevoke({ reason: 'cancelled in Temporal', by: 'Temporal cancellation', origin: 'operator' });
    const cause = settledCause ?? causeNow();
    status.endedAt = new Date(Date.now()).toISOString();
    status.cause = cause;
    const by = cause === 'early' ? (operatorRevoke ?? revoke) : revoke;
    if (by) {
      status.reason = by.reason;
      if (by.by) status.revokedBy = by.by;
    }
    recordEnding(cause);
    await setState('revoked', cause);
    // IAM holds nothing of the grant by now: the message only reports it.
    await announce('revoked', { cause, ...(by?.by ? { endedBy: by.by } : {}), ...(by?.reason ? { endReason: by.reason } : {}) });
  });
  if (cancelled) throw cancelled;
  return { id: spec.id, state: 'revoked', cause: status.cause ?? causeNow(), ...(status.reason ? { reason: status.reason } : {}) };
}

/**
 * Revokes until IAM holds nothing of the grant; between failed rounds it waits 1 s, 2 s, 4 s … up to
 * the cap. `twice`: an apply was cut short, and a request it had sent may land after the first revoke.
 */
async function revokeUntilDone(
  spec: GrantSpec,
  status: GrantStatus,
  carryOn: () => Promise<void>,
  options: { twice?: boolean; onFailure?: (error: string, retryingMs: number) => Promise<void> } = {},
): Promise<void> {
  const startedAt = Date.now();
  const target = { ...revokeTarget(spec), ...(status.attached?.length ? { ownedArns: status.attached } : {}) };
  const revokeOnce = async (): Promise<RevokeResult> => {
    for (let round = 0; ; round++) {
      if (workflowInfo().historyLength > HISTORY_LIMIT * 5) await carryOn();
      status.revokeAttempts++;
      try {
        const result = await revokeGrant(target);
        delete status.lastError;
        return result;
      } catch (error) {
        status.lastError = describeFailure(error);
        log.warn('revoke failed; will retry', { grant: spec.id, round, error: status.lastError });
        await options.onFailure?.(status.lastError, Date.now() - startedAt);
        await sleep(Math.min(spec.revokeMaxBackoffMs, 1000 * 2 ** Math.min(round, 20)));
      }
    }
  };
  const first = await revokeOnce();
  if (options.twice || first.kept.some((k) => k.reason === 'needed by another live grant')) {
    // The other grant may be ending at this very moment, its state not yet visible; look again once
    // visibility has caught up, so that two grants revoked together never both keep a shared policy.
    await sleep(HOLDER_RECHECK_MS);
    await revokeOnce();
  }
}
