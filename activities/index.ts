// The activities the workflows call: thin adapters that turn a call into IAM or Temporal work and
// its errors into Temporal failures that say whether to retry (the one place that decides it:
// src/aws/errors.ts classifies, `toFailure` carries the verdict). One grant's IAM work is
// src/aws/grant-iam.ts; a reconcile pass, one activity per operation, is src/reconcile/passes.ts.
// What a grant applies is never what its workflow was told: it is derived from the team's verified
// config (src/reconcile/authority.ts), so a workflow started or signalled by hand grants nothing the
// YAML does not.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { GrantSpec } from '../src/core/grant';
import type { RevokeTarget } from '../src/core/grant-derived';
import type { AccountClients } from '../src/aws/accounts';
import { GrantflowAwsError } from '../src/aws/errors';
import { withCallClass } from '../src/aws/rate-limit';
import type { ApplyResult, AttemptOptions, HolderLookup, RevokeResult } from '../src/aws/grant-iam';
import { applyGrantAccess, reserveQuickApply, revokeGrantAccess } from '../src/aws/grant-access';
import type { IdentityCenter } from '../src/aws/identity-center';
import { ConfigAuthority, type Authority, type VerifiedConfig } from '../src/reconcile/authority';
import { BreakGlassAuthority, type GrantParent } from '../src/reconcile/break-glass';
import { PassFailure } from '../src/reconcile/failures';
import { intervalPass, restorePass, retirePass, settlePass, submitPass, sweepPass, type PassDeps } from '../src/reconcile/passes';
import { NamespaceRetention } from '../src/reconcile/read/retention';
import { DEFAULT_GUARDRAILS } from '../src/core/guardrails';
import { describeRevision } from '../src/core/revision';
import { DEFAULT_SUBMISSION_MAX_AGE_MS } from '../src/trust/submissions';
import { APPLY_INTERRUPTED } from '../src/core/grant-failures';
import type { NotificationMessage, NotificationPlan } from '../src/core/notifications';
import { notificationPlan, type NotificationSink } from '../src/core/notification-sink';
import { deliver } from './notify';
import { createRequestActivities } from './requests';
import type {
  IntervalPassInput,
  IntervalPassResult,
  ReconcileState,
  RestorePassInput,
  RestorePassResult,
  RetirePassInput,
  RetirePassResult,
  SettlePassInput,
  SettlePassResult,
  SubmissionRef,
  SubmitPassInput,
  SubmitPassResult,
  SweepPassInput,
  SweepPassResult,
} from '../workflows/messages';

export type { ApplyResult, RevokeResult } from '../src/aws/grant-iam';
export type { Authority } from '../src/reconcile/authority';

export interface ActivityDeps {
  accounts: AccountClients;
  holders: HolderLookup;
  /** The worker's IAM Identity Center instance, if its configuration names one. */
  identityCenter?: IdentityCenter;
  /** For the reconcile workflow's activities, which read visibility and start and signal grant workflows. */
  temporal?: Client;
  /** The namespace the worker serves (a pass reads its retention). */
  namespace?: string;
  /** The retention passes reckon with instead of the namespace's (tests only: a run cannot be made to age a day). */
  assumeRetentionMs?: number;
  /** Whose submissions the worker applies, and the guardrails they must meet (default: trusts no one). */
  authority?: Authority;
  /** Webhook sinks (grantflow.yaml `notifications:`), URLs resolved from the worker's environment. */
  notifications?: { sinks: readonly NotificationSink[]; webUiUrl?: string };
}

/** How often an apply running as an activity task heartbeats (Temporal sends at most one per 0.8 of its heartbeat timeout). */
const APPLY_BEAT_MS = 2000;
/** How often a revoke waiting for its expiry heartbeats: each answer may carry its cancellation (an operator's revoke came first). */
const DUE_BEAT_MS = 1000;

/** A worker told nothing trusts no submitter: every submission is refused, and no grant applies anything. */
export const DEFAULT_AUTHORITY: Authority = {
  trust: { keys: [], insecureAcceptUnsigned: false, maxAgeMs: DEFAULT_SUBMISSION_MAX_AGE_MS },
  guardrails: DEFAULT_GUARDRAILS,
};

