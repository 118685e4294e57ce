// One run of a team's reconcile workflow, as a state class: its state (a cache of what durable
// sources say), the handlers that queue work, and the loop that runs the interval passes. Every pass
// is one activity per operation (submitPass, intervalPass, settlePass, sweepPass, restorePass,
// retirePass: src/reconcile/passes.ts) that reads the truth afresh; this class only orders them, one
// at a time, and keeps in its memo what a successor reads back.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import { parseGrantWorkflowId } from '../src/core/ids';
import { nextIntervalDelayMs } from '../src/core/interval-phase';
import { notificationWorkflowId, sinksFor, type SubmissionNotification } from '../src/core/notifications';
import { describeRevision, type Revision } from '../src/core/revision';
import {
  adoptSignal,
  grantChangedSignal,
  reconcileStatusQuery,
  restoreUpdate,
  retireUpdate,
  submitUpdate,
  supersedeSignal,
  sweepUpdate,
  type AppliedClaim,
  type EndedEarly,
  type PassCaller,
  type PlanSummary,
  type ReconcileInput,
  type ReconcileState,
  type RetireResult,
  type Submission,
  type SubmissionRef,
  type SweepSummary,
} from './messages';
import type { notificationWorkflow } from './notifications';
import { intervalPass, notificationPlan, recoverTeamState, restorePass, retirePass, settlePass, submitPass, sweepPass } from './reconcile-activities';
import { checkSubmissionShape, refuseRevision } from './reconcile-checks';

/**
 * Failures of a submission that change nothing and say why: the submitter is told, and operators see
 * the latest in the workflow's state (`doctor`, the Web UI) and hear of it through the notification sinks.
 */
const REFUSALS = new Set(['SubmissionRefused', 'StaleRevision', 'RevisionInFuture', 'BeyondMaxTemporaryDays', 'PermissionsBoundaryMissing', 'WrongTeam']);
const DEFAULT_INTERVAL_MS = 60 * 60 * 1000;
const HISTORY_LIMIT = 10_000;
const RETIRE_FINISH_EVERY = '5 minutes';
const RETIRE_FINISH_TRIES = 12;
/** Early revokes told to the workflow and not yet acted on, kept at most. */
const ENDED_EARLY_KEPT = 1000;

/** What a pass's answer tells the workflow's state besides itself. */
interface PassFacts {
  /** Who signed the config the pass applied. */
  signer?: string;
  /** Replacements the pass left waiting for their new grant to be active. */
  waitingReplacements?: number;
}

/** The facts of a pass that returns a summary (a submission's, the interval's, a settle). */
const summaryFacts = (result: { summary: PlanSummary; signer?: string }): PassFacts => ({
  ...(result.signer ? { signer: result.signer } : {}),
  waitingReplacements: result.summary.waiting.length,
});

/** A submission a pass works on: if refused, it is noted (the state's lastRefused, the sinks). */
interface Submitted {
  config: SubmissionRef;
  revision: Revision;
}

export class ReconcileRun {
  private readonly team: string;
  private readonly selfId: string;
  private readonly taskQueue: string;
  /** A state in the input counts only when this run continues an earlier one (the server says so). */
  private readonly continued: boolean;
  private state: ReconcileState;
  private intervalChanged = false;
  private settleSoon: boolean;
  private retired = false;
  /** Items the retirement has yet to remove. */
  private unfinished = 0;
  /** Grants told to have been revoked early that a pass has not acted on yet. */
  private readonly endedEarly: NonNullable<ReconcileState['endedEarly']>;
  /** Submissions, restores, sweeps, retirement and interval passes run one at a time, in arrival order. */
  private tail: Promise<unknown> = Promise.resolve();
  private refusals = 0;

  constructor(private readonly input: ReconcileInput) {
    this.team = input.team;
    const info = workflowInfo();
    this.selfId = info.workflowId;
    this.taskQueue = info.taskQueue;
    // A run started by hand with a state of its own reads its predecessors back instead, as far as
    // their configs verify, so a forged state can neither apply a config nor block a later submission.
    this.continued = info.continuedFromExecutionRunId !== undefined;
    this.state = this.continued ? (input.state ?? {}) : {};
    this.endedEarly = [...(this.state.endedEarly ?? [])].slice(0, ENDED_EARLY_KEPT);
    this.settleSoon = this.endedEarly.length > 0;
  }

