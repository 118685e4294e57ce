// One run of a grant's workflow, as a state class: what the grant holds and has been asked, the
// handlers that change it, and the three phases the workflow function walks through (grant, hold,
// end). Nothing given to the workflow is trusted to widen access: every apply derives what to put in
// IAM from the team's verified config (src/reconcile/authority.ts), a reapply that carries
// anything but a config reference is refused, and a grant no verified config holds applies nothing.
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ApplyInput, ApplyOutcome, ApplyResult, RevokeResult } from '../activities';
import type { GrantSpec } from '../src/core/grant';
import { attachedArns, beforeGrantflow, grantShape, releasedBy } from '../src/core/grant-derived';
import { APPLY_INTERRUPTED, BOUNDARY_MISSING } from '../src/core/grant-failures';
import { leadsFor } from '../src/core/notifications';
import { applyGrant, applyGrantQuickly, revokeGrant } from './grant-activities';
import { GrantAnnouncer } from './grant-announcer';
import { claimedBy, describeFailure, finalFailure } from './grant-failures';
import { EXPIRY_LEAD_MS, revokeHistoryFull, revokeUntilDone, revokeWhenDue } from './grant-revoke';
import {
  grantChangedSignal,
  reapplySignal,
  revokeSignal,
  revokeUpdate,
  statusQuery,
  type EndCause,
  type GrantOutcome,
  type GrantRunInput,
  type GrantStatus,
  type ReapplyRequest,
  type RevokeRequest,
  type SubmissionRef,
} from './messages';
import { grantSearchAttributes, stateUpdate, type GrantState } from './search-attributes';

/** Permanent grants continue as new before their history grows long (each re-apply adds events). */
const HISTORY_LIMIT = 2000;
/** Refusals a grant's status keeps (the latest). */
const REFUSALS_KEPT = 20;
/** How long after its first attempt a grant keeps retrying a user or policy IAM says does not exist, unless its spec says. */
const PROPAGATION_WAIT_MS = 2 * 60 * 1000;

type Round = ApplyOutcome | 'failed' | 'unbounded' | 'retry' | 'interrupted' | 'revoked';
type Applied = 'applied' | 'failed' | 'unbounded' | 'revoked' | 'refused';

export class GrantRun {
  /** What IAM calls act on: the starter's claim until the first apply, then the verified spec. */
  private spec: GrantSpec;
  /** The config the grant applied last (or, before its first apply, the one its starter named). */
  private source: SubmissionRef | undefined;
  readonly status: GrantStatus;
  private revoke: RevokeRequest | undefined;
  /** An operator's revoke that arrived while grantflow itself was already revoking: the ending counts as early. */
  private operatorRevoke: RevokeRequest | undefined;
  private reapplyRequested: boolean;
  /** The config a reapply asked to apply (newer than `source` when a pass changed the YAML). */
  private reapplySource: SubmissionRef | undefined;
  /** Applies in flight: a revoke stops them (their IAM calls are aborted before the next write). */
  private readonly applying = new Set<CancellationScope>();
  /** Set once an apply was cut short: a request it sent may still land, so the revoke looks twice. */
  private applyAbandoned = false;
  /** Where the first apply began: IAM's "no such user/policy" is retried until the propagation window after it. */
  private notFoundRetryUntil: number | undefined;
  private readonly announcer: GrantAnnouncer;