/**
 * An AWS error crosses into Temporal as a failure whose type and retryability the workflow honours.
 * `claimed`: what an apply had marked for its own attach before it failed (see AttemptOptions.progress).
 * It travels in the failure's details for the grant's record, and such a failure is not retried by
 * Temporal within the activity (the workflow would never see what the failed attempt claimed, and the
 * next attempt would find the attachment marked but not its own): it goes back to the workflow as
 * APPLY_INTERRUPTED, which records the claim and tries again at once.
 */
function toFailure(error: unknown, claimed: readonly string[] = []): unknown {
  // A pass that stopped for a reason a retry cannot change (a refusal, say): its type tells the workflow which.
  if (error instanceof PassFailure) return ApplicationFailure.nonRetryable(error.message, error.type);
  const progress = claimed.length > 0 ? [{ claimed: [...claimed] }] : [];
  const aws = error instanceof GrantflowAwsError ? error : undefined;
  if (progress.length > 0 && error instanceof Error && !(error instanceof CancelledFailure) && aws?.retryable !== false) {
    return ApplicationFailure.create({ message: error.message, type: APPLY_INTERRUPTED, nonRetryable: true, details: [aws?.awsCode, ...progress] });
  }
  if (aws) return ApplicationFailure.create({ message: aws.message, type: aws.type, nonRetryable: !aws.retryable, details: [aws.awsCode, ...progress] });
  return error;
}

async function translated<T>(fn: () => Promise<T>, claimed?: () => readonly string[]): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toFailure(error, claimed?.());
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

/** What a grant workflow asks to apply: its id and team (in `spec`), and the configs its spec may come from. */
export interface ApplyInput {
  /** What the workflow was started with: only `id` and `team` are used. */
  spec: GrantSpec;
  /** The staged submissions the pass that started or re-applied the grant applied (newest verified wins). */
  sources?: SubmissionRef[];
  /** Until when IAM's "no such user/policy" is retried (propagation). */
  notFoundRetryUntil?: number;
  /** The grant's record of what its earlier applies attached. */
  owned?: string[];
  /** A break-glass grant: its request, and the run that started it as the server recorded it (absent: started by hand). */
  breakGlass?: { requestId: string; parent?: GrantParent };
  /**
   * Run inside the workflow's task (a local activity): only if the account's call budget can take the
   * apply's calls at once; otherwise `busy`, with nothing sent, and the workflow queues it as an activity task.
   */
  quick?: boolean;
}

/**
 * applied: IAM holds `spec` (derived from the verified config `appliedFrom`); notYet: the verified
 * spec starts later than the workflow thought, so nothing was sent; refused: no verified config holds
 * the grant, nothing was sent; busy: a quick apply found no room in the account's call budget, nothing
 * was sent. Each says which notification sinks want which events, so the grant need not ask apart.
 */
export type ApplyOutcome = (
  | { outcome: 'applied'; spec: GrantSpec; appliedFrom: { ref: SubmissionRef; revision: string; signer: string }; result: ApplyResult }
  | { outcome: 'notYet'; spec: GrantSpec; startsAt: string }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'busy' }
) & { notifications?: NotificationPlan };

/**
 * One grant's IAM work for a spec the caller vouches for, with AWS errors translated into failures.
 * Not registered with the worker: workflows reach it only through `applyGrant`, which derives the spec.
 */
