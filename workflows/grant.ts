// One grant workflow per atomic grant: pending → (start_date) → attach → active → (expiry, revoke
// signal/update, or cancellation) → revoking → revoked. The revoke runs in a non-cancellable scope
// and never gives up: it retries with capped backoff while the grant shows `revoking`.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  allHandlersFinished,
} from '@temporalio/workflow';
import type { Activities, RevokeResult } from '../activities';
import type { GrantSpec } from '../src/core/grant';
import { attachedArns, releasedBy, revokeTarget } from '../src/core/grant-derived';
import { grantChangedSignal, type EndCause, type GrantInput, type GrantOutcome, type GrantStatus, type RevokeRequest } from './messages';
import { stateUpdate, type GrantState } from './search-attributes';

/** Errors where retrying the attach cannot help; the grant fails at once and says why. */
const PERMANENT_ERRORS = ['PrincipalNotFound', 'PolicyNotFound', 'DeployerRoleDenied', 'AccessDenied', 'LimitExceeded', 'MalformedPolicy', 'NotOwnedByGrantflow'];

// Local activities: a grant's IAM calls take milliseconds, so they run inside the workflow task that
// needs them instead of going through a separate activity task (half the server round trips per
// grant, and a revoke starts the moment its timer fires). Temporal still records each result and
// retries failures; backoffs longer than a minute become durable timers.
// Applying retries transient failures (throttling, 5xx, network) for as long as they last, showing
// `pending`; only errors that a retry cannot fix (a missing user, a denied role, a quota) fail it.
const { applyGrant } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: PERMANENT_ERRORS },
});

/** A few quick tries per round; the workflow loop below adds the long, capped backoff between rounds. */
const { revokeGrant } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 3 },
});

export const revokeSignal = defineSignal<[RevokeRequest]>('revoke');
export const revokeUpdate = defineUpdate<GrantState, [RevokeRequest]>('revoke');
export interface ReapplyRequest {
  /** The grant's new spec, sent when the YAML changed what it holds without changing its id. */
  spec?: GrantSpec;
}

export const reapplySignal = defineSignal<[ReapplyRequest?]>('reapply');
export const statusQuery = defineQuery<GrantStatus>('status');

/** How long a revoke that kept a policy for another grant waits before checking that grant again. */
const HOLDER_RECHECK_MS = 5000;

/** Permanent grants continue as new before their history grows long (each re-apply adds events). */
const HISTORY_LIMIT = 2000;