  /** A fresh run reads back what its predecessors knew (terminated or retired runs included), before anything else. */
  start(): void {
    if (!this.continued) void this.serialized(() => this.recover());
  }

  listen(): void {
    setHandler(reconcileStatusQuery, () => this.status());
    setHandler(grantChangedSignal, (change) => {
      // What matters: a replacement became active while its predecessor waits for it, or an operator
      // revoked a grant early (a replacement it raced goes too).
      if (change.state === 'active' && (this.state.waitingReplacements ?? 0) > 0) this.settleSoon = true;
      if (change.state === 'revoked' && change.cause === 'early') {
        // Visibility may not show the run closed yet when the pass reads it: the pass is told.
        if (this.endedEarly.length < ENDED_EARLY_KEPT) this.endedEarly.push({ id: change.id, ...(change.runId ? { runId: change.runId } : {}), at: change.at });
        this.settleSoon = true;
      }
    });
    setHandler(submitUpdate, (submission) => this.serialized(() => this.applySubmission(submission)), {
      validator: (submission) => {
        checkSubmissionShape(this.team, submission);
        this.refuseRetired();
        refuseRevision(submission.revision, this.state.revision, Date.now());
      },
    });
    setHandler(
      restoreUpdate,
      (request) => this.serialized(() => (this.refuseRetired(), this.pass(() => restorePass({ ...this.claim(), grantId: request.grantId, by: request.by })))),
      {
        validator: (request) => {
          this.refuseRetired();
          if (parseGrantWorkflowId(request?.grantId ?? '')?.team !== this.team) throw new Error(`${request?.grantId} is not a grant of team ${this.team}`);
        },
      },
    );
    // A sweep only removes: it is open on a retired team too (its leftovers are found through the
    // scope the retirement recorded), which is how `grantflow cleanup` finishes a retirement.
    setHandler(sweepUpdate, (request) => this.serialized(() => this.pass(() => sweepPass({ ...this.claim(), dryRun: request.dryRun, by: request.by }))));
    setHandler(retireUpdate, (request) => this.serialized(() => this.retire(request)), { validator: (_request) => this.refuseRetired() });
  }