export function createIamActivities(deps: Pick<ActivityDeps, 'accounts' | 'holders' | 'identityCenter'>) {
  return {
    async applySpec(spec: GrantSpec, options: { notFoundRetryUntil?: number; owned?: string[] } = {}): Promise<ApplyResult> {
      const progress = { claimed: [] as string[] };
      return translated(
        () =>
          applyGrantAccess(
            deps,
            spec,
            attempt({
              progress,
              ...(options.notFoundRetryUntil !== undefined ? { notFoundRetryUntil: options.notFoundRetryUntil } : {}),
              ...(options.owned ? { owned: options.owned } : {}),
            }),
          ),
        () => progress.claimed,
      );
    },

    /** Takes the grant away, leaving what was there before grantflow and what other live grants need. */
    revokeGrant(grant: RevokeTarget): Promise<RevokeResult> {
      return revokeCounted(grant, attempt());
    },

    /**
     * The revoke of an expiry, started as an activity task shortly before it: it waits for the expiry
     * (by this worker's clock, and no longer than the workflow reckoned), then revokes. A mass
     * expiry's workflow tasks are done by then, so each grant's access goes with its first IAM calls. Heartbeats while it waits: its
     * workflow cancels it when an operator's revoke arrives first, and a worker that dies is noticed.
     */
    async revokeGrantWhenDue(input: DueRevoke): Promise<RevokeResult> {
      const context = activityContext();
      const beat = context ? setInterval(() => context.heartbeat(), DUE_BEAT_MS) : undefined;
      const signal = context?.cancellationSignal;
      const untilDue = async () => {
        const wait = Math.min(input.waitAtMostMs, Date.parse(input.dueAt) - Date.now());
        if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {});
      };
      try {
        const result = await revokeCounted(input.grant, attempt({ untilDue }));
        // A revoke with nothing to send (nothing of the grant was grantflow's) still ends no sooner than its expiry.
        await untilDue();
        return result;
      } finally {
        if (beat) clearInterval(beat);
      }
    },
  };

  async function revokeCounted(grant: RevokeTarget, options: AttemptOptions): Promise<RevokeResult> {
    // Counted on the worker's metrics endpoint (src/metrics.ts): a revoke that keeps failing shows there first.
    const meter = activityContext()?.metricMeter;
    meter?.createCounter('grantflow_revoke_attempts_total', undefined, 'revoke activity tries').add(1);
    try {
      return await translated(() => revokeGrantAccess(deps, grant, options));
    } catch (error) {
      meter?.createCounter('grantflow_revoke_failures_total', undefined, 'revoke activity tries that failed').add(1);
      throw error;
    }
  }
}

/** A revoke started ahead of the expiry it is for. */
export interface DueRevoke {
  grant: RevokeTarget;
  /** The expiry (ISO 8601): no write is sent before it. */
  dueAt: string;
  /** The wait as the workflow reckoned it: a worker whose clock disagrees (a time-skipping test server's) waits no longer. */
  waitAtMostMs: number;
}

/** `make`'s value, made at the first call (a worker's authority, say, which needs its Temporal client). */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