  constructor(private readonly input: GrantRunInput) {
    const { spec, carried } = input;
    this.spec = spec;
    this.source = input.source;
    this.status = carried?.status ?? {
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
    this.revoke = carried?.revoke;
    this.operatorRevoke = carried?.operatorRevoke;
    this.reapplyRequested = carried?.reapply ?? false;
    this.reapplySource = carried?.reapplySource;
    this.announcer = new GrantAnnouncer(() => this.spec);
  }

  /** Queries, signals and updates: revoking is open to anyone who can reach the workflow; widening is not. */
  listen(): void {
    setHandler(statusQuery, () => this.status);
    setHandler(revokeSignal, (request) => this.requestRevoke(request));
    setHandler(
      revokeUpdate,
      async (request) => {
        this.requestRevoke(request);
        await condition(() => this.status.state === 'revoked' || this.status.state === 'failed');
        return this.status.state;
      },
      {
        validator: (request) => {
          if (!request || typeof request.reason !== 'string' || request.reason.trim() === '') throw new Error('a revoke needs a reason');
        },
      },
    );
    setHandler(reapplySignal, (request) => this.onReapply(request));
  }

  /** The whole run: grant (once), hold until an ending, then revoke in a non-cancellable scope. */
  async run(): Promise<GrantOutcome> {
    let cancelled: unknown;
    try {
      // Continued as new while cleaning up after a failed apply: finish that cleanup.
      if (this.status.state === 'revoking' && this.status.cause === 'failed') return await this.failAfterCleanup();
      if (this.status.state === 'pending') {
        const ended = await this.grant();
        if (ended) return ended;
      }
      await this.hold();
    } catch (error) {
      if (!isCancellation(error)) throw error;
      // Cancel in the Temporal UI or API means "revoke now", exactly like the revoke signal.
      cancelled = error;
      this.requestRevoke({ reason: 'cancelled in Temporal', by: 'Temporal cancellation', origin: 'operator' });
    }
    return this.end(cancelled);
  }

  private requestRevoke(request: RevokeRequest): void {
    const asked: RevokeRequest = { origin: 'operator', ...request };
    if (!this.revoke) this.revoke = asked;
    else if (asked.origin === 'operator' && this.revoke.origin !== 'operator') this.operatorRevoke ??= asked;
    for (const scope of this.applying) scope.cancel();
  }

  private onReapply(request: ReapplyRequest | undefined): void {
    const extra = Object.keys(request ?? {}).filter((key) => key !== 'source');
    if (extra.length > 0) {
      // Access comes only from a verified submission: a reapply carrying a spec (or anything else) is refused.
      this.refused(`a reapply signal carrying ${extra.join(', ')}; a reapply carries no access, so it was ignored`);
      void this.announcer.refused(`a reapply signal carrying ${extra.join(', ')} was ignored`, this.status.refusals?.length ?? 0);
      return;
    }
    if (request?.source) this.reapplySource = request.source;
    this.reapplyRequested = true;
  }

  private refused(what: string): void {
    this.status.refusals = [...(this.status.refusals ?? []), { at: new Date(Date.now()).toISOString(), what }].slice(-REFUSALS_KEPT);
    log.warn('refused', { grant: this.spec.id, what });
  }

  /** pending → (start_date) → applied and active; or ended: refused (nothing sent) or failed (cleaned up). */
  private async grant(): Promise<GrantOutcome | undefined> {
    const { startsAt } = this.spec;
    if (startsAt && Date.parse(startsAt) > Date.now()) await condition(() => this.revoke !== undefined, Date.parse(startsAt) - Date.now());
    const expiry = this.expiresMs();
    if (this.revoke || (expiry !== undefined && expiry <= Date.now())) return undefined;
    const applied = await this.apply({ untilDone: true });
    // Nothing was sent to IAM: the grant ends without a revoke, and operators are told.
    if (applied === 'refused') return this.endFailed('refused');
    // Revoked while applying: the revoke at the end removes whatever part of it landed.
    if (this.revoke) return undefined;
    if (applied === 'applied') {
      this.status.activeSince = new Date(Date.now()).toISOString();
      await this.setState('active');
      await this.announcer.announce('granted');
      return undefined;
    }
    // Carried across continue-as-new, so a run that continues the cleanup still ends as failed.
    this.status.cause = 'failed';
    await this.setState('revoking');
    return this.failAfterCleanup();
  }

  /** active: waits for its expiry, a revoke, a reapply or a long history; sends the `expiring` reminders on the way. */
  private async hold(): Promise<void> {
    const plan = await this.announcer.plan();
    const expiry = this.expiresMs();
    /** `expiring` reminders still to send, by their lead before the expiry, earliest first. */
    const reminders = plan && expiry !== undefined ? leadsFor(plan, 'expiring').filter((lead) => expiry - lead > Date.now()) : [];
    const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT;
    // A reminder due while the revoke waits for the expiry goes as the revoke starts.
    const remindAt = (lead: number) => expiry! - Math.max(lead, EXPIRY_LEAD_MS);
    while (this.status.state === 'active' && !this.revoke) {
      while (reminders.length > 0 && Date.now() >= remindAt(reminders[0]!)) {
        await this.announcer.announce('expiring', { afterMs: reminders.shift()! });
      }
      // Woken EXPIRY_LEAD_MS early: the revoke is started ahead, and waits for the expiry itself (end()).
      const remaining = expiry === undefined ? undefined : expiry - EXPIRY_LEAD_MS - Date.now();
      if (remaining !== undefined && remaining <= 0) return;
      const untilReminder = reminders.length > 0 ? Math.max(1, remindAt(reminders[0]!) - Date.now()) : undefined;
      const wait = remaining !== undefined && untilReminder !== undefined ? Math.min(remaining, untilReminder) : remaining;
      const wake = () => this.revoke !== undefined || this.reapplyRequested || historyFull();
      if (wait === undefined) await condition(wake);
      else await condition(wake, wait);
      if (this.reapplyRequested && !this.revoke) await this.reapply();
      if (!this.revoke && historyFull()) {
        await condition(allHandlersFinished);
        await this.continueWithAll();
      }
    }
  }

  /** Drift repair, or a policy the YAML changed; a failure is shown in the status and tried again next time. */
  private async reapply(): Promise<void> {
    this.reapplyRequested = false;
    const outcome = await this.apply({ untilDone: false });
    if (outcome === 'refused') await this.announcer.refused(this.status.lastError ?? 'a reapply found no verified config', this.status.refusals?.length ?? 0);
    // The principal lost the boundary the grant requires: grantflow can no longer vouch for the access, so it goes now.
    if (outcome === 'unbounded') {
      this.requestRevoke({
        reason: this.status.lastError ?? 'the required permission boundary is gone',
        by: 'grantflow',
        origin: 'reconcile',
        cause: 'unbounded',
      });
    }
  }

  /** revoking → revoked, in a scope no Cancel can interrupt; the memo and the sinks say how it ended. */
  private async end(cancelled: unknown): Promise<GrantOutcome> {
    const root = CancellationScope.current();
    await CancellationScope.nonCancellable(async () => {
      // Ending by its expiry, still ahead: the grant stays active (and holds its policies for other
      // grants' revokes) until the revoke started ahead lands at the expiry.
      const expiry = this.expiresMs();
      const dueAt = !this.revoke && this.status.state === 'active' && expiry !== undefined && expiry > Date.now() ? expiry : undefined;
      const first =
        dueAt === undefined ? undefined : await revokeWhenDue(this.spec, this.status, dueAt, () => this.revoke !== undefined || root.consideredCancelled);
      if (this.status.state !== 'revoking') await this.setState('revoking');
      // Visibility lists the memo: a pass that sees this grant still revoking already knows how it ends.
      upsertMemo({ endCause: this.causeNow() });
      await this.revokeAll(first);
      if (root.consideredCancelled && !cancelled) this.requestRevoke({ reason: 'cancelled in Temporal', by: 'Temporal cancellation', origin: 'operator' });
      const cause = this.causeNow();
      this.status.endedAt = new Date(Date.now()).toISOString();
      this.status.cause = cause;
      const by = this.endedBy(cause);
      if (by) {
        this.status.reason = by.reason;
        if (by.by) this.status.revokedBy = by.by;
      }
      this.recordEnding(cause);
      await this.setState('revoked', cause);
      // IAM holds nothing of the grant by now: the message only reports it.
      await this.announcer.announce('revoked', { cause, ...(by?.by ? { endedBy: by.by } : {}), ...(by?.reason ? { endReason: by.reason } : {}) });
    });
    if (cancelled) throw cancelled;
    return { id: this.spec.id, state: 'revoked', cause: this.status.cause ?? this.causeNow(), ...(this.status.reason ? { reason: this.status.reason } : {}) };
  }

  /** Nothing half-done may stay behind a failed apply: undo whatever part of the grant did land. */
  private async failAfterCleanup(): Promise<GrantOutcome> {
    const error = this.status.lastError;
    await CancellationScope.nonCancellable(() => this.revokeAll());
    if (error) this.status.lastError = error; // the reason it failed, not the cleanup's success
    return this.endFailed('failed');
  }

  /** Ends the run as failed, telling the sinks it failed or (nothing having been sent to IAM) was refused. */
  private async endFailed(event: 'failed' | 'refused'): Promise<GrantOutcome> {
    const { status } = this;
    status.endedAt = new Date(Date.now()).toISOString();
    this.recordEnding('failed');
    // `doctor` lists refused grants from visibility, which shows the memo.
    if (event === 'refused') upsertMemo({ refused: true });
    await this.setState('failed', 'failed');
    await CancellationScope.nonCancellable(() =>
      event === 'refused'
        ? this.announcer.refused(status.lastError ?? 'no verified config holds this grant', status.refusals?.length ?? 0)
        : this.announcer.announce('failed', status.lastError ? { error: status.lastError } : {}),
    );
    return { id: this.spec.id, state: 'failed', cause: 'failed', ...(status.lastError ? { error: status.lastError } : {}) };
  }

  private revokeAll(first?: RevokeResult): Promise<void> {
    return revokeUntilDone(this.spec, this.status, {
      ...(first ? { first } : {}),
      twice: this.applyAbandoned,
      onFailure: (error, retryingMs) => this.announcer.revokeStuck(error, retryingMs),
      historyFull: revokeHistoryFull(HISTORY_LIMIT * 5),
      // A revoke that keeps failing for days continues as new rather than outgrow its history. It does not
      // wait for a revoke update's handler: that one waits for the revoke itself, which the next run carries.
      carryOn: async () => {
        if (!this.revoke) await condition(allHandlersFinished);
        await this.continueWithAll();
      },
    });
  }

  /**
   * `untilDone`: the first apply keeps going round by round (an outage ends some day) until it lands,
   * fails for good (a user that never appears, a denied role), is refused or is revoked. A re-apply
   * tries once; what it could not do is shown in the status and tried again next time.
   */
  private async apply(options: { untilDone: boolean }): Promise<Applied> {
    this.notFoundRetryUntil ??= Date.now() + (this.spec.propagationWaitMs ?? PROPAGATION_WAIT_MS);
    for (let round = 0; ; round++) {
      const outcome = await this.applyRound();
      if (outcome === 'revoked' || outcome === 'failed' || outcome === 'unbounded') return outcome;
      // What the attempt claimed is recorded; the next round goes at once, as Temporal's next try would have.
      if (outcome === 'interrupted') {
        if (await condition(() => this.revoke !== undefined, 1000)) return 'revoked';
        continue;
      }
      if (outcome !== 'retry') {
        const done = await this.landed(outcome);
        if (done) return done;
        continue;
      }
      if (!options.untilDone) return 'failed';
      await condition(() => this.revoke !== undefined, Math.min(5 * 60_000, 15_000 * 2 ** Math.min(round, 5)));
      if (this.revoke) return 'revoked';
    }
  }

  /** What an apply's answer means for the grant: applied, refused, or (starting later than thought) not yet. */
  private async landed(outcome: ApplyOutcome): Promise<Applied | undefined> {
    // Only a quick apply answers busy, and that one is handed to the activity task: the round goes again.
    if (outcome.outcome === 'busy') return undefined;
    if (outcome.outcome === 'refused') {
      this.status.lastError = outcome.reason;
      this.refused(outcome.reason);
      return 'refused';
    }
    if (outcome.outcome === 'notYet') {
      // The verified spec starts later than the starter said: wait for it, then apply.
      await this.adopt(outcome.spec, []);
      await condition(() => this.revoke !== undefined, Math.max(1, Date.parse(outcome.startsAt) - Date.now()));
      return this.revoke ? 'revoked' : undefined;
    }
    this.status.foreign = outcome.result.foreign;
    // What this grant attached itself: its revoke releases these, and only these.
    this.record(outcome.result.attached);
    this.recordAdoption(outcome.result.adopted);
    // An Identity Center principal's id, in the memo too: a clean-up after a Terminate deletes that id's assignment.
    if (outcome.result.principalId && outcome.result.principalId !== this.status.principalId) {
      this.status.principalId = outcome.result.principalId;
      upsertMemo({ principalId: outcome.result.principalId });
    }
    this.status.appliedFrom = { revision: outcome.appliedFrom.revision, signer: outcome.appliedFrom.signer };
    delete this.status.lastError;
    this.source = outcome.appliedFrom.ref;
    this.reapplySource = undefined;
    await this.adopt(outcome.spec, outcome.result.attached);
    return 'applied';
  }

  /**
   * One round of tries; a revoke cuts it short ('revoked'). Cancel of the workflow still throws.
   * 'unbounded': the principal lacks the permission boundary the grant requires (nothing was granted).
   */
  private async applyRound(): Promise<Round> {
    const scope = new CancellationScope();
    this.applying.add(scope);
    try {
      // Inside this workflow task when the account's budget has room; else (or if that fails) as an activity task.
      const outcome = await scope.run(async () => (await this.applyQuickly()) ?? (await applyGrant(this.applyInput())));
      this.announcer.know(outcome.notifications);
      return outcome;
    } catch (error) {
      this.record(claimedBy(error));
      if (isCancellation(error)) {
        this.applyAbandoned = true;
        if (this.revoke) return 'revoked';
        throw error; // Cancel in the UI while applying: an operator's early revoke, handled by run()
      }
      this.status.lastError = describeFailure(error);
      const final = finalFailure(error);
      if (!final) return 'retry';
      if (final.type === APPLY_INTERRUPTED) return 'interrupted';
      return final.type === BOUNDARY_MISSING ? 'unbounded' : 'failed';
    } finally {
      this.applying.delete(scope);
    }
  }

  /** What an apply is asked: the grant's id and team, the configs its spec may come from, and its record. */
  private applyInput(): ApplyInput {
    const sources = [this.reapplySource, this.source].filter((s): s is SubmissionRef => s !== undefined);
    const owned = this.status.attached?.length ? { owned: this.status.attached } : {};
    const retryUntil = this.notFoundRetryUntil !== undefined ? { notFoundRetryUntil: this.notFoundRetryUntil } : {};
    return { spec: this.spec, sources, ...retryUntil, ...owned, ...this.breakGlass() };
  }

  /**
   * The apply inside this workflow task, when the account's call budget can take it at once. Undefined
   * when it could not (busy) or failed: the activity task does it then, with Temporal's retries and
   * heartbeats, after what the failed try claimed is in the record.
   */
  private async applyQuickly(): Promise<ApplyOutcome | undefined> {
    try {
      const outcome = await applyGrantQuickly({ ...this.applyInput(), quick: true });
      this.announcer.know(outcome.notifications);
      return outcome.outcome === 'busy' ? undefined : outcome;
    } catch (error) {
      if (isCancellation(error)) throw error;
      this.record(claimedBy(error));
      return undefined;
    }
  }

  /** What adoption took over: kept across applies, so `show` says it after the inline original is long gone. */
  private recordAdoption(adopted: ApplyResult['adopted']): void {
    if (!adopted) return;
    const managed = [...new Set([...(this.status.adopted?.managed ?? []), ...adopted.managed])];
    const earlier = this.status.adopted?.inline;
    // Once deleted, the original stays deleted in the record (a later apply finds it absent).
    const inline = earlier?.outcome === 'deleted' ? earlier : adopted.inline;
    this.status.adopted = { managed, ...(inline ? { inline } : {}), ...(adopted.error ? { error: adopted.error } : {}) };
  }

  /** A break-glass grant's request, and the run that started this grant as the server recorded it: the apply verifies the approvals from there. */
  private breakGlass(): { breakGlass?: { requestId: string; parent?: { workflowId: string; runId: string } } } {
    if (!this.input.breakGlass) return {};
    const parent = workflowInfo().parent;
    return {
      breakGlass: { requestId: this.input.breakGlass.requestId, ...(parent ? { parent: { workflowId: parent.workflowId, runId: parent.runId } } : {}) },
    };
  }

  /** The grant's own record of what it attached: a mark on the principal alone never makes an attachment its to release. */
  private record(arns: readonly string[]): void {
    if (arns.length > 0) this.status.attached = [...new Set([...(this.status.attached ?? []), ...arns])];
  }

  /**
   * The verified spec takes over from the one the grant ran with: memo and search attributes follow
   * (what sweeps and other grants' revokes read), and what only the previous one held is released once
   * the new one has landed. A release that fails is left to the sweep (nothing live holds it any more).
   */
  private async adopt(next: GrantSpec, extraAttached: readonly string[]): Promise<void> {
    const previous = this.spec;
    this.spec = next;
    const attached = [...new Set([...attachedArns(next), ...extraAttached])];
    const before = beforeGrantflow(next, this.status.foreign, this.status.adopted?.inline?.outcome);
    this.upsertChangedMemo({
      attachedArns: attached,
      shape: grantShape(next),
      principalName: next.principal,
      principalType: next.principalType,
      // What `status` lists as there before grantflow, and left in place (emptied once adopted).
      ...(before.length > 0 || workflowInfo().memo?.beforeGrantflow !== undefined ? { beforeGrantflow: before } : {}),
      ...(next.permissionSet ? { permissionSet: next.permissionSet } : {}),
    });
    if (JSON.stringify(grantSearchAttributes(previous, this.status.state)) !== JSON.stringify(grantSearchAttributes(next, this.status.state))) {
      upsertSearchAttributes(grantSearchAttributes(next, this.status.state));
    }
    if (grantShape(previous) === grantShape(next) || this.status.state !== 'active') return;
    const released = releasedBy(previous, next);
    if (!released) return;
    const gone = new Set(released.arns);
    try {
      // By the record, like every revoke of the grant: what it attached under the previous spec, and nothing it merely found.
      await revokeGrant({
        ...released,
        ownedArns: (this.status.attached ?? []).filter((arn) => gone.has(arn)),
        ...(this.status.principalId ? { principalId: this.status.principalId } : {}),
      });
      this.status.attached = (this.status.attached ?? []).filter((arn) => !gone.has(arn));
    } catch (error) {
      this.status.lastError = describeFailure(error);
      log.warn('could not release what the previous spec held; the sweep will', { grant: next.id, error: this.status.lastError });
    }
  }

  /**
   * Writes what of `fields` the memo does not already say: a grant whose verified spec is what it was
   * started with (nearly every one) writes nothing, which spares the server an event and a visibility update.
   */
  private upsertChangedMemo(fields: Record<string, unknown>): void {
    const memo = workflowInfo().memo ?? {};
    const changed = Object.entries(fields).filter(([key, value]) => JSON.stringify(memo[key]) !== JSON.stringify(value));
    if (changed.length > 0) upsertMemo(Object.fromEntries(changed));
  }

  private async setState(state: GrantState, cause?: EndCause): Promise<void> {
    this.status.state = state;
    upsertSearchAttributes(stateUpdate(state));
    // The reconcile workflow hears of a replacement becoming active, and of an operator's early
    // revoke (a replacement it raced must go too).
    const { reconcileWorkflowId, notifyActive } = this.input;
    const tell = (state === 'active' && notifyActive) || cause === 'early';
    if (!reconcileWorkflowId || !tell) return;
    try {
      await getExternalWorkflowHandle(reconcileWorkflowId).signal(grantChangedSignal, {
        id: this.spec.id,
        runId: workflowInfo().runId,
        state,
        ...(cause ? { cause } : {}),
        at: new Date(Date.now()).toISOString(),
      });
    } catch (error) {
      // The grant does not depend on its reconcile workflow (it may not exist, e.g. when started by hand).
      log.warn('could not notify the reconcile workflow', { reconcile: reconcileWorkflowId, error: describeFailure(error) });
    }
  }

  /** How the grant ended, in its memo: visibility lists it, so stickiness survives the reconcile workflow's memory. */
  private recordEnding(cause: EndCause): void {
    const by = this.endedBy(cause);
    upsertMemo({
      endCause: cause,
      ...(by?.by ? { endedBy: by.by } : {}),
      ...(by?.reason ? { endReason: by.reason } : {}),
      ...(cause === 'failed' && this.status.lastError ? { endReason: this.status.lastError } : {}),
    });
  }

  private endedBy(cause: EndCause): RevokeRequest | undefined {
    return cause === 'early' ? (this.operatorRevoke ?? this.revoke) : this.revoke;
  }

  private causeNow(): EndCause {
    const { revoke } = this;
    if (!revoke) return 'expired';
    return revoke.origin !== 'reconcile' || this.operatorRevoke || revoke.cause === 'early' ? 'early' : (revoke.cause ?? 'removed');
  }

  private expiresMs(): number | undefined {
    return this.spec.expiresAt ? Date.parse(this.spec.expiresAt) : undefined;
  }

  /** The next run takes the current spec, memo and anything asked of this one that it has not done yet. */
  private async continueWithAll(): Promise<void> {
    const carried: NonNullable<GrantRunInput['carried']> = {
      status: this.status,
      ...(this.revoke ? { revoke: this.revoke } : {}),
      ...(this.operatorRevoke ? { operatorRevoke: this.operatorRevoke } : {}),
      ...(this.reapplySource ? { reapplySource: this.reapplySource } : {}),
      ...(this.reapplyRequested ? { reapply: true } : {}),
    };
    const next: GrantRunInput = { ...this.input, spec: this.spec, ...(this.source ? { source: this.source } : {}), carried };
    await makeContinueAsNewFunc<(input: GrantRunInput) => Promise<GrantOutcome>>({ memo: workflowInfo().memo ?? {} })(next);
  }
}
