// One grant workflow per atomic grant: pending → (start_date) → attach → active → (expiry, revoke
// signal/update, or cancellation) → revoking → revoked. The revoke runs in a non-cancellable scope
// and never gives up: it retries with capped backoff while the grant shows `revoking`.
//
// Whoever can reach the Temporal namespace can start this workflow or signal it, so nothing it is
// given is trusted to widen access: its input names the grant (id and team), and every apply derives
// what to put in IAM from the team's verified config (activities/config-authority.ts). A grant no
// verified config holds applies nothing and ends; a signal that carries access is refused. Taking
// access away (revoke, Cancel, Terminate) stays open to anyone who can reach it.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  ParentClosePolicy,
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
import type { Activities, ApplyOutcome, RevokeResult } from '../activities';
import type { GrantSpec } from '../src/core/grant';
import { attachedArns, grantShape, releasedBy, revokeTarget } from '../src/core/grant-derived';
import { BOUNDARY_MISSING } from '../src/core/grant-failures';
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
  type SubmissionRef,
} from './messages';
import { grantSearchAttributes, stateUpdate, type GrantState } from './search-attributes';
import { leadsFor, notificationWorkflowId, sinksFor, type GrantNotification, type NotificationPlan } from '../src/core/notifications';
import type { notificationWorkflow } from './notifications';

// At AWS's pace an attempt spends most of its time waiting in the account's call budget behind a
// burst (1,000 grants at 10 calls a second is minutes of queue), so its timeout must not count that
// wait: the attempt's bound is long, and each IAM call has its own timeout from the moment it is
// sent (src/aws/accounts.ts). A timeout that fired in the queue would retry into the same queue.
const ATTEMPT_TIMEOUT = '30 minutes';

/**
 * Applies run as activity tasks, in rounds of a few quick tries (the status shows the last error
 * during a long outage; the loop below adds the long, capped backoff between rounds). A local
 * activity would keep its workflow in the worker's cache, and its workflow task open, for as long as
 * it waits for its account's call budget: a burst's applies would fill the cache and an expiring
 * grant's timer would wait behind them. The workflow waits for a cancelled apply to stop (at its next
 * heartbeat) before it revokes, so no write of the apply lands after the revoke has begun. Which
 * failures a retry cannot fix is decided where AWS errors become Temporal failures (activities/).
 */
const APPLY_HEARTBEAT = '20 seconds';
const { applyGrant } = proxyActivities<Activities>({
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  heartbeatTimeout: APPLY_HEARTBEAT,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 5 },
});

/**
 * Revokes are local activities: their IAM calls run inside the workflow task that needs them, so a
 * revoke starts the moment its timer or signal wakes the workflow. A few quick tries per round; the
 * loop in revokeUntilDone adds the long, capped backoff between rounds.
 */
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

/** Refusals a grant's status keeps (the latest). */
const REFUSALS_KEPT = 20;

/** How long after its first attempt a grant keeps retrying a user or policy IAM says does not exist, unless its spec says. */
const PROPAGATION_WAIT_MS = 2 * 60 * 1000;

/**
 * What a failed or cancelled apply had marked for its own attach (the second detail of its failure):
 * the attempt may have attached it, so the grant's record keeps it for the revoke.
 */
function claimedBy(error: unknown): string[] {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  const details = failure instanceof ApplicationFailure || failure instanceof CancelledFailure ? failure.details : undefined;
  const progress = details?.[1] as { claimed?: unknown } | undefined;
  return Array.isArray(progress?.claimed) ? progress.claimed.filter((arn): arn is string => typeof arn === 'string') : [];
}