export function createActivities(deps: ActivityDeps) {
  const temporal = (): Client => {
    if (!deps.temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client for grant management');
    return deps.temporal;
  };
  const iam = createIamActivities(deps);
  const authorityOf = once(() => new ConfigAuthority(temporal(), deps.authority ?? DEFAULT_AUTHORITY));
  const breakGlassOf = once(() => new BreakGlassAuthority(temporal(), authorityOf()));
  /**
   * The spec a grant may apply: what the team's newest verified config holds for its id; for a
   * break-glass grant the YAML does not (yet) record, what its request's approvals give.
   */
  const derive = async (input: ApplyInput): Promise<{ spec: GrantSpec; from: VerifiedConfig; via?: string } | { refused: string } | 'busy'> => {
    // A quick apply holds its workflow's task: it may not wait for a read that this worker's own workflow tasks answer.
    if (input.quick && !(await authorityOf().knows(input.spec.team, input.sources ?? []))) return 'busy';
    const derived = await authorityOf().specFor(input.spec.id, input.spec.team, input.sources ?? []);
    if (!('refused' in derived) || !input.breakGlass) return derived;
    if (input.quick) return 'busy';
    const granted = await breakGlassOf().specForGrant(input.spec.id, input.breakGlass.requestId, input.breakGlass.parent);
    if (!granted.ok) return { refused: `${derived.refused}; and as a break-glass grant: ${granted.reason}` };
    return {
      spec: granted.spec,
      from: granted.from,
      via: `break-glass ${granted.mark.request} (rule ${granted.mark.rule}), approved by ${granted.mark.approvers.join(', ')}`,
    };
  };
  // A pass whose reconcile workflow was terminated (or that timed out) learns so at a heartbeat, and stops there.
  const heartbeat = (detail: unknown) => {
    const context = activityContext();
    context?.heartbeat(detail);
    if (context?.cancellationSignal.aborted) throw new CancelledFailure('the reconcile pass was cancelled; its workflow no longer waits for it');
  };
  // What every pass works with, made once for the worker: its clients, its authority, the namespace's retention (read at most hourly).
  const passDeps = once((): PassDeps => ({
    temporal: temporal(),
    accounts: deps.accounts,
    holders: deps.holders,
    ...(deps.identityCenter ? { identityCenter: deps.identityCenter } : {}),
    authority: authorityOf(),
    retention: new NamespaceRetention(temporal(), deps.namespace ?? 'default', deps.assumeRetentionMs),
    heartbeat,
  }));
  /**
   * One reconcile pass as an activity. Its own IAM calls (reads, policies, clean-ups) come last in the
   * account's budget, behind the applies it starts; the activity heartbeats while they wait.
   */
  const pass = <I, R>(run: (deps: PassDeps, input: I) => Promise<R>) => {
    return (input: I): Promise<R> => {
      const context = activityContext();
      const whileWaiting = () => context?.heartbeat({ waiting: "for the account's IAM call budget" });
      return translated(() => withCallClass({ priority: 'reconcile', whileWaiting }, () => run(passDeps(), input)));
    };
  };

  return {
    /**
     * Puts the grant in place (its inline policy, its managed-policy attachments) as the team's newest
     * verified config defines it; a grant no verified config holds is refused before any IAM call.
     */
    async applyGrant(input: ApplyInput): Promise<ApplyOutcome> {
      const notifications = notificationPlan(deps.notifications?.sinks ?? []);
      const derived = await derive(input);
      if (derived === 'busy') return { outcome: 'busy', notifications };
      if ('refused' in derived) {
        activityContext()
          ?.metricMeter.createCounter('grantflow_refused_total', undefined, 'requests refused for lack of a verified submission')
          .add(1, { what: 'grant' });
        return { outcome: 'refused', reason: derived.refused, notifications };
      }
      const { spec, from } = derived;
      const revision = derived.via ?? (from.revision ? describeRevision(from.revision) : 'unsigned');
      if (spec.startsAt && Date.parse(spec.startsAt) > Date.now()) return { outcome: 'notYet', spec, startsAt: spec.startsAt, notifications };
      // A quick apply holds its workflow's task while it runs: it goes only where it will not wait for the budget.
      const release = input.quick ? reserveQuickApply(deps, spec) : undefined;
      if (input.quick && !release) return { outcome: 'busy', notifications };
      const context = activityContext();
      // As an activity task the apply says it is alive while its calls wait for the budget, and hears
      // at a heartbeat that its workflow cancelled it.
      const task = context && !context.info.isLocal ? context : undefined;
      const beat = task ? setInterval(() => task.heartbeat(), APPLY_BEAT_MS) : undefined;
      try {
        const result = await iam.applySpec(spec, {
          ...(input.notFoundRetryUntil !== undefined ? { notFoundRetryUntil: input.notFoundRetryUntil } : {}),
          ...(input.owned ? { owned: input.owned } : {}),
        });
        return {
          outcome: 'applied',
          spec,
          appliedFrom: { ref: from.ref, revision, signer: from.signer },
          result,
          notifications,
        };
      } catch (error) {
        // Stopped because its workflow cancelled it: reported as cancelled, which the workflow waits for
        // before it revokes, with what the apply had claimed (the details of its failure) for the record.
        if (task?.cancellationSignal.aborted) {
          const details = error instanceof ApplicationFailure ? error.details : undefined;
          throw new CancelledFailure(`the apply of ${spec.id} was cancelled by its workflow; no further IAM call was sent`, details ?? []);
        }
        throw error;
      } finally {
        if (beat) clearInterval(beat);
        release?.();
      }
    },

    revokeGrant: iam.revokeGrant,
    revokeGrantWhenDue: iam.revokeGrantWhenDue,

    /** A submission: verified as it arrives, refused if older than the last applied, then applied. */
    submitPass: pass<SubmitPassInput, SubmitPassResult>(submitPass),
    /** The interval's pass over the last applied config, then the sweep. */
    intervalPass: pass<IntervalPassInput, IntervalPassResult>(intervalPass),
    /** Replacements whose new grant is active, and revokes that follow an operator's. */
    settlePass: pass<SettlePassInput, SettlePassResult>(settlePass),
    /** `grantflow cleanup`. */
    sweepPass: pass<SweepPassInput, SweepPassResult>(sweepPass),
    /** `grantflow restore`. */
    restorePass: pass<RestorePassInput, RestorePassResult>(restorePass),
    /** `grantflow retire`, and the retired workflow's tries to finish it. */
    retirePass: pass<RetirePassInput, RetirePassResult>(retirePass),

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

    ...createRequestActivities(breakGlassOf),

    /** What earlier runs of the team's reconcile workflow applied, as far as it verifies. */
    async recoverTeamState(input: { team: string; runId?: string }): Promise<ReconcileState> {
      return authorityOf().recover(input.team, input.runId);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