function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export async function grantWorkflow(input: GrantInput): Promise<GrantOutcome> {
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
  let reapplyRequested = false;
  let nextSpec: GrantSpec | undefined;

  setHandler(statusQuery, () => status);
  setHandler(revokeSignal, (request) => {
    revoke ??= { origin: 'operator', ...request };
  });
  setHandler(
    revokeUpdate,
    async (request) => {
      revoke ??= { origin: 'operator', ...request };
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
    // The reconcile workflow hears of every ending (and, for a replacement, of `active`).
    const tell = (state === 'active' && input.notifyActive) || state === 'failed' || state === 'revoked';
    if (!input.reconcileWorkflowId || !tell) return;
    try {
      await getExternalWorkflowHandle(input.reconcileWorkflowId).signal(grantChangedSignal, {
        id: spec.id,
        state,
        ...(cause ? { cause } : {}),
        at: new Date(Date.now()).toISOString(),
      });
    } catch (error) {
      // The grant does not depend on its reconcile workflow (it may not exist, e.g. when started by hand).
      log.warn('could not notify the reconcile workflow', { reconcile: input.reconcileWorkflowId, error: describeFailure(error) });
    }
  };

  const apply = async (): Promise<boolean> => {
    try {
      const outcome = await applyGrant(spec);
      status.foreign = outcome.foreign;
      delete status.lastError;
      return true;
    } catch (error) {
      status.lastError = describeFailure(error);
      return false;
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
    upsertMemo({ attachedArns: attachedArns(spec) });
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

  /**
   * A revoke that keeps failing for days continues as new rather than outgrow its history. It does not
   * wait for a revoke update's handler: that one waits for the revoke itself, which the next run carries.
   */
  const carryOn = async () => {
    if (!revoke) await condition(allHandlersFinished);
    await continueAsNew<typeof grantWorkflow>({ ...input, spec, carried: { status, ...(revoke ? { revoke } : {}) } });
  };

  /** Nothing half-done may stay behind a failed apply: undo whatever part of the grant did land. */
  const failAfterCleanup = async (): Promise<GrantOutcome> => {
    const error = status.lastError;
    await CancellationScope.nonCancellable(() => revokeUntilDone(spec, status, carryOn));
    if (error) status.lastError = error; // the reason it failed, not the cleanup's success
    status.endedAt = new Date(Date.now()).toISOString();
    await setState('failed', 'failed');
    return { id: spec.id, state: 'failed', cause: 'failed', ...(status.lastError ? { error: status.lastError } : {}) };
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
        if (await apply()) {
          status.activeSince = new Date(Date.now()).toISOString();
          await setState('active');
        } else {
          // Carried across continue-as-new, so a run that continues the cleanup still ends as failed.
          status.cause = 'failed';
          if (patched('show-revoking-during-failed-cleanup')) await setState('revoking');
          return await failAfterCleanup();
        }
      }
    }

    while (status.state === 'active' && !revoke) {
      const remaining = expiresMs === undefined ? undefined : expiresMs - Date.now();
      if (remaining !== undefined && remaining <= 0) break;
      const wake = () => revoke !== undefined || reapplyRequested || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;
      if (remaining === undefined) await condition(wake);
      else await condition(wake, remaining);
      if (reapplyRequested && !revoke) {
        reapplyRequested = false;
        const next = nextSpec;
        nextSpec = undefined;
        // Drift repair (or a new spec); a failure is shown in the status and tried again next time.
        if (next) await takeSpec(next);
        else await apply();
      }
      if (!revoke && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT)) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof grantWorkflow>({ ...input, spec, carried: { status } });
      }
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancel in the Temporal UI or API means "revoke now", exactly like the revoke signal.
    cancelled = error;
    revoke ??= { reason: 'cancelled in Temporal', by: 'Temporal cancellation', origin: 'operator' };
  }

  const cause: EndCause = revoke ? (revoke.origin === 'reconcile' ? (revoke.cause ?? 'removed') : 'early') : 'expired';
  await CancellationScope.nonCancellable(async () => {
    if (status.state !== 'revoking') await setState('revoking');
    await revokeUntilDone(spec, status, carryOn);
    status.endedAt = new Date(Date.now()).toISOString();
    status.cause = cause;
    if (revoke) {
      status.reason = revoke.reason;
      if (revoke.by) status.revokedBy = revoke.by;
    }
    if (cause === 'early') upsertMemo({ revokedEarly: true, revokedBy: revoke?.by ?? 'unknown', revokeReason: revoke?.reason ?? '' });
    await setState('revoked', cause);
  });
  if (cancelled) throw cancelled;
  return { id: spec.id, state: 'revoked', cause, ...(revoke ? { reason: revoke.reason } : {}) };
}

/** Revokes until IAM holds nothing of the grant; between failed rounds it waits 1 s, 2 s, 4 s … up to the cap. */
async function revokeUntilDone(spec: GrantSpec, status: GrantStatus, carryOn: () => Promise<void>): Promise<void> {
  const target = revokeTarget(spec);
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
        await sleep(Math.min(spec.revokeMaxBackoffMs, 1000 * 2 ** Math.min(round, 20)));
      }
    }
  };
  const first = await revokeOnce();
  if (first.kept.some((k) => k.reason === 'needed by another live grant')) {
    // The other grant may be ending at this very moment, its state not yet visible; look again once
    // visibility has caught up, so that two grants revoked together never both keep a shared policy.
    await sleep(HOLDER_RECHECK_MS);
    await revokeOnce();
  }
}