  /** Interval and settle passes until the team is retired, continuing as new before the history grows long. */
  async loop(): Promise<void> {
    const historyLimit = this.input.historyLimit ?? HISTORY_LIMIT;
    const wantsContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;
    for (;;) {
      const interval = this.state.reconcileIntervalMs ?? DEFAULT_INTERVAL_MS;
      // Teams on the same interval pass at their own phase of it rather than together.
      const wait = nextIntervalDelayMs(this.team, interval, Date.now());
      const woken = await condition(() => wantsContinueAsNew() || this.intervalChanged || this.settleSoon || this.retired, wait);
      if (this.retired) return this.finishRetirement();
      if (this.intervalChanged) {
        // A submission (or the state read back) set a new interval: start timing it from now.
        this.intervalChanged = false;
        continue;
      }
      if (this.settleSoon) {
        this.settleSoon = false;
        const told = this.endedEarly.splice(0);
        await this.serialized(() => this.background('settle', told));
      } else if (!woken) await this.serialized(() => this.background('interval'));
      if (wantsContinueAsNew()) await this.continueAsNew();
    }
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private status() {
    const { state } = this;
    return {
      team: this.team,
      ...(state.revision ? { revision: state.revision } : {}),
      ...(state.config ? { config: state.config } : {}),
      ...(state.lastPassAt ? { lastPassAt: state.lastPassAt } : {}),
      ...(state.lastError ? { lastError: state.lastError } : {}),
      ...(state.signer ? { signer: state.signer } : {}),
      ...(state.lastRefused ? { lastRefused: state.lastRefused } : {}),
    };
  }

  /** A retired team's reconcile workflow is ending: anything queued behind the retirement is refused. */
  private refuseRetired(): void {
    if (!this.retired) return;
    const finishing = this.unfinished > 0 ? ` (it is still removing ${this.unfinished} leftover item(s); \`grantflow cleanup ${this.team}\` does it now)` : '';
    throw ApplicationFailure.nonRetryable(`team ${this.team} was retired${finishing}; submit it again, once that has ended, to start it afresh`, 'TeamRetired');
  }

  private async recover(): Promise<void> {
    this.state = await recoverTeamState({ team: this.team, runId: workflowInfo().runId });
    // The loop began timing with the default interval before the state was back: time it again.
    if (this.state.reconcileIntervalMs !== undefined) this.intervalChanged = true;
    this.remember();
  }

  private remember(): void {
    upsertMemo({ state: { ...this.state } });
  }

  /** Who asks for a pass: this run of the team's reconcile workflow. */
  private caller(): PassCaller {
    return { team: this.team, reconcileWorkflowId: this.selfId, runId: workflowInfo().runId, taskQueue: this.taskQueue };
  }

  /** The caller, and the last applied config as the state remembers it (the pass verifies it). */
  private claim(): PassCaller & AppliedClaim {
    const { state } = this;
    return {
      ...this.caller(),
      ...(state.config ? { config: state.config } : {}),
      ...(state.revision ? { revision: state.revision } : {}),
      ...(state.receivedAt ? { receivedAt: state.receivedAt } : {}),
    };
  }

  /**
   * Runs one pass (its activity, through `call`) and keeps what it tells: when it passed, or why it
   * failed; `facts`, who signed the config and the replacements left waiting; `submission`, the
   * submission it applied, noted if refused.
   */
  private async pass<R>(call: () => Promise<R>, options: { facts?: (result: R) => PassFacts; submission?: Submitted } = {}): Promise<R> {
    const { state } = this;
    let result: R;
    try {
      result = await call();
    } catch (error) {
      state.lastError = error instanceof ActivityFailure && error.cause ? error.cause.message : (error as Error).message;
      const type = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause.type : undefined;
      if (options.submission && type && REFUSALS.has(type)) await this.noteRefusal(state.lastError, options.submission);
      this.remember();
      // The caller (`grantflow submit`, say) is told why, not that "an activity failed".
      if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
        throw ApplicationFailure.create({ message: error.cause.message, type: error.cause.type ?? 'PassFailed', nonRetryable: true });
      }
      throw error;
    }
    delete state.lastError;
    const facts = options.facts?.(result) ?? {};
    if (facts.signer) state.signer = facts.signer;
    state.lastPassAt = new Date(Date.now()).toISOString();
    if (facts.waitingReplacements !== undefined) state.waitingReplacements = facts.waitingReplacements;
    this.remember();
    return result;
  }