function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export async function grantWorkflow(grantInput: GrantInput): Promise<GrantOutcome> {
  if ('record' in grantInput) {
    // A record run: what it records is in the memo and search attributes it was started with.
    return { id: workflowInfo().workflowId, state: 'revoked', cause: grantInput.record.cause === 'early' ? 'early' : 'lifted' };
  }
  const input: GrantRunInput = grantInput;
  /** What IAM calls act on: the starter's claim until the first apply, then the verified spec. */
  let spec = input.spec;
  /** The config the grant applied last (or, before its first apply, the one its starter named). */
  let source: SubmissionRef | undefined = input.source;
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
  /** The config a reapply asked to apply (newer than `source` when a pass changed the YAML). */
  let reapplySource: SubmissionRef | undefined = input.carried?.reapplySource;

  /** Applies in flight: a revoke stops them (their IAM calls are aborted before the next write). */
  const applying = new Set<CancellationScope>();
  /** Set once an apply was cut short: a request it sent may still land, so the revoke looks twice. */
  let applyAbandoned = false;
  const requestRevoke = (request: RevokeRequest) => {
    const asked: RevokeRequest = { origin: 'operator', ...request };
    if (!revoke) revoke = asked;
    else if (asked.origin === 'operator' && revoke.origin !== 'operator') operatorRevoke ??= asked;
    for (const scope of applying) scope.cancel();
  };
  const refused = (what: string) => {
    status.refusals = [...(status.refusals ?? []), { at: new Date(Date.now()).toISOString(), what }].slice(-REFUSALS_KEPT);
    log.warn('refused', { grant: spec.id, what });
  };
  // The notification sinks (grantflow.yaml `notifications:`) hear what happens, each message in an
  // abandoned child workflow that the grant never waits for. Asked outside cancellation: a Cancel
  // that arrives meanwhile is handled below, like any other.
  // Asked at once and awaited where needed, so a signal handled before the answer can still announce.
  const planned: Promise<NotificationPlan | undefined> = CancellationScope.nonCancellable(() => notificationPlan()).catch(() => undefined);
  const announce = async (event: GrantNotification['event'], extra: Partial<Omit<GrantNotification, 'event' | 'grant'>> = {}) => {
    const plan = await planned;
    if (!plan) return;
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
  /** Each refusal is its own message (its sequence is in the idempotency key), so a second forgery is not folded into the first. */
  const announceRefusal = (what: string) => announce('refused', { error: what, sequence: status.refusals?.length ?? 0 });
  const stuckSent = new Set<number>();
  const onRevokeFailure = async (error: string, retryingMs: number) => {
    const plan = await planned;
    for (const lead of plan ? leadsFor(plan, 'revoke-stuck') : []) {
      if (retryingMs < lead || stuckSent.has(lead)) continue;
      stuckSent.add(lead);
      await announce('revoke-stuck', { afterMs: lead, error });
    }
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
    const extra = Object.keys(request ?? {}).filter((key) => key !== 'source');
    if (extra.length > 0) {
      // Access comes only from a verified submission: a reapply carrying a spec (or anything else) is refused.
      refused(`a reapply signal carrying ${extra.join(', ')}; a reapply carries no access, so it was ignored`);
      void announceRefusal(`a reapply signal carrying ${extra.join(', ')} was ignored`);
      return;
    }
    if (request?.source) reapplySource = request.source;
    reapplyRequested = true;
  });

  const setState = async (state: GrantState, cause?: EndCause) => {
    status.state = state;
    upsertSearchAttributes(stateUpdate(state));
    // The reconcile workflow hears of a replacement becoming active, and of an operator's early
    // revoke (a replacement it raced must go too).
    const tell = (state === 'active' && input.notifyActive) || cause === 'early';
    if (!input.reconcileWorkflowId || !tell) return;
    try {
      await getExternalWorkflowHandle(input.reconcileWorkflowId).signal(grantChangedSignal, {
        id: spec.id,
        runId: workflowInfo().runId,
        state,
        ...(cause ? { cause } : {}),
        at: new Date(Date.now()).toISOString(),
      });
    } catch (error) {
      // The grant does not depend on its reconcile workflow (it may not exist, e.g. when started by hand).
      log.warn('could not notify the reconcile workflow', { reconcile: input.reconcileWorkflowId, error: describeFailure(error) });
    }
  };

  /**
   * The verified spec takes over from the one the grant ran with: memo and search attributes follow
   * (what sweeps and other grants' revokes read), and what only the previous one held is released once
   * the new one has landed. A release that fails is left to the sweep (nothing live holds it any more).
   */
  const adopt = async (next: GrantSpec, extraAttached: readonly string[]) => {
    const previous = spec;
    spec = next;
    const attached = [...new Set([...attachedArns(spec), ...extraAttached])];
    upsertMemo({ attachedArns: attached, shape: grantShape(spec), principalName: spec.principal, principalType: spec.principalType });
    if (JSON.stringify(grantSearchAttributes(previous, status.state)) !== JSON.stringify(grantSearchAttributes(spec, status.state))) {
      upsertSearchAttributes(grantSearchAttributes(spec, status.state));
    }
    if (grantShape(previous) === grantShape(spec) || status.state !== 'active') return;
    const released = releasedBy(previous, spec);
    if (!released) return;
    const gone = new Set(released.arns);
    try {
      // By the record, like every revoke of the grant: what it attached under the previous spec, and nothing it merely found.
      await revokeGrant({ ...released, ownedArns: (status.attached ?? []).filter((arn) => gone.has(arn)) });
      status.attached = (status.attached ?? []).filter((arn) => !gone.has(arn));
    } catch (error) {
      status.lastError = describeFailure(error);
      log.warn('could not release what the previous spec held; the sweep will', { grant: spec.id, error: status.lastError });
    }
  };

  /** The grant's own record of what it attached: a mark on the principal alone never makes an attachment its to release. */
  const record = (arns: readonly string[]) => {
    if (arns.length > 0) status.attached = [...new Set([...(status.attached ?? []), ...arns])];
  };
  // Where the first apply began: IAM's "no such user/policy" is retried until the propagation window after it has passed.
  let notFoundRetryUntil: number | undefined;
  /**
   * One round of tries; a revoke cuts it short ('revoked'). Cancel of the workflow still throws.
   * 'unbounded': the principal lacks the permission boundary the grant requires (nothing was granted).
   */
  const applyRound = async (): Promise<ApplyOutcome | 'failed' | 'unbounded' | 'retry' | 'revoked'> => {
    const scope = new CancellationScope();
    applying.add(scope);
    try {
      const sources = [reapplySource, source].filter((s): s is SubmissionRef => s !== undefined);
      return await scope.run(() =>
        applyGrant({
          spec,
          sources,
          ...(notFoundRetryUntil !== undefined ? { notFoundRetryUntil } : {}),
          ...(status.attached?.length ? { owned: status.attached } : {}),
        }),
      );
    } catch (error) {
      record(claimedBy(error));
      if (isCancellation(error)) {
        applyAbandoned = true;
        if (revoke) return 'revoked';
        throw error; // Cancel in the UI while applying: an operator's early revoke, handled below
      }
      status.lastError = describeFailure(error);
      const failure = error instanceof ActivityFailure ? error.cause : error;
      if (!(failure instanceof ApplicationFailure && failure.nonRetryable)) return 'retry';
      return failure.type === BOUNDARY_MISSING ? 'unbounded' : 'failed';
    } finally {
      applying.delete(scope);
    }
  };
  /**
   * `untilDone`: the first apply keeps going round by round (an outage ends some day) until it lands,
   * fails for good (a user that never appears, a denied role), is refused or is revoked. A re-apply
   * tries once; what it could not do is shown in the status and tried again next time.
   */
  const apply = async (options: { untilDone: boolean }): Promise<'applied' | 'failed' | 'unbounded' | 'revoked' | 'refused'> => {
    notFoundRetryUntil ??= Date.now() + (spec.propagationWaitMs ?? PROPAGATION_WAIT_MS);
    for (let round = 0; ; round++) {
      const outcome = await applyRound();
      if (outcome === 'revoked' || outcome === 'failed' || outcome === 'unbounded') return outcome;
      if (outcome !== 'retry') {
        if (outcome.outcome === 'refused') {
          status.lastError = outcome.reason;
          refused(outcome.reason);
          return 'refused';
        }
        if (outcome.outcome === 'notYet') {
          // The verified spec starts later than the starter said: wait for it, then apply.
          await adopt(outcome.spec, []);
          await condition(() => revoke !== undefined, Math.max(1, Date.parse(outcome.startsAt) - Date.now()));
          if (revoke) return 'revoked';
          continue;
        }
        status.foreign = outcome.result.foreign;
        // What this grant attached itself: its revoke releases these, and only these.
        record(outcome.result.attached);
        status.appliedFrom = { revision: outcome.appliedFrom.revision, signer: outcome.appliedFrom.signer };
        delete status.lastError;
        source = outcome.appliedFrom.ref;
        reapplySource = undefined;
        await adopt(outcome.spec, outcome.result.attached);
        return 'applied';
      }
      if (!options.untilDone) return 'failed';
      await condition(() => revoke !== undefined, Math.min(5 * 60_000, 15_000 * 2 ** Math.min(round, 5)));
      if (revoke) return 'revoked';
    }
  };

  /** The next run takes the current spec, memo and anything asked of this one that it has not done yet. */
  const continueWithAll = async () => {
    const carried: NonNullable<GrantRunInput['carried']> = {
      status,
      ...(revoke ? { revoke } : {}),
      ...(operatorRevoke ? { operatorRevoke } : {}),
      ...(reapplySource ? { reapplySource } : {}),
      ...(reapplyRequested ? { reapply: true } : {}),
    };
    const next: GrantRunInput = { ...input, spec, ...(source ? { source } : {}), carried };
    await makeContinueAsNewFunc<typeof grantWorkflow>({ memo: workflowInfo().memo ?? {} })(next);
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
    return endFailed('failed');
  };

  /** Ends the run as failed, telling the sinks it failed or (nothing having been sent to IAM) was refused. */
  const endFailed = async (event: 'failed' | 'refused'): Promise<GrantOutcome> => {
    status.endedAt = new Date(Date.now()).toISOString();
    recordEnding('failed');
    // `doctor` lists refused grants from visibility, which shows the memo.
    if (event === 'refused') upsertMemo({ refused: true });
    await setState('failed', 'failed');
    await CancellationScope.nonCancellable(() =>
      event === 'refused'
        ? announceRefusal(status.lastError ?? 'no verified config holds this grant')
        : announce('failed', status.lastError ? { error: status.lastError } : {}),
    );
    return { id: spec.id, state: 'failed', cause: 'failed', ...(status.lastError ? { error: status.lastError } : {}) };
  };

  /** How the grant ended, in its memo: visibility lists it, so stickiness survives the reconcile workflow's memory. */
  const recordEnding = (cause: EndCause) => {
    const by = cause === 'early' ? (operatorRevoke ?? revoke) : revoke;
    upsertMemo({
      endCause: cause,
      ...(by?.by ? { endedBy: by.by } : {}),
      ...(by?.reason ? { endReason: by.reason } : {}),
      ...(cause === 'failed' && status.lastError ? { endReason: status.lastError } : {}),
      ...(cause === 'early' ? { revokedEarly: true } : {}),
    });
  };

  const expiresMs = () => (spec.expiresAt ? Date.parse(spec.expiresAt) : undefined);
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
      const expiry = expiresMs();
      if (!revoke && (expiry === undefined || expiry > Date.now())) {
        const applied = await apply({ untilDone: true });
        // Nothing was sent to IAM: the grant ends without a revoke, and operators are told.
        if (applied === 'refused') return await endFailed('refused');
        if (revoke) {
          // Revoked while applying: the revoke below removes whatever part of it landed.
        } else if (applied === 'applied') {
          status.activeSince = new Date(Date.now()).toISOString();
          await setState('active');
          await announce('granted');
        } else {
          // Carried across continue-as-new, so a run that continues the cleanup still ends as failed.
          status.cause = 'failed';
          await setState('revoking');
          return await failAfterCleanup();
        }
      }
    }

    const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;
    /** `expiring` reminders still to send, by their lead before the expiry, earliest first. */
    const plan = await planned;
    const expiry = expiresMs();
    const reminders = plan && expiry !== undefined ? leadsFor(plan, 'expiring').filter((lead) => expiry - lead > Date.now()) : [];
    while (status.state === 'active' && !revoke) {
      const remaining = expiry === undefined ? undefined : expiry - Date.now();
      if (remaining !== undefined && remaining <= 0) break;
      const wake = () => revoke !== undefined || reapplyRequested || historyFull();
      const untilReminder = reminders.length > 0 ? Math.max(1, expiry! - reminders[0]! - Date.now()) : undefined;
      const wait = remaining !== undefined && untilReminder !== undefined ? Math.min(remaining, untilReminder) : remaining;
      if (wait === undefined) await condition(wake);
      else await condition(wake, wait);
      while (reminders.length > 0 && !revoke && Date.now() >= expiry! - reminders[0]!) await announce('expiring', { afterMs: reminders.shift()! });
      if (reapplyRequested && !revoke) {
        reapplyRequested = false;
        // Drift repair, or a policy the YAML changed; a failure is shown in the status and tried again next time.
        const outcome = await apply({ untilDone: false });
        if (outcome === 'refused') await announceRefusal(status.lastError ?? 'a reapply found no verified config');
        // The principal lost the boundary the grant requires: grantflow can no longer vouch for the access, so it goes now.
        if (outcome === 'unbounded')
          requestRevoke({ reason: status.lastError ?? 'the required permission boundary is gone', by: 'grantflow', origin: 'reconcile', cause: 'unbounded' });
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
  const root = CancellationScope.current();
  await CancellationScope.nonCancellable(async () => {
    if (status.state !== 'revoking') await setState('revoking');
    // Visibility lists the memo: a pass that sees this grant still revoking already knows how it ends.
    upsertMemo({ endCause: causeNow() });
    await revokeUntilDone(spec, status, carryOn, { twice: applyAbandoned, onFailure: onRevokeFailure });
    if (root.consideredCancelled && !cancelled) requestRevoke({ reason: 'cancelled in Temporal', by: 'Temporal cancellation', origin: 'operator' });
    const cause = causeNow();
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
  const target = { ...revokeTarget(spec), ownedArns: status.attached ?? [] };
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