  /** A refused submission, kept in the state (its latest) and told to the sinks that want `refused`. */
  private async noteRefusal(reason: string, submission: Submitted): Promise<void> {
    const at = new Date(Date.now()).toISOString();
    this.state.lastRefused = { at, reason, revision: submission.revision, workflowId: submission.config.workflowId };
    const plan = await notificationPlan().catch(() => undefined);
    if (!plan) return;
    const message: SubmissionNotification = {
      event: 'refused',
      at,
      submission: {
        team: this.team,
        reconcileId: this.selfId,
        runId: workflowInfo().runId,
        staged: submission.config.workflowId,
        revision: describeRevision(submission.revision),
      },
      error: reason,
      sequence: this.refusals++,
    };
    for (const sink of sinksFor(plan, message)) {
      await startChild<typeof notificationWorkflow>('notificationWorkflow', {
        workflowId: notificationWorkflowId(sink, message),
        args: [{ sink, message }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      }).catch((error: Error) => log.warn('could not start a notification', { team: this.team, sink, error: error.message }));
    }
  }

  private async supersede(workflowId: string): Promise<void> {
    try {
      await getExternalWorkflowHandle(workflowId).signal(supersedeSignal);
    } catch (error) {
      log.warn('could not end a superseded submission workflow', { workflowId, error: (error as Error).message });
    }
  }

  private async applySubmission(submission: Submission): Promise<PlanSummary> {
    this.refuseRetired();
    refuseRevision(submission.revision, this.state.revision, Date.now());
    const receivedAt = new Date(Date.now()).toISOString();
    const submitted = { config: submission.config, revision: submission.revision };
    const result = await this.pass(() => submitPass({ ...this.caller(), ...submitted, receivedAt }), { facts: summaryFacts, submission: submitted });
    const { state } = this;
    const previous = state.config;
    state.config = submission.config;
    state.revision = submission.revision;
    state.receivedAt = receivedAt;
    if (state.reconcileIntervalMs !== submission.settings.reconcileIntervalMs) this.intervalChanged = true;
    state.reconcileIntervalMs = submission.settings.reconcileIntervalMs;
    this.remember();
    await getExternalWorkflowHandle(submission.config.workflowId).signal(adoptSignal, { revision: submission.revision });
    if (previous && previous.workflowId !== submission.config.workflowId) await this.supersede(previous.workflowId);
    return result.summary;
  }

  private async retire(request: { by: string; reason: string }): Promise<RetireResult> {
    this.refuseRetired();
    const result = await this.pass(() => retirePass({ ...this.claim(), by: request.by, reason: request.reason }));
    if (this.state.config) await this.supersede(this.state.config.workflowId);
    // Nothing of the team's past applies to a team submitted again later: it starts afresh. Where
    // its objects were is kept, so that what the retirement could not remove yet is still found.
    this.state = { retiredAt: new Date(Date.now()).toISOString(), ...(result.scope ? { retiredScope: result.scope } : {}) };
    this.remember();
    this.retired = true;
    this.unfinished = result.counts.remaining;
    return result;
  }

  /**
   * What the retirement could not remove yet (a grant still revoking, a policy still attached) is
   * tried again every few minutes, for up to an hour, before the workflow ends; after that,
   * `grantflow cleanup <team>` finds it through the scope the retirement recorded.
   */
  private async finishRetirement(): Promise<void> {
    for (let attempt = 0; this.unfinished > 0 && attempt < RETIRE_FINISH_TRIES; attempt++) {
      await sleep(RETIRE_FINISH_EVERY);
      try {
        const result = await this.serialized(() => this.pass(() => retirePass({ ...this.claim(), by: 'grantflow', reason: 'finishing the retirement' })));
        this.unfinished = result.counts.remaining;
      } catch (error) {
        log.warn('finishing the retirement failed; trying again', { team: this.team, error: (error as Error).message });
      }
    }
    await condition(allHandlersFinished);
  }

  /** A pass that fails (IAM or Temporal unreachable for longer than the activity retries) is logged and tried again next time. */
  private async background(mode: 'interval' | 'settle', endedEarly: EndedEarly[] = []): Promise<void> {
    if (!this.state.config) return;
    try {
      const { summary, sweep }: { summary: PlanSummary; sweep?: SweepSummary } =
        mode === 'interval'
          ? await this.pass(() => intervalPass(this.claim()), { facts: summaryFacts })
          : await this.pass(() => settlePass({ ...this.claim(), ...(endedEarly.length ? { endedEarly } : {}) }), { facts: summaryFacts });
      log.info(`${mode} pass`, {
        team: this.team,
        kept: summary.counts.kept,
        added: summary.counts.added,
        revoked: summary.counts.revoked,
        swept: sweep?.findings.length,
        errors: [...summary.errors, ...(sweep?.errors ?? [])],
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      log.warn(`${mode} pass failed; the next one tries again`, { team: this.team, error: (error as Error).message });
    }
  }

  /** The memo (state) goes along, and so do signals not yet acted on. */
  private async continueAsNew(): Promise<void> {
    await condition(allHandlersFinished);
    const carried: ReconcileState = { ...this.state, ...(this.endedEarly.length ? { endedEarly: [...this.endedEarly] } : {}) };
    await makeContinueAsNewFunc<(input: ReconcileInput) => Promise<void>>({ memo: workflowInfo().memo ?? {} })({
      team: this.team,
      state: carried,
      ...(this.input.historyLimit ? { historyLimit: this.input.historyLimit } : {}),
    });
  }
}
